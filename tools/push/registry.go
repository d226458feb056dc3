package push

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/rules-linuxkit/rules_linuxkit/tools/loopback"
)

// Registry says where and how to reach a registry.
type Registry struct {
	// Prefix is put before org/image ("host[:port][/path]"); empty keeps
	// the org as written (an org may itself start with a registry host;
	// an org with no host means Docker Hub).
	Prefix string
	// Insecure lists registries (host[:port]) that may be reached over
	// plain HTTP. Loopback registries (a literal 127.0.0.0/8 or ::1
	// address, or a name that resolves only to such addresses: see
	// loopback.Is) always may; no other registry is reached without TLS.
	Insecure []string
	// Keychain finds credentials (default authn.DefaultKeychain: docker's
	// config.json and its credential helpers).
	Keychain authn.Keychain
	// Transport is the base HTTP transport (default remote.DefaultTransport).
	Transport http.RoundTripper
	// Retry is the backoff for transient errors (5xx, 429, dropped
	// connections); the zero value means 4 tries starting at 500ms.
	Retry remote.Backoff
	// Jobs is the number of blobs uploaded at once (default 4).
	Jobs int
}

// Repository returns the repository of image (org/image) in r.
func (r Registry) Repository(image string) (name.Repository, error) {
	s := image
	if r.Prefix != "" {
		s = strings.TrimSuffix(r.Prefix, "/") + "/" + image
	}
	repo, err := name.NewRepository(s, name.WeakValidation)
	if err != nil {
		return name.Repository{}, fmt.Errorf("image %s: %w", s, err)
	}
	if r.AllowHTTP(repo.RegistryStr()) {
		repo, err = name.NewRepository(s, name.WeakValidation, name.Insecure)
		if err != nil {
			return name.Repository{}, err
		}
	}
	return repo, nil
}

// IsLoopback reports whether host (host or host:port) is this machine;
// it is loopback.Is, the one rule every package uses.
func IsLoopback(host string) bool { return loopback.Is(host) }

// AllowHTTP reports whether host (host[:port]) may be reached over plain
// HTTP: a loopback host, or one listed with --insecure-registry.
func (r Registry) AllowHTTP(host string) bool { return r.allowHTTP(host) }

func (r Registry) allowHTTP(host string) bool {
	for _, i := range r.Insecure {
		if i == host {
			return true
		}
	}
	return loopback.Is(host)
}

// AuthKeychain is where r finds credentials: Keychain, else docker's
// config.json and credential helpers. Signing uses the same one.
func (r Registry) AuthKeychain() authn.Keychain {
	if r.Keychain != nil {
		return r.Keychain
	}
	return authn.DefaultKeychain
}

// BaseTransport is the transport with the plain-HTTP guard.
func (r Registry) BaseTransport() http.RoundTripper {
	t := r.Transport
	if t == nil {
		t = remote.DefaultTransport
	}
	return &httpGuard{inner: t, allow: r.AllowHTTP}
}

// Options returns go-containerregistry options for r.
func (r Registry) Options() []remote.Option {
	retry := r.Retry
	if retry.Steps == 0 {
		retry = remote.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 4}
	}
	jobs := r.Jobs
	if jobs <= 0 {
		jobs = 4
	}
	return []remote.Option{
		remote.WithAuthFromKeychain(r.AuthKeychain()),
		remote.WithTransport(r.BaseTransport()),
		remote.WithRetryBackoff(retry),
		remote.WithJobs(jobs),
		remote.WithUserAgent("lkpkg"),
	}
}

// httpGuard refuses plain HTTP to registries that were not allowed it:
// go-containerregistry itself falls back to HTTP for private (RFC 1918)
// addresses, which would send credentials in the clear.
type httpGuard struct {
	inner http.RoundTripper
	allow func(host string) bool
}

func (g *httpGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !g.allow(req.URL.Host) {
		return nil, fmt.Errorf("refusing plain HTTP to %s: it is neither a loopback address nor a name that resolves only to loopback addresses; use https, or pass --insecure-registry %s if it really has no TLS", req.URL.Host, req.URL.Host)
	}
	return g.inner.RoundTrip(req)
}

// IsNotFound reports whether err is a registry 404 (or NAME_UNKNOWN /
// MANIFEST_UNKNOWN).
func IsNotFound(err error) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return false
	}
	if te.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range te.Errors {
		switch d.Code {
		case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode:
			return true
		}
	}
	return false
}
