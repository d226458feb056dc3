//go:build faults

package faults

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
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

// testCert is a self-signed certificate for 127.0.0.1 and localhost;
// caFile holds it as PEM for --trust-ca.
type testCert struct {
	cert   tls.Certificate
	caFile string
}

func newTestCert(t *testing.T) *testCert {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "faults test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c := &testCert{cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}}
	c.caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(c.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return c
}

// serveTLS serves h over TLS with c on a free 127.0.0.1 port and returns
// the port.
func serveTLS(t *testing.T, c *testCert, h http.Handler) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{c.cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return port
}

// tokenService is a token realm that hands token to whoever asks, with or
// without credentials, and records every request.
func tokenService(t *testing.T, c *testCert, token string) (realm string, rec *recorder) {
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
func notaryFront(t *testing.T, c *testCert, realm, token, upstream string, upstreamCAs *x509.CertPool) (serverURL string, rec *recorder) {
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
