// Package registry is how lkpkg reaches an OCI registry: where an image
// lives (Repository), whose credentials go with it (one keychain: docker's
// config.json and its credential helpers), which hosts may be reached over
// plain HTTP (loopback.Is, plus --insecure-registry), and the
// go-containerregistry options built from those. Pushing (tools/push) and
// both signers (tools/cosign, tools/notary, which also sends these
// credentials to its own server) share it, so each rule is written once.
package registry

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

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

// AllowHTTP reports whether host (host[:port]) may be reached over plain
// HTTP: a loopback host, or one listed with --insecure-registry.
func (r Registry) AllowHTTP(host string) bool {
	for _, i := range r.Insecure {
		if i == host {
			return true
		}
	}
	return loopback.Is(host)
}

// BaseTransport is the transport with the plain-HTTP guard.
func (r Registry) BaseTransport() http.RoundTripper {
	t := r.Transport
	if t == nil {
		t = remote.DefaultTransport
	}
	return Guard(t, r.AllowHTTP)
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
