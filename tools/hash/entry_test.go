package hash

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFileEntryMatchesDirFollow builds a package the way Bazel's sandbox
// presents it (every file an absolute symlink into the source tree, one of
// them the package's own relative symlink) and checks that Tree over
// FileEntry equals Dir in follow mode on the source and on the forest.
func TestFileEntryMatchesDirFollow(t *testing.T) {
	src := t.TempDir()
	write := func(rel, content string, mode os.FileMode) {
		p := filepath.Join(src, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("build.yml", "image: x\n", 0o644)
	write("Dockerfile", "FROM scratch\n", 0o644)
	write("bin/run.sh", "#!/bin/sh\n", 0o755)
	write("a/b/c.txt", "c\n", 0o600)
	if err := os.Symlink("bin/run.sh", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	rels := []string{"build.yml", "Dockerfile", "bin/run.sh", "a/b/c.txt", "link"}

	// The sandbox: absolute links to the source files, one through a
	// second absolute link (Bazel's execroot symlink).
	sandbox := t.TempDir()
	hop := t.TempDir()
	var direct, forest []Entry
	for i, rel := range rels {
		e, err := FileEntry(rel, filepath.Join(src, rel))
		if err != nil {
			t.Fatal(err)
		}
		direct = append(direct, e)
		target := filepath.Join(src, rel)
		if i%2 == 1 {
			h := filepath.Join(hop, filepath.Base(rel))
			if err := os.Symlink(target, h); err != nil {
				t.Fatal(err)
			}
			target = h
		}
		p := filepath.Join(sandbox, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		e, err = FileEntry(rel, p)
		if err != nil {
			t.Fatal(err)
		}
		forest = append(forest, e)
	}
	want, err := Dir(src, WithFollowSymlinks())
	if err != nil {
		t.Fatal(err)
	}
	for name, entries := range map[string][]Entry{"source": direct, "sandbox": forest} {
		got, err := Tree(entries)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: Tree(FileEntry...) = %s, Dir = %s", name, got, want)
		}
	}
	if e := forest[4]; e.Mode != ModeSymlink || e.Target != "bin/run.sh" {
		t.Errorf("own relative link: got mode %s target %q", e.Mode, e.Target)
	}
	if e := forest[2]; e.Mode != ModeExecutable {
		t.Errorf("executable through a link: mode %s", e.Mode)
	}
}

func TestFileEntryErrors(t *testing.T) {
	d := t.TempDir()
	if _, err := FileEntry("d", d); err == nil {
		t.Error("directory: no error")
	}
	if _, err := FileEntry("missing", filepath.Join(d, "missing")); err == nil {
		t.Error("missing file: no error")
	}
	dangling := filepath.Join(d, "dangling")
	if err := os.Symlink(filepath.Join(d, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	if _, err := FileEntry("dangling", dangling); err == nil {
		t.Error("dangling absolute link: no error")
	}
}
