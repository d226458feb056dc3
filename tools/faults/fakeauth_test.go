//go:build faults

package faults

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// recorder keeps what a fake server was sent: every request's
// Authorization header, URL and body, to search for credentials.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (r *recorder) record(req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(strings.NewReader(string(body)))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, req.Method+" "+req.URL.String()+" Authorization="+req.Header.Get("Authorization")+" body="+string(body))
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

// serveTLS serves h over TLS with c on a free 127.0.0.1 port and returns
// the port.
func serveTLS(t *testing.T, c *testenv.Cert, h http.Handler) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{c.TLS}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return port
}

// tokenService is a token realm that hands token to whoever asks, with or
// without credentials, and records every request.
func tokenService(t *testing.T, c *testenv.Cert, token string) (realm string, rec *recorder) {
	rec = &recorder{}
	port := serveTLS(t, c, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"token":"`+token+`","access_token":"`+token+`","expires_in":300}`)
	}))
	// localhost, not 127.0.0.1: a host other than the registry's.
	return "https://localhost:" + port + "/token", rec
}

// notaryFront is a notary server that wants a bearer token from realm: it
// answers 401 with a challenge until a request carries token, then passes
// requests on to the real notary server at upstream. It records what it
// was sent.
func notaryFront(t *testing.T, c *testenv.Cert, realm, token, upstream string, upstreamCAs *x509.CertPool) (serverURL string, rec *recorder) {
	rec = &recorder{}
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: upstreamCAs}
	rp.Transport = tr
	rp.ErrorLog = log.New(io.Discard, "", 0)
	port := serveTLS(t, c, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		if strings.HasPrefix(r.URL.Path, "/v2") && r.Header.Get("Authorization") != "Bearer "+token {
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`",service="faults-notary"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		r.Header.Del("Authorization")
		rp.ServeHTTP(w, r)
	}))
	return "https://127.0.0.1:" + port, rec
}
