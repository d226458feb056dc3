package testenv

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// NotarySetupHint names the script that installs notary-server.
const NotarySetupHint = "run scripts/notary-setup"

// NotaryBinDir is where scripts/notary-setup puts binaries it builds
// (notary-<version>/notary-server); Debian's notary package puts them on
// PATH instead.
var NotaryBinDir = "/var/cache/rules_linuxkit/bin"

// Notary is a running notary-server.
type Notary struct {
	// URL is https://127.0.0.1:PORT.
	URL string
	// CAs trusts the server's certificate; CAFile is the same as PEM.
	CAs    *x509.CertPool
	CAFile string
}

// NotaryServerBinary finds notary-server.
func NotaryServerBinary() (string, error) {
	m, _ := filepath.Glob(filepath.Join(NotaryBinDir, "notary-*", "notary-server"))
	if len(m) > 0 {
		sort.Strings(m)
		return m[len(m)-1], nil
	}
	if p, err := exec.LookPath("notary-server"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("no notary-server in %s/notary-*/ or on PATH", NotaryBinDir)
}

// StartNotary starts notary-server on a free 127.0.0.1 port with memory
// storage, its own (local) signing service and a fresh self-signed
// certificate, stopped when the test ends. It skips the test (fails under
// CI=true) when notary-server is not installed.
func StartNotary(tb testing.TB) *Notary {
	tb.Helper()
	if testing.Short() && os.Getenv("CI") != "true" {
		tb.Skip("integration test: skipped with -short")
	}
	bin, err := NotaryServerBinary()
	if err != nil {
		msg := err.Error() + "; " + NotarySetupHint
		if os.Getenv("CI") == "true" {
			tb.Fatalf("CI=true, so not skipping: %s", msg)
		}
		tb.Skip(msg)
	}
	dir := tb.TempDir()
	cert := NewCert(tb)
	certPEM, keyPEM := cert.CertPEM, cert.KeyPEM
	crt, key := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(crt, certPEM, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(key, keyPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		host := "127.0.0.1:" + strconv.Itoa(FreePort(tb))
		cfg := map[string]any{
			"server":        map[string]any{"http_addr": host, "tls_key_file": key, "tls_cert_file": crt},
			"trust_service": map[string]any{"type": "local", "hostname": "", "port": "", "key_algorithm": "ecdsa"},
			"logging":       map[string]any{"level": "warn"},
			"storage":       map[string]any{"backend": "memory"},
		}
		b, _ := json.Marshal(cfg)
		cfgFile := filepath.Join(dir, "server-"+strconv.Itoa(attempt)+".json")
		if err := os.WriteFile(cfgFile, b, 0o644); err != nil {
			tb.Fatal(err)
		}
		logf, err := os.Create(filepath.Join(dir, "notary-server.log"))
		if err != nil {
			tb.Fatal(err)
		}
		cmd := exec.Command(bin, "-config", cfgFile)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			logf.Close()
			tb.Fatalf("starting %s: %v", bin, err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); logf.Close(); close(exited) }()
		n := &Notary{URL: "https://" + host, CAs: pool, CAFile: crt}
		if err := waitNotary(n, exited); err != nil {
			_ = cmd.Process.Kill()
			<-exited
			b, _ := os.ReadFile(filepath.Join(dir, "notary-server.log"))
			lastErr = fmt.Errorf("%v: %s", err, b)
			continue
		}
		tb.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
		return n
	}
	tb.Fatalf("starting notary-server: %v", lastErr)
	return nil
}

func waitNotary(n *Notary, exited chan struct{}) error {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: n.CAs}}}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("notary-server exited")
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := c.Get(n.URL + "/_notary_server/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("notary-server on %s did not answer in 15s", n.URL)
}
