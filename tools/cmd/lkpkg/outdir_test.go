package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
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
		{"merge-outputs", "--output-dir", out, pkgDir},
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

// lkpkg merge-outputs trusts no result.json: an arch of ../../x would be written
// outside --output-dir.
func TestIndexRejectsEscapingArch(t *testing.T) {
	root := t.TempDir()
	in := filepath.Join(root, "in")
	if _, err := testenv.BuildOutput(in, "lkt/esc", "abc", []string{"amd64"}, 1, 64, 1); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(in, "result.json")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte(`"arch": "amd64"`), []byte(`"arch": "../../escaped"`), 1)
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "a", "b", "out")
	code, _, errOut := lkpkg(t, "merge-outputs", "--output-dir", out, in)
	if code == 0 {
		t.Fatal("lkpkg merge-outputs accepted arch ../../escaped")
	}
	for _, want := range []string{file, "arches[0].arch", "../../escaped"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr %q does not mention %q", errOut, want)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "a", "escaped")); err == nil {
		t.Error("lkpkg merge-outputs wrote outside --output-dir")
	}
}
