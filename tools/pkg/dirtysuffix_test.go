package pkg

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
)

// suffixOf is "-dirty-" and the first 7 hex digits of sha256 over data.
func suffixOf(data ...string) string {
	h := sha256.New()
	for _, d := range data {
		h.Write([]byte(d))
	}
	return fmt.Sprintf("-dirty-%x", h.Sum(nil))[:len("-dirty-")+7]
}

// hermeticGit makes the git lkpkg runs ignore this machine's global and
// system config, so that core.quotePath is git's default unless a test's
// repository sets it.
func hermeticGit(t *testing.T) {
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
}

// With --hash-path, linuxkit's NewFromConfig checks the hash path for
// changes (git.isDirty(pkgHashPath)) but its dirty suffix, git.contentHash
// (pkglib/git.go), runs `git ls-files` in the package directory: it covers
// the package's own files only.
func TestDirtySuffixWithHashPath(t *testing.T) {
	gittest.Need(t)
	hermeticGit(t)
	root := t.TempDir()
	gittest.Git(t, root, "init", "-q")
	writeFile(t, filepath.Join(root, "parent/pkg/build.yml"), "image: hp\n")
	writeFile(t, filepath.Join(root, "parent/pkg/Dockerfile"), "FROM scratch\n")
	writeFile(t, filepath.Join(root, "parent/other/file"), "committed\n")
	gittest.Commit(t, root, "packages")
	tree := gittest.Git(t, root, "rev-parse", "HEAD:parent")
	dir := filepath.Join(root, "parent/pkg")

	writeFile(t, filepath.Join(root, "parent/other/file"), "edited outside the package\n")
	p, err := Load(dir, Options{HashPath: filepath.Join(root, "parent")})
	if err != nil {
		t.Fatal(err)
	}
	// ls-files order: "Dockerfile" sorts before "build.yml".
	want := tree + suffixOf("FROM scratch\n", "image: hp\n")
	if !p.Dirty || p.Hash != want {
		t.Errorf("--hash-path with an edit beside the package: hash %s dirty %v; want %s dirty", p.Hash, p.Dirty, want)
	}
}

// linuxkit's git.contentHash reads `git ls-files` output line by line and
// opens each name under the package directory. git quotes a name holding
// bytes above 0x7f (core.quotePath, default true), '"', '\' or a control
// character: that file then does not exist under its quoted name and is
// left out of the suffix. With core.quotePath false the name is printed
// as is and counts.
func TestDirtySuffixNonASCIINames(t *testing.T) {
	gittest.Need(t)
	hermeticGit(t)
	root := t.TempDir()
	gittest.Git(t, root, "init", "-q")
	dir := filepath.Join(root, "pkg")
	writeFile(t, filepath.Join(dir, "build.yml"), "image: na\n")
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM scratch\n")
	writeFile(t, filepath.Join(dir, "caf\u00e9"), "utf-8 name\n")
	writeFile(t, filepath.Join(dir, `q"uote`), "quote in name\n")
	gittest.Commit(t, root, "package")
	tree := gittest.Git(t, root, "rev-parse", "HEAD:pkg")
	writeFile(t, filepath.Join(dir, "\u00fcber"), "untracked utf-8 name\n")
	writeFile(t, filepath.Join(dir, "new"), "untracked\n")

	load := func() string {
		t.Helper()
		p, err := Load(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !p.Dirty {
			t.Fatal("the package with untracked files is not dirty")
		}
		return p.Hash
	}
	if got, want := load(), tree+suffixOf("FROM scratch\n", "image: na\n", "untracked\n"); got != want {
		t.Errorf("core.quotePath true (default): %s, want %s (names git quotes left out)", got, want)
	}
	gittest.Git(t, root, "config", "core.quotePath", "false")
	// Tracked in byte order (Dockerfile, build.yml, café; q"uote is still
	// quoted), then untracked (new, über).
	if got, want := load(), tree+suffixOf("FROM scratch\n", "image: na\n", "utf-8 name\n", "untracked\n", "untracked utf-8 name\n"); got != want {
		t.Errorf("core.quotePath false: %s, want %s", got, want)
	}
}
