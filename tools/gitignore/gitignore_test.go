package gitignore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWildmatch(t *testing.T) {
	for _, tc := range []struct {
		pat, text string
		pathname  bool
		want      bool
	}{
		{"foo", "foo", true, true},
		{"foo", "bar", true, false},
		{"???", "foo", true, true},
		{"??", "foo", true, false},
		{"*", "foo", true, true},
		{"*f", "foo", true, false},
		{"*ob*a*r*", "foobar", true, true},
		{"*ab", "aaaaaaabababab", true, true},
		{"foo\\*", "foo*", true, true},
		{"foo\\*bar", "foobar", true, false},
		{"f\\\\oo", "f\\oo", true, true},
		{"foo\\", "foo\\", true, false}, // trailing backslash matches nothing
		{"a?c", "a/c", true, false},
		{"a?c", "a/c", false, true},
		{"a*c", "a/b/c", false, true},
		{"foo/*", "foo/bar", true, true},
		{"foo/*", "foo/bar/baz", true, false},
		{"foo/**", "foo/bar/baz", true, true},
		{"**/baz", "baz", true, true},
		{"**/baz", "foo/bar/baz", true, true},
		{"foo/**/baz", "foo/baz", true, true},
		{"foo/**/baz", "foo/a/b/baz", true, true},
		{"foo**/baz", "foox/baz", true, true},
		{"foo**/baz", "foo/x/baz", true, false},
		{"*/bar", "foo/bar", true, true},
		{"*/bar", "a/foo/bar", true, false},
		{"[[:digit:]]", "5", true, true},
		{"[[:digit:][:upper:]]x", "Gx", true, true},
		{"[[:bogus:]]", "b", true, false},
		{"[[:space:]]", "\t", true, true},
		{"[[:space:]]", "\v", true, false}, // git's isspace has no \v
		{"[[:graph:]]", "\x80", true, false},
		{"[a-c]", "b", true, true},
		{"[!a-c]", "b", true, false},
		{"[^a]", "b", true, true},
		{"[]]", "]", true, true},
		{"[\\]]", "]", true, true},
		{"[a-]", "-", true, true},
		{"[", "[", true, false},
		{"[[:x]", "x", true, true}, // no ":]": "[", ":" and "x" are members
		{"[[:x]", "[", true, true},
		{"[[:]x]", ":x", false, false},
		{"a[/]b", "a/b", true, false},
		{"a[/]b", "a/b", false, true},
		{"*a*a*a*a*a*a*a*b", strings.Repeat("a", 60), true, false},
	} {
		if got := wildmatch(tc.pat, tc.text, tc.pathname); got != tc.want {
			t.Errorf("wildmatch(%q, %q, pathname=%v) = %v, want %v", tc.pat, tc.text, tc.pathname, got, tc.want)
		}
	}
}

func TestParsePattern(t *testing.T) {
	for _, tc := range []struct {
		line string
		want pattern
		ok   bool
	}{
		{"", pattern{}, false},
		{"# c", pattern{}, false},
		{"\\#c", pattern{text: "\\#c", noDir: true}, true},
		{"!a/", pattern{text: "a", negative: true, mustBeDir: true, noDir: true, literal: 1}, true},
		{"\\!a", pattern{text: "\\!a", noDir: true}, true},
		{"/a/b*", pattern{text: "/a/b*", literal: 4}, true},
		{"a  ", pattern{text: "a", noDir: true, literal: 1}, true},
		{"a\\  ", pattern{text: "a\\ ", noDir: true, literal: 1}, true},
		{"a\t", pattern{text: "a\t", noDir: true, literal: 2}, true},
		{"a\r", pattern{text: "a", noDir: true, literal: 1}, true},
		{"   ", pattern{}, false},
		{"/", pattern{}, false},
		{"!", pattern{}, false},
	} {
		got, ok := parsePattern(tc.line, "")
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parsePattern(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

func TestMatch(t *testing.T) {
	root := t.TempDir()
	write := func(p, c string) {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".gitignore", "*.o\nbuild/\n/top\nlogs\n!logs/keep\ndoc/**/*.tmp\n")
	write("src/.gitignore", "!keep.o\n")
	write(".git/info/exclude", "secret\n")
	m, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rel   string
		isDir bool
		want  bool
	}{
		{"a.o", false, true},
		{"src/a.o", false, true},
		{"src/keep.o", false, false}, // deeper .gitignore wins
		{"keep.o", false, true},
		{"build", true, true},
		{"build", false, false}, // dir-only pattern
		{"x/build/y", false, true},
		{"top", false, true},
		{"src/top", false, false},  // anchored
		{"logs/keep", false, true}, // parent excluded: can't re-include
		{"doc/a/b/c.tmp", false, true},
		{"doc/c.tmp", false, true},
		{"secret", false, true},
		{"", true, false},
		{".", true, false},
	} {
		if got := m.Match(tc.rel, tc.isDir); got != tc.want {
			t.Errorf("Match(%q, %v) = %v, want %v", tc.rel, tc.isDir, got, tc.want)
		}
	}
	if m.Err() != nil {
		t.Error(m.Err())
	}
}

// TestWithListing: a directory the listing says has no .gitignore is not
// read (its .gitignore, there on disk, is not applied); one it says has one,
// or cannot tell about, is read.
func TestWithListing(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"listed", "unlisted", "unknown"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, d, ".gitignore"), []byte("*.tmp\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var asked []string
	m, err := New(root, WithListing(func(dir string) (has, known bool) {
		asked = append(asked, dir)
		switch dir {
		case "listed":
			return true, true
		case "unlisted":
			return false, true
		}
		return false, false
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rel  string
		want bool
	}{
		{"listed/a.tmp", true},
		{"unlisted/a.tmp", false}, // the listing is trusted
		{"unknown/a.tmp", true},
		{"unknown/b.tmp", true}, // asked once per directory
	} {
		if got := m.Match(tc.rel, false); got != tc.want {
			t.Errorf("Match(%q) = %v, want %v", tc.rel, got, tc.want)
		}
	}
	if want := []string{"listed", "unlisted", "unknown"}; strings.Join(asked, ",") != strings.Join(want, ",") {
		t.Errorf("listing asked about %q, want %q", asked, want)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing root: %v", err)
	}
	root := t.TempDir()
	// A .gitignore that is a directory is skipped, as git does.
	if err := os.Mkdir(filepath.Join(root, ".gitignore"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := New(root); err != nil {
		t.Errorf("dir .gitignore: %v", err)
	}
}

// FuzzPattern parses arbitrary lines and matches them against arbitrary
// paths: no panics, and a fully escaped path matches itself.
func FuzzPattern(f *testing.F) {
	f.Add("*.o", "a/b.o")
	f.Add("!/a/**/b/", "a/x/b")
	f.Add("[[:alpha:]-z]\\", "q")
	f.Add("\\#a\\ ", "#a ")
	f.Add("**/[!x]?*/**", "a/b/c/d")
	f.Fuzz(func(t *testing.T, line, path string) {
		for _, l := range parseLines([]byte(line), "") {
			for _, isDir := range []bool{false, true} {
				base := path[strings.LastIndexByte(path, '/')+1:]
				l.matches(path, base, isDir)
			}
		}
		if path == "" || strings.IndexByte(path, 0) >= 0 {
			return
		}
		var esc strings.Builder
		for i := 0; i < len(path); i++ {
			esc.WriteByte('\\')
			esc.WriteByte(path[i])
		}
		if !wildmatch(esc.String(), path, true) || !wildmatch(esc.String(), path, false) {
			t.Fatalf("escaped %q does not match itself", path)
		}
		if !wildmatch("**", path, true) {
			t.Fatalf("** does not match %q", path)
		}
	})
}
