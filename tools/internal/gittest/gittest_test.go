package gittest

import (
	"os"
	"path/filepath"
	"testing"
)

// The caller's GIT_* variables and global config must not reach git: a
// GIT_DIR pointing elsewhere and a global excludes file that ignores
// everything would both change what the tests compare against.
func TestHermetic(t *testing.T) {
	Need(t)
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte("[core]\n\texcludesFile = "+filepath.Join(home, "ignore")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "ignore"), []byte("*\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("GIT_DIR", filepath.Join(home, "no-such-repo"))

	dir := t.TempDir()
	Git(t, dir, "init", "-q")
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	Commit(t, dir, "one file")
	if got := Git(t, dir, "ls-files"); got != "f" {
		t.Errorf("committed files = %q, want f", got)
	}
	if _, code := Run(t, dir, nil, "diff", "--quiet", "HEAD"); code != 0 {
		t.Errorf("diff --quiet after commit: exit status %d, want 0", code)
	}
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("y"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, code := Run(t, dir, nil, "diff", "--quiet", "HEAD"); code != 1 {
		t.Errorf("diff --quiet after an edit: exit status %d, want 1", code)
	}
}
