package notary

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/rules-linuxkit/rules_linuxkit/tools/loopback"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
)

// DefaultServerFor is the trust server docker uses for a registry when
// $DOCKER_CONTENT_TRUST_SERVER is unset: Docker's notary for Docker Hub,
// the registry's own host for any other registry (so a private registry's
// signatures, and its credentials, stay with it).
func DefaultServerFor(reg name.Registry) string {
	switch reg.RegistryStr() {
	case name.DefaultRegistry, "docker.io":
		return DefaultServer
	}
	return "https://" + reg.RegistryStr()
}

// server is the notary server for repo.
func (s *Signer) server(repo name.Repository) string {
	if s.cfg.Server != "" {
		return s.cfg.Server
	}
	return DefaultServerFor(repo.Registry)
}

// withheldError says that registry credentials were not sent to the token
// service a notary server named; lkpkg went on anonymously.
type withheldError struct{ msg string }

func (e *withheldError) Error() string { return e.msg }

// allowHTTP reports whether host may be reached over plain HTTP: the
// registry's rule (loopback, or --insecure-registry).
func (s *Signer) allowHTTP(host string) bool { return s.cfg.Registry.AllowHTTP(host) }

// base is the transport to the notary server and its token service, with
// plain HTTP only where allowed.
func (s *Signer) base() http.RoundTripper {
	t := s.cfg.Transport
	if t == nil {
		tt := http.DefaultTransport.(*http.Transport).Clone()
		tt.TLSClientConfig = &tls.Config{RootCAs: s.cfg.RootCAs, MinVersion: tls.VersionTLS12}
		t = tt
	}
	return registry.Guard(t, s.allowHTTP)
}

// transport returns a round tripper to repo's notary server, with a token
// when the server asks for one. Credentials go to the token service (the
// "realm" of the server's challenge) only as follows:
//   - never over plain HTTP, unless the realm's host is loopback;
//   - credentials stored for the notary server's own host (docker login
//     to it) go to the realm it names, as with any registry;
//   - the registry's credentials go only to a realm on the registry's own
//     host, to the realm the registry names in its own challenge (Docker
//     Hub: notary.docker.io and index.docker.io both use auth.docker.io),
//     or to a host listed in Config.TokenHosts (--trust-token-service).
//
// Otherwise the token is asked for anonymously and the returned
// *withheldError (nil if nothing was withheld) says why.
func (s *Signer) transport(ctx context.Context, repo name.Repository, push bool) (http.RoundTripper, *withheldError, error) {
	server := s.server(repo)
	u, err := url.Parse(server)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, nil, fmt.Errorf("notary server %q is not an https:// URL: check --trust-server or $DOCKER_CONTENT_TRUST_SERVER", server)
	}
	if u.User != nil {
		// Never echoed: errors and logs would carry the password.
		return nil, nil, fmt.Errorf("notary server %s holds credentials in its URL: give it as %s://%s%s and store them with docker login %s", u.Redacted(), u.Scheme, u.Host, u.EscapedPath(), u.Host)
	}
	if u.Scheme == "http" && !s.allowHTTP(u.Host) {
		return nil, nil, fmt.Errorf("refusing plain HTTP to notary server %s: %s is neither a loopback address nor a name that resolves only to loopback addresses; use https, or pass --insecure-registry %s if it really has no TLS", server, u.Host, u.Host)
	}
	opts := []name.Option{name.WeakValidation}
	if u.Scheme == "http" {
		opts = append(opts, name.Insecure)
	}
	notaryReg, err := name.NewRegistry(u.Host, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("notary server %s: %w", server, err)
	}
	base := s.base()
	if u.Scheme == "https" {
		// ggcr also tries http for private addresses: not for an https URL.
		base = registry.Guard(base, func(string) bool { return false })
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	pr, err := transport.Ping(tctx, notaryReg, base)
	if err != nil {
		// No /v2/ handshake (or no server): let notary report the error.
		return base, nil, nil
	}
	if pr.Scheme == "" {
		return base, nil, nil // no authentication asked for
	}
	target := u // Basic auth goes to the server itself
	bearer := strings.EqualFold(pr.Scheme, "bearer")
	if bearer {
		if target, err = url.Parse(pr.Parameters["realm"]); err != nil || target.Host == "" {
			return nil, nil, fmt.Errorf("notary server %s names a malformed token service %q", server, pr.Parameters["realm"])
		}
	}
	auth, withheld := s.credentials(tctx, repo, notaryReg, server, target)
	if !bearer {
		// ggcr's Basic transport sends auth to the server's host only.
		t, err := transport.FromToken(notaryReg, auth, base, pr, &transport.Token{})
		return t, withheld, err
	}
	actions := "pull"
	if push {
		actions = "push,pull"
	}
	scopes := []string{"repository:" + GUN(repo).String() + ":" + actions}
	tok, err := transport.Exchange(tctx, notaryReg, auth, base, scopes, pr)
	if err != nil {
		if withheld != nil {
			return nil, withheld, fmt.Errorf("getting a token for %s from %s: %w (%v)", GUN(repo), target.Redacted(), err, withheld)
		}
		return nil, nil, fmt.Errorf("getting a token for %s from %s: %w", GUN(repo), target.Redacted(), err)
	}
	t, err := transport.FromToken(notaryReg, auth, base, pr, tok)
	return t, withheld, err
}

// credentials picks what goes to target (the token service, or the notary
// server itself for Basic auth); see transport.
func (s *Signer) credentials(ctx context.Context, repo name.Repository, notaryReg name.Registry, server string, target *url.URL) (authn.Authenticator, *withheldError) {
	regAuth := s.cfg.Registry.Auth(repo.Registry)
	own := s.cfg.Registry.Auth(notaryReg)
	if target.Scheme != "https" && !loopback.Is(target.Host) {
		if regAuth == authn.Anonymous && own == authn.Anonymous {
			return authn.Anonymous, nil
		}
		return authn.Anonymous, &withheldError{fmt.Sprintf("the token service %s named by notary server %s is plain HTTP on a host that is not loopback: lkpkg sends no credentials over it; the notary server must name an https token service", target.Redacted(), server)}
	}
	if own != authn.Anonymous {
		return own, nil
	}
	if regAuth == authn.Anonymous {
		return authn.Anonymous, nil
	}
	if hostPort(target) == hostPort(&url.URL{Scheme: repo.Registry.Scheme(), Host: repo.RegistryStr()}) || s.optedIn(target) || s.registryRealm(ctx, repo) == realmKey(target) {
		return regAuth, nil
	}
	return authn.Anonymous, &withheldError{fmt.Sprintf("lkpkg did not send the credentials of %s to %s, the token service notary server %s names: it is neither on the registry's host nor the registry's own token service; if you trust it, pass --trust-token-service %s (or store credentials for %s in docker's config.json)", repo.RegistryStr(), target.Redacted(), server, target.Host, notaryReg.RegistryStr())}
}

// optedIn reports whether target's host is in Config.TokenHosts (an entry
// without a port matches any port).
func (s *Signer) optedIn(target *url.URL) bool {
	for _, h := range s.cfg.TokenHosts {
		if strings.EqualFold(h, target.Host) || strings.EqualFold(h, hostPort(target)) || strings.EqualFold(h, target.Hostname()) {
			return true
		}
	}
	return false
}

// registryRealm is the token service repo's registry names in its own
// challenge ("" if none or unreachable).
func (s *Signer) registryRealm(ctx context.Context, repo name.Repository) string {
	pr, err := transport.Ping(ctx, repo.Registry, s.cfg.Registry.BaseTransport())
	if err != nil || !strings.EqualFold(pr.Scheme, "bearer") {
		return ""
	}
	u, err := url.Parse(pr.Parameters["realm"])
	if err != nil || u.Host == "" {
		return ""
	}
	return realmKey(u)
}

// realmKey identifies a token service: scheme, host:port and path.
func realmKey(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + hostPort(u) + u.EscapedPath()
}

// hostPort is u's host with the scheme's default port made explicit.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	return strings.ToLower(net.JoinHostPort(u.Hostname(), port))
}
