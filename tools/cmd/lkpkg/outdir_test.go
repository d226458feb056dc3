package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An --output-dir holding files lkpkg did not write is refused before
// anything is built (no daemon is needed to see it), and nothing in it is
// touched.
func TestOutputDirRefusedBeforeBuilding(t *testing.T) {
	pkgDir := t.TempDir()
	writeTree(t, pkgDir, map[string]string{"build.yml": "image: outdir\narches: [amd64]\n", "Dockerfile": "FROM scratch\n"})
	out := t.TempDir()
	writeTree(t, out, map[string]string{"important.txt": "mine", "src/main.go": "package main\n"})
	for _, args := range [][]string{
		{"build", "--hash", "0123456789abcdef0123456789abcdef01234567", "--builder-addr", "unix:///nonexistent/buildkitd.sock", "--output-dir", out, pkgDir},
		{"index", "--output-dir", out, pkgDir},
	} {
		code, _, errOut := lkpkg(t, args...)
		if code == 0 {
			t.Fatalf("lkpkg %s succeeded", args[0])
		}
		for _, want := range []string{"--output-dir " + out, ".lkpkg-output", "empty"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("lkpkg %s: stderr %q does not mention %q", args[0], errOut, want)
			}
		}
		if b, err := os.ReadFile(filepath.Join(out, "important.txt")); err != nil || string(b) != "mine" {
			t.Fatalf("important.txt after lkpkg %s: %q, %v", args[0], b, err)
		}
	}
}
