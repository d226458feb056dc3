package hash

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
)

// gitTree returns git's tree id for dir: git init, git add -A, git write-tree.
func gitTree(t testing.TB, dir string) string {
	t.Helper()
	gittest.Git(t, dir, "init", "-q")
	gittest.Git(t, dir, "add", "-A")
	id := gittest.Git(t, dir, "write-tree")
	if err := os.RemoveAll(filepath.Join(dir, ".git")); err != nil {
		t.Fatal(err)
	}
	return id
}

// spec describes a tree to create on disk.
type spec struct {
	files    map[string]string      // path -> content
	modes    map[string]os.FileMode // path -> permissions (default 0644)
	links    map[string]string      // path -> symlink target
	emptyDir []string
}

func (s spec) write(t testing.TB, root string) {
	t.Helper()
	for p, c := range s.files {
		full := filepath.Join(root, filepath.FromSlash(p))
		must(t, os.MkdirAll(filepath.Dir(full), 0o755))
		must(t, os.WriteFile(full, []byte(c), 0o644))
		if m, ok := s.modes[p]; ok {
			must(t, os.Chmod(full, m))
		}
	}
	for p, target := range s.links {
		full := filepath.Join(root, filepath.FromSlash(p))
		must(t, os.MkdirAll(filepath.Dir(full), 0o755))
		must(t, os.Symlink(target, full))
	}
	for _, d := range s.emptyDir {
		must(t, os.MkdirAll(filepath.Join(root, filepath.FromSlash(d)), 0o755))
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// entries returns the spec as Tree entries (empty dirs have none).
func (s spec) entries() []Entry {
	var es []Entry
	for p, c := range s.files {
		m := ModeRegular
		if s.modes[p]&0o100 != 0 {
			m = ModeExecutable
		}
		e := file(p, c)
		e.Mode = m
		es = append(es, e)
	}
	for p, target := range s.links {
		es = append(es, Entry{Path: p, Mode: ModeSymlink, Target: target})
	}
	return es
}

// checkSpec writes s, and compares Dir and Tree with git.
func checkSpec(t *testing.T, s spec) {
	t.Helper()
	root := t.TempDir()
	s.write(t, root)
	ours, err := Dir(root)
	if err != nil {
		t.Fatal(err)
	}
	fromEntries, err := Tree(s.entries())
	if err != nil {
		t.Fatal(err)
	}
	want := gitTree(t, root)
	if ours != want {
		t.Errorf("Dir = %s, git = %s", ours, want)
		t.Logf("git ls-tree:\n%s", lsTree(t, root))
	}
	if fromEntries != want {
		t.Errorf("Tree = %s, git = %s", fromEntries, want)
	}
}

func lsTree(t testing.TB, root string) string {
	gittest.Git(t, root, "init", "-q")
	gittest.Git(t, root, "add", "-A")
	defer os.RemoveAll(filepath.Join(root, ".git"))
	return gittest.Git(t, root, "ls-files", "-s")
}

func TestDirMatchesGit(t *testing.T) {
	gittest.Need(t)
	big := strings.Repeat("large file content 0123456789\n", 200_000) // ~6 MB
	cases := map[string]spec{
		"empty":  {},
		"single": {files: map[string]string{"build.yml": "image: foo\n"}},
		"exec bits": {
			files: map[string]string{"rw": "1", "x": "2", "ux": "3", "gx": "4", "ox": "5", "ro": "6", "ux-only": "7"},
			// git keeps only the owner execute bit.
			modes: map[string]os.FileMode{"rw": 0o644, "x": 0o755, "ux": 0o744, "gx": 0o654, "ox": 0o645, "ro": 0o444, "ux-only": 0o700},
		},
		"symlinks": {
			files: map[string]string{"f": "f", "d/g": "g"},
			links: map[string]string{"to-file": "f", "to-dir": "d", "dangling": "nope/missing",
				"absolute": "/etc/passwd", "d/up": "../f", "self": "self", "d/to-dotdot": ".."},
		},
		"nested and empty dirs": {
			files:    map[string]string{"a/b/c/d/e/f.txt": "deep", "a/top": "t", "x/y": ""},
			emptyDir: []string{"empty", "a/b/empty", "only/empty/dirs/here", "x/z"},
		},
		"sort around slash": {
			files: map[string]string{"a.b": "1", "a/x": "2", "a0": "3", "a-": "4", "a/b.c": "5",
				"ab/x": "6", "a.b.c/d": "7", "b": "8", "b-/x": "9", "b0": "10", "b.": "11", "b/": "", "c/d": "12", "c.d": "13"},
		},
		"unusual names": {
			files: map[string]string{"with space": "1", "ünïcödé": "2", "日本/語": "3", "-leading-dash": "4",
				"--": "5", "tab\there": "6", "new\nline": "7", "quote\"s'": "8", "back\\slash": "9",
				".hidden": "10", "...": "11", "UPPER": "12", "upper": "13", "#hash": "14", "!bang": "15", "*star?[x]": "16"},
		},
		"large files": {
			files: map[string]string{"big": big, "at-buffer": strings.Repeat("x", bufSize),
				"buffer+1": strings.Repeat("y", bufSize+1), "buffer-1": strings.Repeat("z", bufSize-1)},
			modes: map[string]os.FileMode{"big": 0o755},
		},
	}
	// "b/" above is a path with a trailing slash; drop it (not a valid file).
	delete(cases["sort around slash"].files, "b/")
	many := spec{files: map[string]string{}}
	for i := range 2000 {
		many.files[fmt.Sprintf("d%02d/f%04d.txt", i%37, i)] = fmt.Sprint(i)
	}
	cases["many files"] = many
	for name, s := range cases {
		t.Run(name, func(t *testing.T) { checkSpec(t, s) })
	}
}

// Names that exercise git's ordering (a directory sorts as name+"/") and
// odd bytes; none starts with ".git", which git would treat specially.
var randNames = []string{"a", "a.b", "a-", "a0", "a_", "ab", "a b", "b", "B", "z", "-x", "ü", "日本",
	"x.txt", "x.txt~", "x", "x.", ".h", "1", "10", "9", "tab\tx", "~"}

// randSpec returns a deterministic random tree for seed.
func randSpec(seed uint64) spec {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	s := spec{files: map[string]string{}, modes: map[string]os.FileMode{}, links: map[string]string{}}
	taken := map[string]bool{} // paths used as files or dirs
	var gen func(dir string, depth int)
	gen = func(dir string, depth int) {
		n := r.IntN(7)
		for range n {
			name := randNames[r.IntN(len(randNames))]
			p := name
			if dir != "" {
				p = dir + "/" + name
			}
			if taken[p] {
				continue
			}
			taken[p] = true
			switch k := r.IntN(10); {
			case k < 5:
				size := r.IntN(100)
				if r.IntN(20) == 0 {
					size = r.IntN(3 * bufSize)
				}
				b := make([]byte, size)
				for i := range b {
					b[i] = byte(r.IntN(256))
				}
				s.files[p] = string(b)
				s.modes[p] = []os.FileMode{0o644, 0o755, 0o744, 0o654, 0o600, 0o700, 0o711}[r.IntN(7)]
			case k < 6:
				s.links[p] = []string{"a", "../x", "/abs/target", "dangling/..", "ü", p}[r.IntN(6)]
			case k < 7:
				s.emptyDir = append(s.emptyDir, p)
			default:
				if depth < 4 {
					gen(p, depth+1)
				} else {
					s.emptyDir = append(s.emptyDir, p)
				}
			}
		}
	}
	gen("", 0)
	return s
}

func TestDirRandomMatchesGit(t *testing.T) {
	gittest.Need(t)
	n := 40
	if testing.Short() {
		n = 8
	}
	for seed := range uint64(n) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { checkSpec(t, randSpec(seed)) })
	}
}

// TestDirCommittedSubtree checks the package use case: the id of a
// subdirectory in a commit (git rev-parse HEAD:pkg) equals Dir(pkg).
func TestDirCommittedSubtree(t *testing.T) {
	gittest.Need(t)
	root := t.TempDir()
	spec{files: map[string]string{"README": "top", "pkg/build.yml": "image: x\n", "pkg/Dockerfile": "FROM scratch\n",
		"pkg/bin/run.sh": "#!/bin/sh\n"}, modes: map[string]os.FileMode{"pkg/bin/run.sh": 0o755},
		links: map[string]string{"pkg/link": "Dockerfile"}}.write(t, root)
	ours, err := Dir(filepath.Join(root, "pkg"))
	must(t, err)
	gittest.Git(t, root, "init", "-q")
	gittest.Commit(t, root, "x")
	if want := gittest.Git(t, root, "rev-parse", "HEAD:pkg"); ours != want {
		t.Errorf("Dir(pkg) = %s, git rev-parse HEAD:pkg = %s", ours, want)
	}
}

// TestHashObject checks single blobs against git hash-object.
func TestHashObject(t *testing.T) {
	gittest.Need(t)
	dir := t.TempDir()
	for i, size := range []int{0, 1, 100, bufSize - 1, bufSize, bufSize + 1, 3*bufSize + 17} {
		b := bytes.Repeat([]byte{byte(i)}, size)
		p := filepath.Join(dir, fmt.Sprint(i))
		must(t, os.WriteFile(p, b, 0o644))
		want := gittest.Git(t, dir, "hash-object", "--no-filters", p)
		if got, err := Blob(bytes.NewReader(b), int64(size)); err != nil || got != want {
			t.Errorf("size %d: %s, %v; git %s", size, got, err, want)
		}
	}
}

func TestDirFollowSymlinks(t *testing.T) {
	gittest.Need(t)
	// A source package, and a Bazel-like sandbox where every file is a
	// symlink to it (some directories too).
	src := t.TempDir()
	s := spec{files: map[string]string{"build.yml": "x", "a/b": "b", "a/x.sh": "#!/bin/sh", "c/d/e": "e"},
		modes: map[string]os.FileMode{"a/x.sh": 0o755}}
	s.write(t, src)
	box := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(box, "a"), 0o755))
	for _, p := range []string{"build.yml", "a/b", "a/x.sh"} {
		must(t, os.Symlink(filepath.Join(src, p), filepath.Join(box, p)))
	}
	must(t, os.Symlink(filepath.Join(src, "c"), filepath.Join(box, "c")))
	want := gitTree(t, src)
	got, err := Dir(box, WithFollowSymlinks())
	if err != nil || got != want {
		t.Errorf("Dir(sandbox, follow) = %s, %v; git(src) = %s", got, err, want)
	}
	// Without following, the links themselves are hashed: a different id.
	if plain, _ := Dir(box); plain == want {
		t.Error("Dir(sandbox) without follow should hash the links")
	}
	// Root given as a symlink is resolved.
	link := filepath.Join(t.TempDir(), "pkg")
	must(t, os.Symlink(box, link))
	if got, err := Dir(link, WithFollowSymlinks()); err != nil || got != want {
		t.Errorf("Dir(symlinked root) = %s, %v", got, err)
	}
}

func TestDirFollowErrors(t *testing.T) {
	dir := t.TempDir()
	must(t, os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "dangling")))
	if _, err := Dir(dir, WithFollowSymlinks()); err == nil || !strings.Contains(err.Error(), "dangling") {
		t.Errorf("dangling: %v", err)
	}
	dir = t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "a"), 0o755))
	must(t, os.Symlink(dir, filepath.Join(dir, "a", "loop")))
	if _, err := Dir(dir, WithFollowSymlinks()); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: %v", err)
	}
}

// The package's own symlinks are relative; in a sandbox they are reached
// through Bazel's absolute links and must still hash as symlinks, as in git.
func TestDirFollowKeepsPackageSymlinks(t *testing.T) {
	gittest.Need(t)
	src := t.TempDir()
	spec{files: map[string]string{"build.yml": "x", "etc/rcS": "#!/bin/sh"}}.write(t, src)
	must(t, os.Symlink("rcS", filepath.Join(src, "etc", "default")))
	must(t, os.Symlink("../missing", filepath.Join(src, "etc", "dangling")))
	must(t, os.Symlink("etc", filepath.Join(src, "conf")))
	want := gitTree(t, src)

	box := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(box, "etc"), 0o755))
	for _, p := range []string{"build.yml", "etc/rcS", "etc/default", "etc/dangling", "conf"} {
		must(t, os.Symlink(filepath.Join(src, p), filepath.Join(box, p)))
	}
	// A second level of plumbing, as an execroot adds.
	must(t, os.Remove(filepath.Join(box, "etc/default")))
	hop := filepath.Join(t.TempDir(), "hop")
	must(t, os.Symlink(filepath.Join(src, "etc/default"), hop))
	must(t, os.Symlink(hop, filepath.Join(box, "etc/default")))
	if got, err := Dir(box, WithFollowSymlinks()); err != nil || got != want {
		t.Errorf("Dir(sandbox, follow) = %s, %v; git(src) = %s", got, err, want)
	}
}

type ignoreFunc func(string, bool) bool

func (f ignoreFunc) Match(rel string, isDir bool) bool { return f(rel, isDir) }

func TestDirWithIgnore(t *testing.T) {
	root := t.TempDir()
	spec{files: map[string]string{"keep": "k", "drop.o": "d", "sub/keep": "k", "sub/x.o": "x", "skipdir/a": "a"}}.write(t, root)
	var seen []string
	m := ignoreFunc(func(rel string, isDir bool) bool {
		seen = append(seen, rel)
		return strings.HasSuffix(rel, ".o") || (isDir && rel == "skipdir")
	})
	got, err := Dir(root, WithIgnore(m))
	must(t, err)
	want, _ := Tree([]Entry{file("keep", "k"), file("sub/keep", "k")})
	if got != want {
		t.Errorf("Dir = %s, want %s", got, want)
	}
	for _, s := range seen {
		if strings.HasPrefix(s, "skipdir/") {
			t.Errorf("entered ignored directory: %s", s)
		}
	}
}

func TestDirSkipsDotGitAndSpecialFiles(t *testing.T) {
	root := t.TempDir()
	spec{files: map[string]string{"a": "a", ".git/HEAD": "ref", "sub/.git": "gitdir: x", "sub/b": "b"}}.write(t, root)
	got, err := Dir(root)
	must(t, err)
	want, _ := Tree([]Entry{file("a", "a"), file("sub/b", "b")})
	if got != want {
		t.Errorf("Dir = %s, want %s", got, want)
	}
}

func TestDirRejectsDotGitCaseVariants(t *testing.T) {
	for file, bad := range map[string]string{".GIT/x": ".GIT", "sub/.Git": "sub/.Git"} {
		root := t.TempDir()
		spec{files: map[string]string{"a": "a", file: "x"}}.write(t, root)
		want := filepath.Join(root, filepath.FromSlash(bad))
		if _, err := Dir(root); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error = %v, want one naming %s", file, err, want)
		}
		// Ignored, it is no problem (git does not look at it either).
		ign := ignoreFunc(func(rel string, _ bool) bool { return rel == bad })
		if _, err := Dir(root, WithIgnore(ign)); err != nil {
			t.Errorf("%s ignored: %v", file, err)
		}
	}
}

func TestDirErrors(t *testing.T) {
	if _, err := Dir(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing root: %v", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	must(t, os.WriteFile(f, nil, 0o644))
	if _, err := Dir(f); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("file root: %v", err)
	}
	if os.Geteuid() != 0 { // root reads anything
		dir := t.TempDir()
		p := filepath.Join(dir, "secret")
		must(t, os.WriteFile(p, []byte("s"), 0o000))
		if _, err := Dir(dir); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("unreadable file: %v", err)
		}
	}
}

// Names that are not UTF-8 are plain bytes to git: a package holding them
// hashes to git rev-parse HEAD:<dir>, the directory's own name included.
func TestDirNonUTF8Names(t *testing.T) {
	gittest.Need(t)
	root := t.TempDir()
	s := spec{files: map[string]string{"pkg\xff/build.yml": "x", "pkg\xff/\xff": "ff", "pkg\xff/d\xfe/f\x80": "80",
		"pkg\xff/\xc3": "cut utf-8", "pkg\xff/\xc3\xa9": "utf-8"}}
	if err := os.Mkdir(filepath.Join(root, "\xff"), 0o755); err != nil {
		t.Skipf("file system refuses a name that is not UTF-8: %v", err)
	}
	s.write(t, root)
	gittest.Git(t, root, "init", "-q")
	gittest.Commit(t, root, "x")
	want := gittest.Git(t, root, "rev-parse", "HEAD:pkg\xff")
	if got, err := Dir(filepath.Join(root, "pkg\xff")); err != nil || got != want {
		t.Errorf("Dir = %s, %v; git rev-parse HEAD:pkg\\xff = %s", got, err, want)
	}
	if got, err := Dir(filepath.Join(root, "pkg\xff"), WithFollowSymlinks()); err != nil || got != want {
		t.Errorf("Dir(follow) = %s, %v; git = %s", got, err, want)
	}
}
