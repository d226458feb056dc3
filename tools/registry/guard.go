package registry

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Guard wraps inner so that it refuses plain HTTP to any host allow
// rejects: go-containerregistry itself falls back to HTTP for private
// (RFC 1918) addresses, which would send credentials in the clear.
func Guard(inner http.RoundTripper, allow func(host string) bool) http.RoundTripper {
	return &httpGuard{inner: inner, allow: allow}
}

type httpGuard struct {
	inner http.RoundTripper
	allow func(host string) bool
}

func (g *httpGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !g.allow(req.URL.Host) {
		return nil, fmt.Errorf("refusing plain HTTP to %s: it is neither a loopback address nor a name that resolves only to loopback addresses; use https, or pass --insecure-registry %s if it really has no TLS", req.URL.Host, req.URL.Host)
	}
	resp, err := g.inner.RoundTrip(req)
	// A plain-HTTP server behind an https:// URL: say which flag opts in,
	// as for the refusal above. (net/http's client later rewords this
	// error as "server gave HTTP response to HTTPS client".)
	var rh tls.RecordHeaderError
	if err != nil && req.URL.Scheme == "https" && (errors.As(err, &rh) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")) {
		err = fmt.Errorf("%w: %s answers in plain HTTP, which lkpkg uses only for loopback addresses; pass --insecure-registry %s if it really has no TLS", err, req.URL.Host, req.URL.Host)
	}
	return resp, err
}
