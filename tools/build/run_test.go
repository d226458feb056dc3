package build_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
)

// Plan decides everything a multi-package build refuses before BuildKit is
// asked anything: order, outputs, name clashes, foreign output directories.
func TestPlan(t *testing.T) {
	root := t.TempDir()
	df := "FROM scratch\n"
	app := writePkg(t, filepath.Join(root, "app"), map[string]string{"build.yml": "image: app\norg: ex\narches: [amd64]\nbuildArgs:\n  - BASE=@lkt:pkg:../base\n", "Dockerfile": df})
	base := writePkg(t, filepath.Join(root, "base"), map[string]string{"build.yml": "image: base\norg: ex\narches: [amd64]\n", "Dockerfile": df})
	none := writePkg(t, filepath.Join(root, "none"), map[string]string{"build.yml": "image: none\norg: ex\narches: []\n", "Dockerfile": df})
	out := filepath.Join(root, "out")
	var log bytes.Buffer
	b := build.Builder{Options: build.Options{OutputDir: out, PkgOptions: pkg.Options{Hermetic: true}}, OutputDirName: "--output-dir", Log: &log}

	pl, err := b.Plan([]string{app, none, base})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pl.Packages {
		got = append(got, p.Spec.Image+"="+pl.OutputDir(p))
	}
	want := "base=" + filepath.Join(out, "base") + " app=" + filepath.Join(out, "app")
	if strings.Join(got, " ") != want {
		t.Errorf("plan: %s, want %s", strings.Join(got, " "), want)
	}
	if !strings.Contains(log.String(), "ex/none:") || !strings.Contains(log.String(), "no arches, skipped") {
		t.Errorf("log %q: want the package without arches reported as skipped", log.String())
	}

	// One package: OutputDir is its output.
	if pl, err = b.Plan([]string{base}); err != nil || pl.OutputDir(pl.Packages[0]) != out {
		t.Errorf("one package: %v, output %q, want %s", err, pl.OutputDir(pl.Packages[0]), out)
	}

	// Two packages named alike cannot share OutputDir.
	twin := writePkg(t, filepath.Join(root, "twin"), map[string]string{"build.yml": "image: base\norg: other\narches: [amd64]\n", "Dockerfile": df})
	if _, err := b.Plan([]string{base, twin}); err == nil || !strings.Contains(err.Error(), "both named base") {
		t.Errorf("two packages named base: %v", err)
	}

	// A directory lkpkg did not write is refused, named by its flag.
	if err := os.MkdirAll(filepath.Join(out, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "app", "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Plan([]string{app, base}); err == nil || !strings.HasPrefix(err.Error(), "--output-dir "+filepath.Join(out, "app")) || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("foreign output directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "app", "notes.txt")); err != nil {
		t.Errorf("the foreign file is gone: %v", err)
	}
}
