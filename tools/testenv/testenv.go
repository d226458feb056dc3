// Package testenv starts the real servers integration tests need — a
// buildkitd and a registry (Debian's docker-registry, distribution 2.8) on
// 127.0.0.1 — and makes busybox base images for amd64 and arm64 without
// Docker Hub, from the busybox-static .debs scripts/buildkit-setup caches.
//
// When a prerequisite is missing, tests are skipped with a message naming
// scripts/buildkit-setup; with CI=true they fail instead, so CI cannot pass
// by skipping.
package testenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rules-linuxkit/rules_linuxkit/tools/buildkitd"
)

// DebCache is where scripts/buildkit-setup puts busybox-static_*_<arch>.deb.
var DebCache = "/var/cache/rules_linuxkit/debs"

// unavailable skips the test, or fails it under CI=true.
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...) + "; " + buildkitd.SetupHint
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true, so not skipping: %s", msg)
	}
	tb.Skip(msg)
}

// RequireBuildKit skips (or, under CI=true, fails) the test unless it runs
// as root with buildkitd and runc installed.
func RequireBuildKit(tb testing.TB) {
	tb.Helper()
	if testing.Short() && os.Getenv("CI") != "true" {
		tb.Skip("integration test: skipped with -short")
	}
	if os.Geteuid() != 0 {
		unavailable(tb, "needs root to run buildkitd with runc and overlayfs")
	}
	for _, b := range []string{"buildkitd", "runc"} {
		if _, err := buildkitd.FindBinary(b); err != nil {
			unavailable(tb, "%s is not installed", b)
		}
	}
}

// RequireQEMU skips (or fails under CI=true) unless arm64 binaries can run
// here through binfmt_misc.
func RequireQEMU(tb testing.TB) {
	tb.Helper()
	if _, err := os.Stat("/proc/sys/fs/binfmt_misc/qemu-aarch64"); err != nil {
		unavailable(tb, "no qemu-aarch64 binfmt handler (run scripts/buildkit-setup --binfmt)")
	}
}

// BuildKit starts a fresh buildkitd with its own state directory and stops
// it when the test ends. A fresh daemon has a clean cache.
func BuildKit(tb testing.TB) *buildkitd.Local {
	tb.Helper()
	RequireBuildKit(tb)
	// A short directory: unix socket paths are limited to 107 bytes.
	dir, err := os.MkdirTemp("", "bk")
	if err != nil {
		tb.Fatal(err)
	}
	l := &buildkitd.Local{Dir: dir}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := l.Ensure(ctx); err != nil {
		os.RemoveAll(dir)
		tb.Fatalf("starting buildkitd: %v", err)
	}
	tb.Cleanup(func() {
		if err := l.Stop(context.Background()); err != nil {
			tb.Errorf("stopping buildkitd: %v", err)
		}
		if tb.Failed() {
			if b, err := os.ReadFile(l.LogFile()); err == nil && len(b) > 0 {
				if len(b) > 4000 {
					b = b[len(b)-4000:]
				}
				tb.Logf("buildkitd log (tail):\n%s", b)
			}
		}
		removeAll(tb, dir)
	})
	return l
}

// removeAll deletes a daemon's directory, which may hold overlay mounts if
// the daemon was killed mid-build.
func removeAll(tb testing.TB, dir string) {
	if err := os.RemoveAll(dir); err != nil {
		_ = exec.Command("umount", "-R", "-l", dir).Run()
		if err := os.RemoveAll(dir); err != nil {
			tb.Logf("cleanup: %v", err)
		}
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Registry is a running registry.
type Registry struct {
	// Host is 127.0.0.1:PORT, the registry part of image references.
	Host string
}

// RegistryBinary finds Debian's docker-registry (or a distribution
// `registry` binary).
func RegistryBinary() (string, error) {
	for _, n := range []string{"docker-registry", "registry"} {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no docker-registry on PATH")
}

// StartRegistry starts a real registry on a free 127.0.0.1 port, with its
// storage in a temporary directory, stopped when the test ends.
func StartRegistry(tb testing.TB) *Registry {
	tb.Helper()
	bin, err := RegistryBinary()
	if err != nil {
		unavailable(tb, "%v", err)
	}
	dir := tb.TempDir()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := FreePort(tb)
		host := "127.0.0.1:" + strconv.Itoa(port)
		stop, err := StartRegistryProcess(bin, dir, host)
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

// RegistryConfig is a distribution 2.x configuration for a registry on
// addr storing under dir.
func RegistryConfig(dir, addr string) string {
	return fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(dir, "data"), addr)
}

// StartRegistryProcess runs the registry binary bin with a config for host
// (127.0.0.1:PORT) and storage under dir, waits until /v2/ answers, and
// returns a function that stops it.
func StartRegistryProcess(bin, dir, host string) (stop func(), err error) {
	return startRegistryProcess(bin, dir, host, RegistryConfig(dir, host), http.StatusOK)
}

// startRegistryProcess is StartRegistryProcess with the configuration
// config; the registry is up when /v2/ answers ready.
func startRegistryProcess(bin, dir, host, config string, ready int) (stop func(), err error) {
	_, port, _ := net.SplitHostPort(host)
	cfg := filepath.Join(dir, "config-"+port+".yml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", cfg)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(exited) }()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			b, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
			return nil, fmt.Errorf("registry exited: %s", b)
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := http.Get("http://" + host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == ready {
				return func() { _ = cmd.Process.Kill(); <-exited }, nil
			}
		}
	}
	_ = cmd.Process.Kill()
	return nil, fmt.Errorf("registry on %s did not answer in 15s", host)
}
