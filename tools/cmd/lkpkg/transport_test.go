package main

import (
	"strings"
	"testing"
)

// lkpkg refuses to build with, or ask, a plaintext tcp:// daemon on another
// host, before anything is sent to it.
func TestPlaintextRemoteBuilderRefused(t *testing.T) {
	pkgDir := t.TempDir()
	writeTree(t, pkgDir, map[string]string{"build.yml": "image: remote\narches: [amd64]\n", "Dockerfile": "FROM scratch\n"})
	const addr = "tcp://10.1.2.3:1234"
	t.Setenv("BUILDKIT_HOST", "")
	for _, args := range [][]string{
		{"build", "--hash", "0123456789abcdef0123456789abcdef01234567", "--output-dir", t.TempDir(), "--builder-addr", addr, pkgDir},
		{"builder", "--builder-addr", addr, "status"},
		{"builder", "--builder-addr", addr, "prune"},
	} {
		code, _, errOut := lkpkg(t, args...)
		if code == 0 {
			t.Errorf("lkpkg %s accepted %s without TLS", strings.Join(args, " "), addr)
		}
		for _, want := range []string{addr, "not loopback", "--builder-insecure"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("lkpkg %s %s: stderr %q does not mention %q", args[0], args[len(args)-1], errOut, want)
			}
		}
	}
}

// --builder-insecure accepts the address, with a warning on stderr.
func TestPlaintextRemoteBuilderInsecureWarns(t *testing.T) {
	const addr = "tcp://10.1.2.3:1234"
	t.Setenv("BUILDKIT_HOST", "")
	_, _, errOut := lkpkg(t, "builder", "--builder-addr", addr, "--builder-insecure", "status")
	if !strings.Contains(errOut, "warning: BuildKit at "+addr+" is reached without TLS") {
		t.Errorf("stderr %q has no warning", errOut)
	}
	if strings.Contains(errOut, "--builder-tls-ca") {
		t.Errorf("refused despite --builder-insecure: %q", errOut)
	}
}
