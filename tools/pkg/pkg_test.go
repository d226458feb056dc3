package pkg

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"linuxkit/init:abc":                 "docker.io/linuxkit/init:abc",
		"alpine:3.20":                       "docker.io/library/alpine:3.20",
		"127.0.0.1:5000/wombat/foo:abc":     "127.0.0.1:5000/wombat/foo:abc",
		"localhost/wombat/foo:abc":          "localhost/wombat/foo:abc",
		"ghcr.io/org/foo:abc":               "ghcr.io/org/foo:abc",
		"docker.io/linuxkit/init:abc":       "docker.io/linuxkit/init:abc",
		"wombat/sub/foo:abc":                "docker.io/wombat/sub/foo:abc",
		"registry.example:443/a/b:v1-dirty": "registry.example:443/a/b:v1-dirty",
	} {
		if got := Canonical(in); got != want {
			t.Errorf("Canonical(%q) = %q, want %q", in, got, want)
		}
	}
}

func writePkg(t *testing.T, buildYML string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string]string{"build.yml": buildYML, "Dockerfile": "FROM scratch\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRefs(t *testing.T) {
	dir := writePkg(t, "image: foo\norg: wombat\n")
	p, err := Load(dir, Options{Hermetic: true, Hash: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Ref() != "wombat/foo:abc" || p.ArchRef("arm64") != "wombat/foo:abc-arm64" || p.Image() != "wombat/foo" {
		t.Errorf("refs: %s %s %s", p.Ref(), p.ArchRef("arm64"), p.Image())
	}
	if r, err := p.ReleaseRef("v1.0"); err != nil || r != "wombat/foo:v1.0" {
		t.Errorf("ReleaseRef = %q, %v", r, err)
	}
	for _, bad := range []string{"", "-v1", "v1/2"} {
		if _, err := p.ReleaseRef(bad); err == nil {
			t.Errorf("ReleaseRef(%q) succeeded", bad)
		}
	}
	p.Dirty = true
	if _, err := p.ReleaseRef("v1.0"); err == nil || !strings.Contains(err.Error(), "dirty") {
		t.Errorf("dirty release: %v", err)
	}
}

func TestOverrides(t *testing.T) {
	dir := writePkg(t, "image: foo\nnetwork: true\n")
	off := false
	p, err := Load(dir, Options{Hermetic: true, Org: "acme", Tag: "x-{{.Hash}}", Hash: "h", Network: &off})
	if err != nil {
		t.Fatal(err)
	}
	if p.Ref() != "acme/foo:x-h" || p.Spec.Network {
		t.Errorf("overrides not applied: %s network=%v", p.Ref(), p.Spec.Network)
	}
	if _, err := Load(dir, Options{Hermetic: true, Tag: "{{.Hash}}:bad"}); err == nil || !strings.Contains(err.Error(), "not a valid image tag") {
		t.Errorf("bad tag template: %v", err)
	}
	if _, err := Load(dir, Options{Hermetic: true, HashPath: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "--hash-path") {
		t.Errorf("hash path outside: %v", err)
	}
	t.Setenv("USER", "")
	if _, err := Load(dir, Options{Hermetic: true, Dev: true}); err == nil || !strings.Contains(err.Error(), "USER") {
		t.Errorf("--dev without USER: %v", err)
	}
}

// --hash-path hashes a parent of the package: the tag covers the whole
// parent tree, as linuxkit's --hash-path does.
func TestHashPath(t *testing.T) {
	dir := writePkg(t, "image: foo\n")
	parent := filepath.Dir(dir)
	own, err := Load(dir, Options{Hermetic: true})
	if err != nil {
		t.Fatal(err)
	}
	wide, err := Load(dir, Options{Hermetic: true, HashPath: parent})
	if err != nil {
		t.Fatal(err)
	}
	if own.Hash == wide.Hash || len(wide.Hash) != 40 {
		t.Errorf("hash-path did not change the hash: %s vs %s", own.Hash, wide.Hash)
	}
}
