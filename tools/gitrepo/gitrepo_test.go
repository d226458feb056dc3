package gitrepo

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
)

// newRepo commits files (path -> content) in a fresh repository and opens it.
func newRepo(t *testing.T, files map[string]string) *Repo {
	t.Helper()
	gittest.Need(t)
	root := t.TempDir()
	gittest.Git(t, root, "init", "-q")
	write(t, root, files)
	gittest.Commit(t, root, "packages")
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// contentHash is what the dirty suffix hashes, as linuxkit's
// git.contentHash (pkglib/git.go) computes it: `git ls-files`, then `git
// ls-files --exclude-standard --others`, run in each dir, read line by line
// as git prints the names (quoted when core.quotePath says so), each file
// opened under the dir; what cannot be opened is left out.
func contentHash(t *testing.T, top string, dirs ...string) string {
	t.Helper()
	h := sha256.New()
	for _, dir := range dirs {
		d := filepath.Join(top, dir)
		tracked := gittest.Git(t, d, "ls-files")
		untracked := gittest.Git(t, d, "ls-files", "--others", "--exclude-standard")
		for _, name := range strings.Split(strings.TrimSpace(tracked+"\n"+untracked), "\n") {
			info, err := os.Lstat(filepath.Join(d, name))
			if err != nil || !info.Mode().IsRegular() {
				continue
			}
			data, err := os.ReadFile(filepath.Join(d, name))
			if err != nil {
				t.Fatal(err)
			}
			h.Write(data)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// hermeticGit makes the git Repo runs read no global or system config, as
// gittest's does, so both see git's default core.quotePath.
func hermeticGit(t *testing.T) {
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
}

// A package directory whose name holds glob characters names that
// directory only: git must not read it as a pattern matching its siblings.
func TestGlobCharactersInDirNames(t *testing.T) {
	// glob is the package; edit is a committed file its name, read as a
	// pattern, would match; untracked is a new file it would match.
	for _, tc := range []struct{ glob, edit, untracked string }{
		{"a*", "ab/build.yml", "ac/new"},
		{"a?", "ab", "ac"},
		{"[ab]", "a", "b"},
		{"x/*", "x/y/build.yml", "x/z"},
	} {
		t.Run(tc.glob, func(t *testing.T) {
			r := newRepo(t, map[string]string{tc.glob + "/build.yml": "image: glob\n", tc.edit: "sibling\n"})
			glob := filepath.Join(r.Top, filepath.FromSlash(tc.glob))
			want := gittest.Git(t, r.Top, "rev-parse", "HEAD:"+tc.glob)
			if got, err := r.TreeHash(glob, "HEAD"); err != nil || got != want {
				t.Fatalf("TreeHash(%s) = %s, %v; git rev-parse HEAD:%s = %s", tc.glob, got, err, tc.glob, want)
			}
			content, err := r.ContentHash(glob)
			if err != nil {
				t.Fatal(err)
			}

			write(t, r.Top, map[string]string{tc.edit: "edited\n", tc.untracked: "new\n"})
			if dirty, err := r.IsDirty(filepath.Join(r.Top, tc.edit), "HEAD"); err != nil || !dirty {
				t.Fatalf("IsDirty(%s) after editing it = %v, %v; want dirty", tc.edit, dirty, err)
			}
			if dirty, err := r.IsDirty(glob, "HEAD"); err != nil || dirty {
				t.Errorf("IsDirty(%s) after editing %s and adding %s = %v, %v; want clean", tc.glob, tc.edit, tc.untracked, dirty, err)
			}
			if got, err := r.TreeHash(glob, "HEAD"); err != nil || got != want {
				t.Errorf("TreeHash(%s) after editing %s = %s, %v; want %s", tc.glob, tc.edit, got, err, want)
			}
			if got, err := r.ContentHash(glob); err != nil || got != content {
				t.Errorf("ContentHash(%s) changed with %s: %s -> %s, %v", tc.glob, tc.edit, content, got, err)
			}

			// Its own edit still counts.
			write(t, r.Top, map[string]string{tc.glob + "/build.yml": "image: edited\n"})
			if dirty, err := r.IsDirty(glob, "HEAD"); err != nil || !dirty {
				t.Errorf("IsDirty(%s) after editing it = %v, %v; want dirty", tc.glob, dirty, err)
			}
		})
	}
}

// Git's pathspec settings in the caller's environment must not change what
// the package is: a case-insensitive or glob match would take in siblings.
func TestPathspecEnvironmentIgnored(t *testing.T) {
	r := newRepo(t, map[string]string{"pkg/build.yml": "image: a\n", "PKG/build.yml": "image: b\n", "pkgs/x": "x\n"})
	write(t, r.Top, map[string]string{"PKG/build.yml": "image: edited\n"})
	for _, env := range []string{"GIT_ICASE_PATHSPECS", "GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, "1")
			dirty, err := r.IsDirty(filepath.Join(r.Top, "pkg"), "HEAD")
			if err != nil || dirty {
				t.Errorf("IsDirty(pkg) with %s=1 after editing PKG = %v, %v; want clean", env, dirty, err)
			}
		})
	}
}

// mkfile creates name (raw bytes) in dir, skipping the test if the file
// system refuses names that are not UTF-8.
func mkfile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	if errors.Is(err, syscall.EILSEQ) || errors.Is(err, syscall.EINVAL) {
		t.Skipf("file system refuses the name %q: %v", name, err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// File and directory names that are not UTF-8 are bytes to git; the
// package hash, dirty check and dirty suffix must see them too.
func TestNonUTF8Names(t *testing.T) {
	gittest.Need(t)
	hermeticGit(t)
	root := t.TempDir()
	gittest.Git(t, root, "init", "-q")
	pkgs := []string{"pkg", "q\xff"}
	for _, p := range pkgs {
		dir := filepath.Join(root, p)
		mkfile(t, dir, "build.yml", "image: x\n")
		mkfile(t, dir, "\xff", "ff\n")
		mkfile(t, filepath.Join(dir, "d\xfe"), "f\x80", "80\n")
	}
	gittest.Commit(t, root, "packages")
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		t.Run(fmt.Sprintf("%q", p), func(t *testing.T) {
			dir := filepath.Join(root, p)
			want := gittest.Git(t, root, "rev-parse", "HEAD:"+p)
			if got, err := r.TreeHash(dir, "HEAD"); err != nil || got != want {
				t.Fatalf("TreeHash = %s, %v; git rev-parse HEAD:%q = %s", got, err, p, want)
			}
			if dirty, err := r.IsDirty(dir, "HEAD"); err != nil || dirty {
				t.Fatalf("IsDirty of the committed package = %v, %v", dirty, err)
			}
			clean, err := r.ContentHash(dir)
			if err != nil || clean != contentHash(t, root, p) {
				t.Fatalf("ContentHash = %s, %v; want %s", clean, err, contentHash(t, root, p))
			}

			for _, edit := range []struct{ dir, name string }{{dir, "\xff"}, {filepath.Join(dir, "d\xfe"), "f\x80"}} {
				orig, err := os.ReadFile(filepath.Join(edit.dir, edit.name))
				if err != nil {
					t.Fatal(err)
				}
				mkfile(t, edit.dir, edit.name, "edited\n")
				if dirty, err := r.IsDirty(dir, "HEAD"); err != nil || !dirty {
					t.Errorf("IsDirty after editing %q = %v, %v; want dirty", edit.name, dirty, err)
				}
				// git quotes the name, so linuxkit's suffix leaves it out.
				if got, err := r.ContentHash(dir); err != nil || got != clean || got != contentHash(t, root, p) {
					t.Errorf("ContentHash after editing %q = %s, %v; want %s, as linuxkit", edit.name, got, err, contentHash(t, root, p))
				}
				mkfile(t, edit.dir, edit.name, string(orig))
			}

			mkfile(t, dir, "new\xfe", "untracked\n")
			defer os.Remove(filepath.Join(dir, "new\xfe"))
			if dirty, err := r.IsDirty(dir, "HEAD"); err != nil || !dirty {
				t.Errorf("IsDirty with an untracked %q = %v, %v; want dirty", "new\xfe", dirty, err)
			}
			if got, err := r.ContentHash(dir); err != nil || got != contentHash(t, root, p) {
				t.Errorf("ContentHash with an untracked file = %s, %v; want %s, as linuxkit", got, err, contentHash(t, root, p))
			}
		})
	}
}

// The dirty suffix of a package with extra sources covers their files too,
// after the package's own, in the order given.
func TestContentHashOverSeveralDirs(t *testing.T) {
	r := newRepo(t, map[string]string{"pkg/build.yml": "image: p\n", "shared/lib.sh": "lib\n", "more/x": "x\n"})
	pkg, shared, more := filepath.Join(r.Top, "pkg"), filepath.Join(r.Top, "shared"), filepath.Join(r.Top, "more")
	one, err := r.ContentHash(pkg)
	if err != nil || one != contentHash(t, r.Top, "pkg") {
		t.Fatalf("ContentHash(pkg) = %s, %v; want %s", one, err, contentHash(t, r.Top, "pkg"))
	}
	all, err := r.ContentHash(pkg, shared, more)
	if want := contentHash(t, r.Top, "pkg", "shared", "more"); err != nil || all != want {
		t.Fatalf("ContentHash(pkg, shared, more) = %s, %v; want %s", all, err, want)
	}
	write(t, r.Top, map[string]string{"more/untracked": "u\n"})
	if got, err := r.ContentHash(pkg, shared, more); err != nil || got == all {
		t.Errorf("an untracked file in the last dir did not change the hash: %s, %v", got, err)
	}
}
