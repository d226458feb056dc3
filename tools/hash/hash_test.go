package hash

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestBlobKnownIDs(t *testing.T) {
	for _, tc := range []struct{ content, want string }{
		{"", "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"},
		{"hello\n", "ce013625030ba8dba906f756967f9e9ca394464a"},
		{"what is up, doc?", "bd9dbf5aae1a3862dd1526723246b20206e5fc37"},
	} {
		got, err := Blob(strings.NewReader(tc.content), int64(len(tc.content)))
		if err != nil || got != tc.want {
			t.Errorf("Blob(%q) = %s, %v; want %s", tc.content, got, err, tc.want)
		}
	}
}

func TestBlobSizeMismatch(t *testing.T) {
	if _, err := Blob(strings.NewReader("abc"), 4); err == nil {
		t.Error("short content: no error")
	}
	if _, err := Blob(strings.NewReader("abcde"), 4); err == nil {
		t.Error("long content: no error")
	}
	if _, err := Blob(strings.NewReader(""), -1); err == nil {
		t.Error("negative size: no error")
	}
	// Content that crosses buffer boundaries in odd-sized reads.
	big := bytes.Repeat([]byte("0123456789abcdef"), bufSize/8+3)
	want, _ := Blob(bytes.NewReader(big), int64(len(big)))
	got, err := Blob(io.MultiReader(bytes.NewReader(big[:7]), &oneByteReader{big[7:1000]}, bytes.NewReader(big[1000:])), int64(len(big)))
	if err != nil || got != want {
		t.Errorf("chunked reads: %s, %v; want %s", got, err, want)
	}
}

type oneByteReader struct{ b []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.b[0]
	r.b = r.b[1:]
	return 1, nil
}

func TestBlobReadError(t *testing.T) {
	boom := errors.New("boom")
	_, err := Blob(io.MultiReader(strings.NewReader("ab"), errReader{boom}), 4)
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func file(path, content string) Entry {
	return Entry{Path: path, Mode: ModeRegular, Size: int64(len(content)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil }}
}

func TestTreeEmpty(t *testing.T) {
	got, err := Tree(nil)
	if err != nil || got != EmptyTree {
		t.Errorf("Tree(nil) = %s, %v", got, err)
	}
}

func TestTreeKnownIDs(t *testing.T) {
	// From git: printf 'hello\n' >hello.txt; git add .; git write-tree
	got, err := Tree([]Entry{file("hello.txt", "hello\n")})
	if want := "aaa96ced2d9a1c8e72c56b253a0e2fe78393feb7"; err != nil || got != want {
		t.Errorf("one file: %s, %v; want %s", got, err, want)
	}
}

func TestTreeInvalidPaths(t *testing.T) {
	for _, tc := range []struct {
		paths []string
		bad   string
	}{
		{[]string{""}, `""`},
		{[]string{"."}, `"."`},
		{[]string{".."}, `".."`},
		{[]string{"a/../b"}, `"a/../b"`},
		{[]string{"./a"}, `"./a"`},
		{[]string{"/abs"}, `"/abs"`},
		{[]string{"a//b"}, `"a//b"`},
		{[]string{"a/"}, `"a/"`},
		{[]string{".git/config"}, `".git/config"`},
		{[]string{"x/.GIT"}, `"x/.GIT"`},
		{[]string{"nul\x00"}, `"nul\x00"`},
		{[]string{"ok", "dup", "dup"}, `"dup"`},
		{[]string{"a", "a/b"}, `"a/b"`},
		{[]string{"a/b", "a"}, `"a"`},
	} {
		var es []Entry
		for _, p := range tc.paths {
			es = append(es, file(p, "x"))
		}
		_, err := Tree(es)
		if err == nil || !strings.Contains(err.Error(), tc.bad) {
			t.Errorf("Tree(%q) error = %v, want one naming %s", tc.paths, err, tc.bad)
		}
	}
}

func TestTreeBadEntries(t *testing.T) {
	for name, e := range map[string]Entry{
		"dir mode":      {Path: "d", Mode: ModeDir},
		"zero mode":     {Path: "z"},
		"no open":       {Path: "f", Mode: ModeRegular},
		"negative size": {Path: "n", Mode: ModeRegular, Size: -1, Open: file("n", "").Open},
	} {
		if _, err := Tree([]Entry{e}); err == nil || !strings.Contains(err.Error(), e.Path) {
			t.Errorf("%s: error = %v, want one naming %q", name, err, e.Path)
		}
	}
}

func TestTreeSizeChangeNamesFile(t *testing.T) {
	e := file("sub/grew.txt", "longer than said")
	e.Size = 3
	_, err := Tree([]Entry{file("a", "a"), e})
	if err == nil || !strings.Contains(err.Error(), "sub/grew.txt") || !strings.Contains(err.Error(), "size changed") {
		t.Errorf("error = %v", err)
	}
	e.Size = 100
	if _, err = Tree([]Entry{e}); err == nil || !strings.Contains(err.Error(), "sub/grew.txt") {
		t.Errorf("shrunk: error = %v", err)
	}
}

func TestTreeOpenError(t *testing.T) {
	boom := errors.New("boom")
	e := Entry{Path: "x/y", Mode: ModeExecutable, Size: 1, Open: func() (io.ReadCloser, error) { return nil, boom }}
	if _, err := Tree([]Entry{e}); !errors.Is(err, boom) || !strings.Contains(err.Error(), "x/y") {
		t.Errorf("error = %v", err)
	}
}

func TestTreeOrderIndependent(t *testing.T) {
	es := []Entry{file("a.b", "1"), file("a/x", "2"), file("a0", "3"), file("a-", "4"),
		{Path: "l", Mode: ModeSymlink, Target: "a/x"}, file("b/c/d", "5")}
	want, err := Tree(es)
	if err != nil {
		t.Fatal(err)
	}
	for i := range es {
		rot := append(append([]Entry{}, es[i:]...), es[:i]...)
		if got, err := Tree(rot); err != nil || got != want {
			t.Errorf("rotation %d: %s, %v; want %s", i, got, err, want)
		}
	}
}

func TestCombine(t *testing.T) {
	tree := EmptyTree
	if got := Combine(tree); got != tree {
		t.Errorf("Combine(tree) = %s", got)
	}
	// python3 -c "import hashlib; print(hashlib.sha1(b'4b82...4904e69d...5391ce01...464a').hexdigest())"
	got := Combine(tree, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", "ce013625030ba8dba906f756967f9e9ca394464a")
	if want := "2a523407cded89fd650bb85ed2b46e8fc844ccc9"; got != want {
		t.Errorf("Combine = %s, want %s", got, want)
	}
}

func TestModeString(t *testing.T) {
	for m, want := range map[Mode]string{ModeRegular: "100644", ModeExecutable: "100755", ModeSymlink: "120000", ModeDir: "40000"} {
		if m.String() != want {
			t.Errorf("%o: %s", uint32(m), m.String())
		}
	}
}
