package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
)

// linuxkitContentHash is git.contentHash of linuxkit's pkglib, worked out
// with git here: sha256 over the files `git ls-files` and then `git
// ls-files --exclude-standard --others` print, run in the package
// directory, read by the names as printed. A name git quotes (non-ASCII,
// with core.quotePath's default) names no file and is left out, as are
// directories and symlinks.
func linuxkitContentHash(t *testing.T, dir string) string {
	t.Helper()
	tracked := gittest.Git(t, dir, "ls-files")
	untracked := gittest.Git(t, dir, "ls-files", "--exclude-standard", "--others")
	h := sha256.New()
	for _, name := range strings.Split(strings.TrimSpace(tracked+"\n"+untracked), "\n") {
		f := filepath.Join(dir, name)
		info, err := os.Lstat(f)
		if err != nil || info.IsDir() || info.Mode()&os.ModeSymlink != 0 {
			continue
		}
		r, err := os.Open(f)
		if err != nil {
			continue
		}
		if _, err := io.Copy(h, r); err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
	return fmt.Sprintf("%x", h.Sum(nil))[:7]
}

// TestCompatTreeDirty: the dirty tags of behaviour/dirty, with a
// non-ASCII file name and --hash-path. NewFromConfig: git.isDirty over the
// hash path decides, git.contentHash over the package directory gives the
// suffix.
func TestCompatTreeDirty(t *testing.T) {
	tree := newCompatTree(t, func(root string) {
		writeTree(t, root, map[string]string{"behaviour/dirty/parent/pkg/naïve.txt": "quoted by git ls-files\n"})
	})
	p := tree.pkg(t, "behaviour/dirty/parent/pkg")
	parent := filepath.Dir(p.dir)
	showTag := func(args ...string) string {
		t.Helper()
		code, stdout, stderr := lkpkg(t, append(append([]string{"show-tag"}, args...), p.dir)...)
		if code != 0 {
			t.Fatalf("show-tag %v: exit %d\n%s", args, code, stderr)
		}
		return strings.TrimSpace(stdout)
	}
	pkgTree := gitTree(t, p.dir, "HEAD")
	parentTree := gitTree(t, parent, "HEAD")
	if got := showTag("--hash-path", parent); got != "compat/dirty:"+parentTree {
		t.Errorf("clean, --hash-path: %s, want compat/dirty:%s", got, parentTree)
	}

	t.Run("edited file", func(t *testing.T) {
		pending(t, "show-tag dirty suffix")
		writeTree(t, p.dir, map[string]string{"plain.txt": "edited\n", "naïve.txt": "edited too\n"})
		defer gittest.Git(t, tree.root, "checkout", "--", ".")
		want := "compat/dirty:" + pkgTree + "-dirty-" + linuxkitContentHash(t, p.dir)
		if got := showTag(); got != want {
			t.Errorf("show-tag = %s, want %s", got, want)
		}
	})

	t.Run("hash path", func(t *testing.T) {
		pending(t, "show-tag dirty suffix")
		// Dirty in the hash path, outside the package: the suffix is
		// still over the package's files, which are unchanged.
		writeTree(t, parent, map[string]string{"note.txt": "edited\n"})
		defer gittest.Git(t, tree.root, "checkout", "--", ".")
		want := "compat/dirty:" + parentTree + "-dirty-" + linuxkitContentHash(t, p.dir)
		if got := showTag("--hash-path", parent); got != want {
			t.Errorf("show-tag --hash-path = %s, want %s", got, want)
		}
		if got := showTag(); got != "compat/dirty:"+pkgTree {
			t.Errorf("without --hash-path the package is clean: %s, want compat/dirty:%s", got, pkgTree)
		}
	})
}

// TestCompatTreeHashCommit: --hash-commit gives the tree at that commit
// (git.treeHash), and build and push refuse any commit but HEAD
// (Pkg.cleanForBuild), before asking BuildKit or a registry anything.
func TestCompatTreeHashCommit(t *testing.T) {
	tree := newCompatTree(t, nil)
	p := tree.pkg(t, "behaviour/hash_commit")
	before := gitTree(t, p.dir, "HEAD")
	writeTree(t, p.dir, map[string]string{"version.txt": "second\n"})
	gittest.Commit(t, tree.root, "second version")
	code, stdout, stderr := lkpkg(t, "show-tag", "--hash-commit", "HEAD~1", p.dir)
	if got := strings.TrimSpace(stdout); code != 0 || got != "compat/hash-commit:"+before {
		t.Errorf("show-tag --hash-commit HEAD~1: exit %d, %q, want compat/hash-commit:%s\n%s", code, got, before, stderr)
	}
	for _, cmd := range []string{"build", "push"} {
		t.Run(cmd, func(t *testing.T) {
			pending(t, cmd+" --hash-commit")
			// Nothing to reach: the refusal must come first.
			args := []string{cmd, "--hash-commit", "HEAD~1", "--registry", "127.0.0.1:1", p.dir}
			if cmd == "build" {
				args = append(args, "--builder-addr", "unix:///nonexistent/buildkitd.sock")
			}
			code, stdout, stderr := lkpkg(t, args...)
			if code != 1 || !strings.Contains(stderr, "--hash-commit") || !strings.Contains(stderr, "HEAD") {
				t.Errorf("%s --hash-commit HEAD~1: exit %d, want 1 and a refusal naming --hash-commit and HEAD:\n%s%s", cmd, code, stdout, stderr)
			}
		})
	}
}
