package testenv

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// StartAuthRegistry starts a real registry, as StartRegistry does, that
// demands HTTP basic auth as user with password (distribution's htpasswd
// authentication): nothing can be pulled or pushed without them.
func StartAuthRegistry(tb testing.TB, user, password string) *Registry {
	tb.Helper()
	bin, err := RegistryBinary()
	if err != nil {
		unavailable(tb, "%v", err)
	}
	dir := tb.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		tb.Fatal(err)
	}
	htpasswd := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(htpasswd, []byte(user+":"+string(hash)+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		host := "127.0.0.1:" + strconv.Itoa(FreePort(tb))
		cfg := RegistryConfig(dir, host) + "auth:\n  htpasswd:\n    realm: lkpkg-test\n    path: " + htpasswd + "\n"
		stop, err := startRegistryProcess(bin, dir, host, cfg, http.StatusUnauthorized)
		if err != nil {
			lastErr = err
			continue
		}
		tb.Cleanup(stop)
		return &Registry{Host: host}
	}
	tb.Fatalf("starting %s: %v", bin, lastErr)
	return nil
}
