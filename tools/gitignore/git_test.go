package gitignore

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/hash"
	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
)

// fixture is a tree to create: files, empty dirs, and ignore files.
type fixture struct {
	files   map[string]string // path -> content; .gitignore files go here too
	dirs    []string
	links   map[string]string
	exclude string // .git/info/exclude
}

func (f fixture) write(t testing.TB, root string) {
	t.Helper()
	for p, c := range f.files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range f.dirs {
		if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(d)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for p, target := range f.links {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, full); err != nil {
			t.Fatal(err)
		}
	}
}

// allPaths lists every path below root except .git, with whether it is a
// directory (symlinks are not).
func allPaths(t testing.TB, root string) (paths []string, isDir map[string]bool) {
	isDir = map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		if d.Name() == ".git" {
			return filepath.SkipDir
		}
		rel := filepath.ToSlash(p[len(root)+1:])
		paths = append(paths, rel)
		isDir[rel] = d.IsDir()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths, isDir
}

// compareWithGit checks Match for every path against git check-ignore, and
// the tree hash with ignores applied against git add -A + write-tree.
func compareWithGit(t *testing.T, f fixture) {
	t.Helper()
	root := t.TempDir()
	f.write(t, root)
	gittest.Run(t, root, nil, "init", "-q")
	if f.exclude != "" {
		if err := os.WriteFile(filepath.Join(root, ".git", "info", "exclude"), []byte(f.exclude), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	paths, isDir := allPaths(t, root)
	var in bytes.Buffer
	for _, p := range paths {
		in.WriteString(p)
		in.WriteByte(0)
	}
	out, _ := gittest.Run(t, root, in.Bytes(), "check-ignore", "--no-index", "--stdin", "-z")
	gitIgnored := map[string]bool{}
	for _, p := range strings.Split(string(out), "\x00") {
		if p != "" {
			gitIgnored[p] = true
		}
	}
	bad := 0
	for _, p := range paths {
		if got := m.Match(p, isDir[p]); got != gitIgnored[p] {
			bad++
			if bad <= 10 {
				v, _ := gittest.Run(t, root, nil, "check-ignore", "--no-index", "-v", "-n", "--", p)
				t.Errorf("Match(%q, dir=%v) = %v, git says %v (%s)", p, isDir[p], got, gitIgnored[p], strings.TrimSpace(string(v)))
			}
		}
	}
	if bad > 0 {
		t.Logf("ignore files:\n%s", dumpIgnores(f))
		return
	}
	if err := m.Err(); err != nil {
		t.Errorf("Err() = %v", err)
	}
	ours, err := hash.Dir(root, hash.WithIgnore(m))
	if err != nil {
		t.Fatal(err)
	}
	gittest.Run(t, root, nil, "add", "-A")
	want, _ := gittest.Run(t, root, nil, "write-tree")
	if ours != strings.TrimSpace(string(want)) {
		ls, _ := gittest.Run(t, root, nil, "ls-files")
		t.Errorf("Dir with ignores = %s, git = %s; git added:\n%s", ours, want, ls)
	}
}

func dumpIgnores(f fixture) string {
	var b strings.Builder
	var keys []string
	for p := range f.files {
		if strings.HasSuffix(p, ".gitignore") {
			keys = append(keys, p)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "== %s\n%q\n", k, f.files[k])
	}
	if f.exclude != "" {
		fmt.Fprintf(&b, "== info/exclude\n%q\n", f.exclude)
	}
	return b.String()
}

func TestMatchesGitFixed(t *testing.T) {
	gittest.Need(t)
	files := func(ignores map[string]string, paths ...string) map[string]string {
		m := map[string]string{}
		for _, p := range paths {
			m[p] = "x"
		}
		for p, c := range ignores {
			m[p] = c
		}
		return m
	}
	tree := []string{"a", "b", "a.o", "b.log", "foo/a", "foo/bar/a.o", "foo/bar/baz/b", "bar/foo/x", "x/y/z/foo",
		"doc/x.txt", "doc/sub/y.txt", "#c", "!n", "sp ", "x y", "[x]", "a*b", "q?", "back\\sl", "Foo/a", "ü/a"}
	cases := map[string]fixture{
		"basics":   {files: files(map[string]string{".gitignore": "*.o\nb.log\n# comment\n\n/b\n"}, tree...)},
		"negation": {files: files(map[string]string{".gitignore": "*.o\n!foo/bar/a.o\nfoo/\n!foo/a\n"}, tree...)},
		"dir only": {files: files(map[string]string{".gitignore": "foo/\nbar/\na/\n"}, tree...),
			links: map[string]string{"linkdir/": "foo"}},
		"anchored and slashes":   {files: files(map[string]string{".gitignore": "/foo\nbar/foo\ndoc/*.txt\nx/*/z\n"}, tree...)},
		"double star":            {files: files(map[string]string{".gitignore": "**/b\nfoo/**/a.o\ndoc/**\n!doc/sub/\n**/z/**\nfoo**/bar\n"}, tree...)},
		"escapes and spaces":     {files: files(map[string]string{".gitignore": "\\#c\n\\!n\nsp\\ \nx y  \n\\[x]\na\\*b\nq\\?\nback\\\\sl\n"}, tree...)},
		"trailing space trimmed": {files: files(map[string]string{".gitignore": "sp \nb.log   \n"}, tree...)},
		"classes":                {files: files(map[string]string{".gitignore": "[[:upper:]]*\n[ab]\n[!a]*.log\n[[:punct:]]*\n[^[:alnum:]]\n[]x]*\n[a-c].o\n"}, tree...)},
		"nested gitignore": {files: files(map[string]string{".gitignore": "*.o\n", "foo/.gitignore": "!*.o\n/a\nbaz/\n",
			"foo/bar/.gitignore": "*.o\n", "doc/.gitignore": "*\n!*.txt\n"}, tree...)},
		"parent excluded":      {files: files(map[string]string{".gitignore": "foo\n!foo/a\n!foo/bar/\n", "foo/.gitignore": "!*\n"}, tree...)},
		"info exclude":         {files: files(map[string]string{".gitignore": "!b.log\n"}, tree...), exclude: "*.log\n*.o\n"},
		"crlf and bom":         {files: files(map[string]string{".gitignore": "\xef\xbb\xbf*.o\r\nb.log\r\n\\#c\r\n"}, tree...)},
		"star forms":           {files: files(map[string]string{".gitignore": "*/a\n*/*/a.o\nf*o/\n*\n!*/\n!a\n"}, tree...)},
		"ignore the gitignore": {files: files(map[string]string{".gitignore": ".gitignore\n", "foo/.gitignore": "a\n"}, tree...)},
		"malformed":            {files: files(map[string]string{".gitignore": "[\na[\n\\\n[[:bogus:]]\n[a-\n!\n/\n!/\n"}, tree...)},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) { compareWithGit(t, f) })
	}
}

// git does not read a .gitignore that is a symlink.
func TestSymlinkedGitignore(t *testing.T) {
	gittest.Need(t)
	root := t.TempDir()
	fixture{files: map[string]string{"rules": "a\n", "a": "x", "sub/a": "x"},
		links: map[string]string{"sub/.gitignore": "../rules"}}.write(t, root)
	m, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	if m.Match("sub/a", false) {
		t.Error("symlinked .gitignore was read")
	}
	mf, _ := New(root, WithFollowSymlinks())
	if !mf.Match("sub/a", false) {
		t.Error("WithFollowSymlinks: symlinked .gitignore not read")
	}
	compareWithGit(t, fixture{files: map[string]string{"rules": "a\n", "a": "x", "sub/a": "x"},
		links: map[string]string{"sub/.gitignore": "../rules", ".gitignore": "rules"}})
}

var (
	rndNames = []string{"a", "b", "ab", "a.o", "b.log", "foo", "Foo", "bar", "x y", "[x]", "#c", "!n", "sp ",
		"a*b", "q?", "back\\sl", "d.d", "ü", "-", "1"}
	rndDirs  = []string{"a", "foo", "bar", "d1", "sub", "x y", "doc", "Foo"}
	rndFixed = []string{"*", "**", "*.o", "*.log", "!*.log", "!*.o", "**/foo", "foo/", "!foo/", "a/**/b", "**/a/**",
		"\\#c", "\\!n", "#comment", "", "[[:upper:]]*", "[[:alpha:]][[:digit:]]", "[!a]*", "[^ab]", "[a-c]*",
		"*/", "/*", "foo**", "**foo", "f*o", "sp\\ ", "sp ", "x\\ y", "x y", "d1/*/b", "*/*", "[]x]", "[", "a[",
		"\\", "[[:bogus:]]", "q\\?", "a\\*b", "**/", "/**/a", " a", "\ta", "!", "!*/", "!**/", "*/**", "foo/**/",
		"[[:space:]]*", "[[:punct:]]", "**/*.o", "sub", "/sub/", "d1/**", "!d1/a", "*.[ol]*", "?", "??", "\\[x]"}
)

// randFixture generates a deterministic tree with random .gitignore files
// whose patterns are mostly derived from the tree's own paths.
func randFixture(seed uint64) fixture {
	r := rand.New(rand.NewPCG(seed, 0x9172))
	f := fixture{files: map[string]string{}}
	var dirsList []string // "" is the root
	var paths []string
	var gen func(dir string, depth int)
	gen = func(dir string, depth int) {
		dirsList = append(dirsList, dir)
		for range 1 + r.IntN(5) {
			name := rndNames[r.IntN(len(rndNames))]
			p := join(dir, name)
			if _, ok := f.files[p]; !ok && !slices.Contains(dirsList, p) {
				f.files[p] = "x"
				paths = append(paths, p)
			}
		}
		if depth < 3 {
			for range r.IntN(4) {
				p := join(dir, rndDirs[r.IntN(len(rndDirs))])
				if _, ok := f.files[p]; ok || slices.Contains(dirsList, p) {
					continue
				}
				paths = append(paths, p)
				gen(p, depth+1)
			}
		}
	}
	gen("", 0)
	patterns := func(dir string) string {
		var b strings.Builder
		if r.IntN(10) == 0 {
			b.WriteString("\xef\xbb\xbf")
		}
		for range 1 + r.IntN(6) {
			var line string
			if r.IntN(3) == 0 {
				line = rndFixed[r.IntN(len(rndFixed))]
			} else {
				line = derive(r, dir, paths)
			}
			b.WriteString(line)
			if r.IntN(8) == 0 {
				b.WriteString("\r")
			}
			b.WriteString("\n")
		}
		return b.String()
	}
	for _, d := range dirsList {
		if r.IntN(2) == 0 {
			f.files[join(d, ".gitignore")] = patterns(d)
		}
	}
	if r.IntN(4) == 0 {
		f.exclude = patterns("")
	}
	return f
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// derive makes a pattern from a random path below dir.
func derive(r *rand.Rand, dir string, paths []string) string {
	var below []string
	for _, p := range paths {
		if dir == "" || strings.HasPrefix(p, dir+"/") {
			below = append(below, strings.TrimPrefix(p, dir+"/"))
		}
	}
	if len(below) == 0 {
		return "*"
	}
	comps := strings.Split(below[r.IntN(len(below))], "/")
	if r.IntN(2) == 0 {
		comps = comps[len(comps)-1:] // basename pattern
	}
	for i, c := range comps {
		switch r.IntN(8) {
		case 0:
			comps[i] = "*"
		case 1:
			if c != "" {
				comps[i] = "?" + escape(c[1:])
			}
		case 2:
			comps[i] = escape(c[:len(c)/2]) + "*"
		case 3:
			if i == 0 {
				comps[i] = "**/" + escape(c)
			} else {
				comps[i] = "**"
			}
		default:
			comps[i] = escape(c)
		}
	}
	p := strings.Join(comps, "/")
	if r.IntN(4) == 0 {
		p = "/" + p
	}
	switch r.IntN(6) {
	case 0:
		p += "/"
	case 1:
		p += "/**"
	}
	if r.IntN(4) == 0 {
		p = "!" + p
	}
	if r.IntN(10) == 0 {
		p += "  "
	}
	return p
}

// escape backslash-escapes glob characters, and a leading '#' or '!'.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte("*?[\\", c) >= 0 || (i == 0 && (c == '#' || c == '!')) || (c == ' ' && i == len(s)-1) {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

func TestMatchesGitRandom(t *testing.T) {
	gittest.Need(t)
	n := 150
	if testing.Short() {
		n = 20
	}
	for seed := range uint64(n) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { compareWithGit(t, randFixture(seed)) })
	}
}
