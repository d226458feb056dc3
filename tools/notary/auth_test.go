package notary_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/rules-linuxkit/rules_linuxkit/tools/notary"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
)

const (
	regUser, regPass     = "reg-user", "reg-secret-pw"
	notaryUser, notaryPw = "notary-user", "notary-secret-pw"
)

func basic(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }

// authWorld is a registry, a token service and a notary server on
// 127.0.0.1, reached by distinct names (registry.test, tokens.test,
// notary.test) through a dialer, each recording every Authorization header
// it gets.
type authWorld struct {
	t      *testing.T
	pool   *x509.CertPool
	cert   tls.Certificate
	mu     sync.Mutex
	seen   map[string][]string // host:port -> Authorization headers
	reg    string              // registry.test:port
	tokens string              // tokens.test:port
	// registryRealm and notaryRealm are the token services the registry
	// and the notary server name.
	registryRealm, notaryRealm string
}

func newAuthWorld(t *testing.T) *authWorld {
	w := &authWorld{t: t, seen: map[string][]string{}}
	w.makeCert()
	reg := w.serve("registry.test", true, func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/":
			rw.Header().Set("WWW-Authenticate", fmt.Sprintf("Bearer realm=%q,service=\"registry\"", w.registryRealm))
			rw.WriteHeader(http.StatusUnauthorized)
		case "/token":
			fmt.Fprint(rw, `{"token":"registry-token"}`)
		default:
			http.NotFound(rw, r)
		}
	})
	w.reg = reg
	w.registryRealm = "https://" + reg + "/token"
	w.tokens = w.serve("tokens.test", true, tokenHandler)
	return w
}

func tokenHandler(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/token" {
		http.NotFound(rw, r)
		return
	}
	fmt.Fprint(rw, `{"token":"notary-token"}`)
}

// notaryHandler asks for a token from w.notaryRealm and has no trust data.
func (w *authWorld) notaryHandler(rw http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		rw.Header().Set("WWW-Authenticate", fmt.Sprintf("Bearer realm=%q,service=\"notary\"", w.notaryRealm))
		rw.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.URL.Path == "/v2/" {
		return
	}
	http.NotFound(rw, r)
}

func (w *authWorld) makeCert() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		w.t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lkpkg test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"registry.test", "tokens.test", "notary.test", "plain.test"},
		IsCA:     true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		w.t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	w.pool = x509.NewCertPool()
	w.pool.AddCert(c)
	w.cert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// serve starts h on 127.0.0.1 and returns "name:port".
func (w *authWorld) serve(host string, useTLS bool, h http.HandlerFunc) string {
	var hostPort string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.seen[hostPort] = append(w.seen[hostPort], r.Header.Get("Authorization"))
		w.mu.Unlock()
		h(rw, r)
	}))
	if useTLS {
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{w.cert}}
		srv.StartTLS()
	} else {
		srv.Start()
	}
	w.t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	hostPort = host + ":" + port
	return hostPort
}

// transport dials every *.test name on 127.0.0.1.
func (w *authWorld) transport() http.RoundTripper {
	d := &net.Dialer{}
	return &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: w.pool},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			h, port, _ := net.SplitHostPort(addr)
			if strings.HasSuffix(h, ".test") {
				addr = "127.0.0.1:" + port
			}
			return d.DialContext(ctx, network, addr)
		},
	}
}

func (w *authWorld) headers(host string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.seen[host]...)
}

// assertSeen checks whether host got the Authorization want.
func (w *authWorld) assertSeen(host, want string, sent bool) {
	w.t.Helper()
	got := false
	for _, h := range w.headers(host) {
		got = got || h == want
	}
	if got != sent {
		w.t.Errorf("%s got %q: %v, want %v (all: %q)", host, want, got, sent, w.headers(host))
	}
}

type mapKeychain map[string]authn.Authenticator

func (k mapKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if a, ok := k[r.RegistryStr()]; ok {
		return a, nil
	}
	return authn.Anonymous, nil
}

func (w *authWorld) signer(server string, mod func(*notary.Config)) (*notary.Signer, name.Repository) {
	repo, err := name.NewRepository(w.reg+"/org/img", name.WeakValidation)
	if err != nil {
		w.t.Fatal(err)
	}
	cfg := notary.Config{
		Server: server, TrustDir: w.t.TempDir(),
		Registry: registry.Registry{
			Keychain:  mapKeychain{w.reg: &authn.Basic{Username: regUser, Password: regPass}},
			Transport: w.transport(),
		},
		Transport:   w.transport(),
		Passphrases: &notary.Passphrases{Getenv: func(string) string { return "" }, ConfigFile: "/nonexistent"},
	}
	if mod != nil {
		mod(&cfg)
	}
	return notary.New(cfg), repo
}

// read asks for a signature; with no trust data the answer is "not
// signed", once the token exchange worked.
func read(t *testing.T, s *notary.Signer, repo name.Repository) error {
	t.Helper()
	_, err := s.Signed(context.Background(), repo.Tag("v1"))
	if err == nil {
		t.Fatal("the fake notary has no trust data, yet the tag is signed")
	}
	return err
}

func TestRealmOnRegistryHostGetsRegistryCredentials(t *testing.T) {
	w := newAuthWorld(t)
	w.notaryRealm = w.registryRealm
	n := w.serve("notary.test", true, w.notaryHandler)
	s, repo := w.signer("https://"+n, nil)
	if err := read(t, s, repo); !errors.Is(err, sign.ErrNotSigned) {
		t.Fatalf("read: %v", err)
	}
	w.assertSeen(w.reg, basic(regUser, regPass), true)
	w.assertSeen(n, basic(regUser, regPass), false)
}

func TestForeignRealmGetsNoRegistryCredentials(t *testing.T) {
	w := newAuthWorld(t)
	w.notaryRealm = "https://" + w.tokens + "/token"
	n := w.serve("notary.test", true, w.notaryHandler)
	s, repo := w.signer("https://"+n, nil)

	err := s.Prepare(context.Background(), repo)
	t.Logf("push: %v", err)
	if err == nil {
		t.Fatal("signing went ahead without the credentials")
	}
	for _, want := range []string{"did not send the credentials of " + w.reg, w.tokens, "--trust-token-service " + w.tokens} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), regPass) {
		t.Error("the error shows the password")
	}
	// A read goes on anonymously and says why.
	err = read(t, s, repo)
	if !errors.Is(err, sign.ErrNotSigned) || !strings.Contains(err.Error(), "read anonymously") {
		t.Errorf("read: %v", err)
	}
	if len(w.headers(w.tokens)) == 0 {
		t.Fatal("the token service was never asked")
	}
	w.assertSeen(w.tokens, basic(regUser, regPass), false)
	for _, h := range w.headers(w.tokens) {
		if h != "" {
			t.Errorf("the foreign token service got credentials %q", h)
		}
	}
}

func TestOptInTokenService(t *testing.T) {
	w := newAuthWorld(t)
	w.notaryRealm = "https://" + w.tokens + "/token"
	n := w.serve("notary.test", true, w.notaryHandler)
	s, repo := w.signer("https://"+n, func(c *notary.Config) { c.TokenHosts = []string{w.tokens} })
	if err := read(t, s, repo); !errors.Is(err, sign.ErrNotSigned) || strings.Contains(err.Error(), "anonymously") {
		t.Fatalf("read: %v", err)
	}
	w.assertSeen(w.tokens, basic(regUser, regPass), true)
}

// Docker Hub: notary.docker.io names auth.docker.io, which the registry
// names too.
func TestRealmTheRegistryNamesGetsCredentials(t *testing.T) {
	w := newAuthWorld(t)
	w.registryRealm = "https://" + w.tokens + "/token"
	w.notaryRealm = w.registryRealm
	n := w.serve("notary.test", true, w.notaryHandler)
	s, repo := w.signer("https://"+n, nil)
	if err := read(t, s, repo); !errors.Is(err, sign.ErrNotSigned) || strings.Contains(err.Error(), "anonymously") {
		t.Fatalf("read: %v", err)
	}
	w.assertSeen(w.tokens, basic(regUser, regPass), true)
}

// Credentials stored for the notary host go to the realm it names; the
// registry's do not.
func TestNotaryCredentialsFromKeychain(t *testing.T) {
	w := newAuthWorld(t)
	w.notaryRealm = "https://" + w.tokens + "/token"
	n := w.serve("notary.test", true, w.notaryHandler)
	s, repo := w.signer("https://"+n, func(c *notary.Config) {
		c.Registry.Keychain.(mapKeychain)[n] = &authn.Basic{Username: notaryUser, Password: notaryPw}
	})
	if err := read(t, s, repo); !errors.Is(err, sign.ErrNotSigned) || strings.Contains(err.Error(), "anonymously") {
		t.Fatalf("read: %v", err)
	}
	w.assertSeen(w.tokens, basic(notaryUser, notaryPw), true)
	w.assertSeen(w.tokens, basic(regUser, regPass), false)
}

// Plain HTTP to a host that is not loopback carries no credentials, even
// when plain HTTP is allowed and the token service opted in.
func TestPlainHTTPRealmGetsNoCredentials(t *testing.T) {
	w := newAuthWorld(t)
	plain := w.serve("plain.test", false, tokenHandler)
	w.notaryRealm = "http://" + plain + "/token"
	n := w.serve("notary.test", false, w.notaryHandler)
	s, repo := w.signer("http://"+n, func(c *notary.Config) {
		c.TokenHosts = []string{plain}
		c.Registry.Insecure = []string{n, plain} // --insecure-registry for both
		c.Registry.Keychain.(mapKeychain)[n] = &authn.Basic{Username: notaryUser, Password: notaryPw}
	})
	err := s.Prepare(context.Background(), repo)
	t.Logf("push: %v", err)
	if err == nil || !strings.Contains(err.Error(), "plain HTTP") {
		t.Fatalf("push: %v", err)
	}
	for _, h := range w.headers(plain) {
		if h != "" {
			t.Errorf("plain-HTTP token service got credentials %q", h)
		}
	}
}

// Without --insecure-registry, a plain-HTTP notary server that is not
// loopback is refused outright.
func TestPlainHTTPNotaryRefused(t *testing.T) {
	w := newAuthWorld(t)
	w.notaryRealm = w.registryRealm
	n := w.serve("notary.test", false, w.notaryHandler)
	s, repo := w.signer("http://"+n, nil)
	err := s.Prepare(context.Background(), repo)
	if err == nil || !strings.Contains(err.Error(), "refusing plain HTTP to notary server http://"+n) || !strings.Contains(err.Error(), "--insecure-registry "+n) {
		t.Fatalf("push: %v", err)
	}
	if len(w.headers(n)) != 0 {
		t.Errorf("the notary server was contacted: %q", w.headers(n))
	}
}

func TestDefaultServerFor(t *testing.T) {
	for ref, want := range map[string]string{
		"alpine":                        "https://notary.docker.io",
		"linuxkit/init":                 "https://notary.docker.io",
		"docker.io/linuxkit/init":       "https://notary.docker.io",
		"index.docker.io/linuxkit/init": "https://notary.docker.io",
		"ghcr.io/org/img":               "https://ghcr.io",
		"127.0.0.1:5000/org/img":        "https://127.0.0.1:5000",
		"registry.example:8443/a/b/c":   "https://registry.example:8443",
	} {
		repo, err := name.NewRepository(ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := notary.DefaultServerFor(repo.Registry); got != want {
			t.Errorf("DefaultServerFor(%s) = %s, want %s", ref, got, want)
		}
	}
}

// A --trust-server URL holding a password is refused without echoing it:
// credentials belong in docker's config.json (docker login), not in a URL
// that errors and logs print.
func TestServerURLWithPasswordRefused(t *testing.T) {
	w := newAuthWorld(t)
	w.notaryRealm = w.registryRealm
	n := w.serve("notary.test", true, w.notaryHandler)
	for _, server := range []string{"https://user:url-secret-pw@" + n, "http://user:url-secret-pw@" + n} {
		s, repo := w.signer(server, nil)
		err := s.Prepare(context.Background(), repo)
		if err == nil || strings.Contains(err.Error(), "url-secret-pw") || !strings.Contains(err.Error(), "docker login") {
			t.Errorf("%s: %v; want a refusal that says docker login and does not show the password", server, err)
		}
	}
	if len(w.headers(n)) != 0 {
		t.Errorf("the notary server was contacted: %q", w.headers(n))
	}
}
