package pkg

import (
	"crypto/sha1"
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

// gitPackages commits a package pkg/ whose build.yml names shared/ as an
// extra source, and returns the work tree.
func gitPackages(t *testing.T) string {
	t.Helper()
	gittest.Need(t)
	root := t.TempDir()
	gittest.Git(t, root, "init", "-q")
	writeFile(t, filepath.Join(root, "pkg/build.yml"), "image: foo\norg: wombat\nextra-sources:\n  - ../shared:/shared\n")
	writeFile(t, filepath.Join(root, "pkg/Dockerfile"), "FROM scratch\nCOPY shared /shared\n")
	writeFile(t, filepath.Join(root, "shared/lib.sh"), "echo lib\n")
	writeFile(t, filepath.Join(root, "shared/sub/data"), "data\n")
	writeFile(t, filepath.Join(root, ".gitignore"), "*.swp\n")
	gittest.Commit(t, root, "package and extra source")
	return root
}

// committedHash is linuxkit's hash of pkg with its extra source, from git:
// sha1 over the hex tree ids of HEAD:pkg and HEAD:shared.
func committedHash(t *testing.T, root string) string {
	t.Helper()
	trees := gittest.Git(t, root, "rev-parse", "HEAD:pkg") + gittest.Git(t, root, "rev-parse", "HEAD:shared")
	return fmt.Sprintf("%x", sha1.Sum([]byte(trees)))
}

// wantSuffix is sha256 over the contents of the files git lists in each
// dir (tracked, then untracked not ignored), first 7 hex digits.
func wantSuffix(t *testing.T, root string, dirs ...string) string {
	t.Helper()
	h := sha256.New()
	for _, d := range dirs {
		tracked := gittest.Git(t, root, "ls-files", "-z", "--", d)
		untracked := gittest.Git(t, root, "ls-files", "-z", "--others", "--exclude-standard", "--", d)
		for _, name := range strings.Split(tracked+"\x00"+untracked, "\x00") {
			if name == "" {
				continue
			}
			data, err := os.ReadFile(filepath.Join(root, name))
			if err != nil {
				t.Fatal(err)
			}
			h.Write(data)
		}
	}
	return fmt.Sprintf("-dirty-%x", h.Sum(nil))[:len("-dirty-")+7]
}

// An uncommitted change in an extra source makes the package dirty, with a
// suffix over its files: else it would be built, pushed and signed under
// the committed hash.
func TestExtraSourceDirty(t *testing.T) {
	root := gitPackages(t)
	dir := filepath.Join(root, "pkg")
	clean := committedHash(t, root)
	load := func() *Package {
		t.Helper()
		p, err := Load(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := load(); p.Dirty || p.Hash != clean {
		t.Fatalf("committed: hash %s dirty %v, want %s clean", p.Hash, p.Dirty, clean)
	}

	// An ignored file in the extra source changes nothing.
	writeFile(t, filepath.Join(root, "shared/.lib.sh.swp"), "junk")
	if p := load(); p.Dirty || p.Hash != clean {
		t.Fatalf("ignored file: hash %s dirty %v, want %s clean", p.Hash, p.Dirty, clean)
	}

	// A tracked file of the extra source edited.
	writeFile(t, filepath.Join(root, "shared/lib.sh"), "echo unreviewed\n")
	p := load()
	want := clean + wantSuffix(t, root, "pkg", "shared")
	if !p.Dirty || p.Hash != want {
		t.Fatalf("edited extra source: hash %s dirty %v, want %s dirty", p.Hash, p.Dirty, want)
	}
	if _, err := p.ReleaseRef("v1"); err == nil || !strings.Contains(err.Error(), "dirty") {
		t.Errorf("release of a package with a dirty extra source: %v", err)
	}
	// Another edit, another tag.
	writeFile(t, filepath.Join(root, "shared/lib.sh"), "echo unreviewed, again\n")
	if again := load(); !again.Dirty || again.Hash == want || !strings.HasPrefix(again.Hash, clean+"-dirty-") {
		t.Errorf("second edit: hash %s dirty %v, want a new dirty suffix on %s", again.Hash, again.Dirty, clean)
	}
	// The --hash override keeps the dirty flag: push refuses it either way.
	if p, err := Load(dir, Options{Hash: "h"}); err != nil || !p.Dirty {
		t.Errorf("--hash with a dirty extra source: dirty %v, %v", p != nil && p.Dirty, err)
	}

	// An untracked, not ignored, file in the extra source.
	gittest.Git(t, root, "checkout", "--", "shared")
	writeFile(t, filepath.Join(root, "shared/sub/new"), "new\n")
	p = load()
	if want := clean + wantSuffix(t, root, "pkg", "shared"); !p.Dirty || p.Hash != want {
		t.Errorf("untracked file in extra source: hash %s dirty %v, want %s dirty", p.Hash, p.Dirty, want)
	}
}

// With no extra sources the dirty suffix is linuxkit's: over the
// package's own files only.
func TestDirtySuffixWithoutExtraSources(t *testing.T) {
	root := gitPackages(t)
	writeFile(t, filepath.Join(root, "plain/build.yml"), "image: plain\n")
	writeFile(t, filepath.Join(root, "plain/Dockerfile"), "FROM scratch\n")
	gittest.Commit(t, root, "plain")
	writeFile(t, filepath.Join(root, "plain/new"), "new\n")
	writeFile(t, filepath.Join(root, "shared/lib.sh"), "echo not ours\n")
	p, err := Load(filepath.Join(root, "plain"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := gittest.Git(t, root, "rev-parse", "HEAD:plain") + wantSuffix(t, root, "plain")
	if !p.Dirty || p.Hash != want {
		t.Errorf("hash %s dirty %v, want %s dirty", p.Hash, p.Dirty, want)
	}
}

// A package whose names are not UTF-8 hashes the same from git and from
// the files (hermetic), and equals git rev-parse HEAD:<dir>.
func TestNonUTF8PackageHash(t *testing.T) {
	gittest.Need(t)
	root := t.TempDir()
	dir := filepath.Join(root, "pkg\xff")
	if err := os.Mkdir(dir, 0o755); errors.Is(err, syscall.EILSEQ) || errors.Is(err, syscall.EINVAL) {
		t.Skipf("file system refuses a name that is not UTF-8: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "build.yml"), "image: foo\n")
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM scratch\n")
	writeFile(t, filepath.Join(dir, "\xff"), "ff\n")
	writeFile(t, filepath.Join(dir, "d\xfe/f\x80"), "80\n")
	gittest.Git(t, root, "init", "-q")
	gittest.Commit(t, root, "package")
	want := gittest.Git(t, root, "rev-parse", "HEAD:pkg\xff")
	for _, o := range []Options{{}, {Hermetic: true}} {
		if p, err := Load(dir, o); err != nil || p.Hash != want || p.Dirty {
			t.Errorf("Load(hermetic=%v) = %v, %v; want hash %s clean", o.Hermetic, p, err, want)
		}
	}
	writeFile(t, filepath.Join(dir, "\xff"), "edited\n")
	if p, err := Load(dir, Options{}); err != nil || !p.Dirty || !strings.HasPrefix(p.Hash, want+"-dirty-") {
		t.Errorf("edited \\xff: %v, %v; want %s-dirty-...", p, err, want)
	}
}

// An extra source in another work tree (a sibling checkout) is hashed and
// checked in that tree, as linuxkit opens one per source; one outside any
// work tree is an error that says so.
func TestExtraSourceInAnotherWorkTree(t *testing.T) {
	gittest.Need(t)
	base := t.TempDir()
	pkgRepo, libRepo := filepath.Join(base, "app"), filepath.Join(base, "lib")
	for _, r := range []string{pkgRepo, libRepo} {
		if err := os.Mkdir(r, 0o755); err != nil {
			t.Fatal(err)
		}
		gittest.Git(t, r, "init", "-q")
	}
	writeFile(t, filepath.Join(pkgRepo, "pkg/build.yml"), "image: foo\nextra-sources:\n  - ../../lib/shared:/shared\n")
	writeFile(t, filepath.Join(pkgRepo, "pkg/Dockerfile"), "FROM scratch\n")
	writeFile(t, filepath.Join(libRepo, "shared/lib.sh"), "echo lib\n")
	gittest.Commit(t, pkgRepo, "package")
	gittest.Commit(t, libRepo, "library")
	dir := filepath.Join(pkgRepo, "pkg")

	trees := gittest.Git(t, pkgRepo, "rev-parse", "HEAD:pkg") + gittest.Git(t, libRepo, "rev-parse", "HEAD:shared")
	clean := fmt.Sprintf("%x", sha1.Sum([]byte(trees)))
	if p, err := Load(dir, Options{}); err != nil || p.Hash != clean || p.Dirty {
		t.Fatalf("committed: %v, %v; want hash %s clean", p, err, clean)
	}
	writeFile(t, filepath.Join(libRepo, "shared/lib.sh"), "echo unreviewed\n")
	if p, err := Load(dir, Options{}); err != nil || !p.Dirty || !strings.HasPrefix(p.Hash, clean+"-dirty-") {
		t.Fatalf("edited in the other work tree: %v, %v; want %s-dirty-...", p, err, clean)
	}

	// Outside any work tree.
	outside := filepath.Join(t.TempDir(), "shared")
	writeFile(t, filepath.Join(outside, "lib.sh"), "echo lib\n")
	rel, err := filepath.Rel(dir, outside)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "build.yml"), "image: foo\nextra-sources:\n  - "+rel+":/shared\n")
	_, err = Load(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "extra-sources "+rel) || !strings.Contains(err.Error(), "not in a git work tree") {
		t.Errorf("extra source outside git: %v; want an error naming extra-sources %s and saying it is not in a git work tree", err, rel)
	}
}
