package main

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// authLog records the Authorization headers a fake server got.
type authLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *authLog) wrap(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.seen = append(l.seen, r.Header.Get("Authorization"))
		l.mu.Unlock()
		h(w, r)
	})
}

func (l *authLog) got(v string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.seen {
		if s == v {
			return true
		}
	}
	return false
}

// lkpkg trust inspect reaches the notary server with the CLI's keychain
// (DOCKER_CONFIG), and the registry's credentials reach a token service on
// another host only with --trust-token-service.
func TestTrustInspectCredentialRouting(t *testing.T) {
	tc := testenv.NewCert(t)
	cert, caFile := tc.TLS, tc.CAFile
	var regLog, tokLog, notaryLog authLog
	reg := httptest.NewServer(regLog.wrap(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf("Bearer realm=%q,service=\"registry\"", "http://"+r.Host+"/token"))
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer reg.Close()
	tok := httptest.NewUnstartedServer(tokLog.wrap(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"token":"notary-token"}`)
	}))
	tok.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	tok.StartTLS()
	defer tok.Close()
	_, tokPort, _ := net.SplitHostPort(tok.Listener.Addr().String())
	tokHost := "localhost:" + tokPort // another host:port than the notary's
	nt := httptest.NewUnstartedServer(notaryLog.wrap(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf("Bearer realm=%q,service=\"notary\"", "https://"+tokHost+"/token"))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/v2/" {
			http.NotFound(w, r)
		}
	}))
	nt.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	nt.StartTLS()
	defer nt.Close()

	regHost := strings.TrimPrefix(reg.URL, "http://")
	notaryHost := strings.TrimPrefix(nt.URL, "https://")
	const regPass, notaryPass = "registry-pw-7f3a", "notary-pw-91c2"
	regAuth := base64.StdEncoding.EncodeToString([]byte("ruser:" + regPass))
	notaryAuth := base64.StdEncoding.EncodeToString([]byte("nuser:" + notaryPass))
	dockerConfig := func(auths map[string]string) {
		dir := t.TempDir()
		var parts []string
		for h, a := range auths {
			parts = append(parts, fmt.Sprintf("%q:{\"auth\":%q}", h, a))
		}
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"auths":{`+strings.Join(parts, ",")+`}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("DOCKER_CONFIG", dir)
	}
	inspect := func(extra ...string) string {
		t.Helper()
		args := append([]string{"trust", "inspect", "--trust-server", nt.URL, "--trust-ca", caFile, "--trust-dir", t.TempDir(), "--registry", regHost}, extra...)
		code, stdout, stderr := lkpkg(t, append(args, "org/img:v1")...)
		out := stdout + stderr
		if code != 1 || !strings.Contains(stdout, "UNSIGNED") {
			t.Fatalf("trust inspect: exit %d, want 1 with UNSIGNED:\n%s", code, out)
		}
		for _, secret := range []string{regPass, notaryPass, regAuth, notaryAuth, "notary-token"} {
			if strings.Contains(out, secret) {
				t.Errorf("output shows the secret %q:\n%s", secret, out)
			}
		}
		return out
	}

	// The registry's credentials stay away from a foreign token service.
	dockerConfig(map[string]string{regHost: regAuth})
	out := inspect()
	if tokLog.got("Basic "+regAuth) || notaryLog.got("Basic "+regAuth) {
		t.Error("the registry's credentials went to the notary's token service")
	}
	if !strings.Contains(out, "--trust-token-service "+tokHost) || !strings.Contains(out, "read anonymously") {
		t.Errorf("output does not say why the read was anonymous:\n%s", out)
	}

	// --trust-token-service opts in.
	inspect("--trust-token-service", tokHost)
	if !tokLog.got("Basic " + regAuth) {
		t.Error("--trust-token-service: the token service did not get the registry's credentials")
	}

	// Credentials docker keeps for the notary host go to its token service.
	tokLog.seen = nil
	dockerConfig(map[string]string{regHost: regAuth, notaryHost: notaryAuth})
	inspect()
	if !tokLog.got("Basic "+notaryAuth) || tokLog.got("Basic "+regAuth) {
		t.Errorf("token service got %q, want the notary host's credentials only", tokLog.seen)
	}
}
