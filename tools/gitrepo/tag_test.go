package gitrepo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReleaseFromTag matches linuxkit's git.commitTag("HEAD") (pkglib/git.go),
// which Pkg.Build uses as the release when pushing without --release.
func TestReleaseFromTag(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	g := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if rel, err := ReleaseFromTag(dir); err != nil || rel != "" {
		t.Fatalf("outside a work tree: %q %v; want no release", rel, err)
	}
	g("init", "-q")
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	g("add", "f")
	g("commit", "-qm", "one")
	if rel, err := ReleaseFromTag(dir); err != nil || rel != "" {
		t.Fatalf("untagged HEAD: %q %v; want no release", rel, err)
	}
	g("tag", "v1.2.3")
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if rel, err := ReleaseFromTag(sub); err != nil || rel != "v1.2.3" {
		t.Fatalf("tagged HEAD: %q %v; want v1.2.3", rel, err)
	}
	g("tag", "-a", "-m", "annotated", "v1.2.4")
	if _, err := ReleaseFromTag(dir); err == nil || !strings.Contains(err.Error(), "v1.2.3, v1.2.4") || !strings.Contains(err.Error(), "--release") {
		t.Fatalf("two tags: %v; want an error naming both and --release", err)
	}
	g("commit", "-q", "--allow-empty", "-m", "two")
	if rel, err := ReleaseFromTag(dir); err != nil || rel != "" {
		t.Fatalf("HEAD moved past the tags: %q %v; want no release", rel, err)
	}
}
