package build_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// marker is the file every lkpkg output directory holds (documented).
const marker = ".lkpkg-output"

// archOutput writes a synthetic one-arch `lkpkg build` output.
func archOutput(t *testing.T, arch string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "build-"+arch)
	if _, err := testenv.BuildOutput(out, "lkt/outdir", "abc", []string{arch}, 1, 64, 1); err != nil {
		t.Fatal(err)
	}
	return out
}

// tree lists every path under dir with its size, to compare snapshots.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel+" "+fi.Mode().String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// siblings lists the entries of dir's parent other than dir itself: a
// staging directory left behind would show here.
func siblings(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.Name() != filepath.Base(dir) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestMergeRefusesForeignOutputDir(t *testing.T) {
	in := archOutput(t, "amd64")
	out := t.TempDir()
	keep := filepath.Join(out, "important.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := tree(t, out)
	_, err := build.Merge(out, []string{in})
	if err == nil {
		t.Fatal("Merge into a directory holding important.txt succeeded")
	}
	for _, want := range []string{out, marker, "important.txt", "empty"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if after := tree(t, out); !slices.Equal(before, after) {
		t.Errorf("the directory changed:\nbefore %q\nafter  %q", before, after)
	}
}

func TestMergeReplacesEarlierOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if _, err := build.Merge(out, []string{archOutput(t, "amd64"), archOutput(t, "arm64")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, marker)); err != nil {
		t.Fatalf("an output directory has no %s marker: %v", marker, err)
	}
	res, err := build.Merge(out, []string{archOutput(t, "riscv64")})
	if err != nil {
		t.Fatalf("replacing an earlier output: %v", err)
	}
	if len(res.Arches) != 1 || res.Arches[0].Arch != "riscv64" {
		t.Errorf("arches = %+v, want riscv64 only", res.Arches)
	}
	for _, stale := range []string{"amd64", "arm64"} {
		if _, err := os.Stat(filepath.Join(out, stale)); err == nil {
			t.Errorf("%s/ of the earlier output is still there", stale)
		}
	}
	if s := siblings(t, out); len(s) != 0 {
		t.Errorf("left beside the output: %q", s)
	}
}

func TestMergeFailureKeepsEarlierOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if _, err := build.Merge(out, []string{archOutput(t, "amd64")}); err != nil {
		t.Fatal(err)
	}
	before := tree(t, out)
	missing := filepath.Join(t.TempDir(), "nothing-here")
	if _, err := build.Merge(out, []string{archOutput(t, "arm64"), missing}); err == nil {
		t.Fatal("Merge with a missing input succeeded")
	}
	if after := tree(t, out); !slices.Equal(before, after) {
		t.Errorf("a failed merge changed the earlier output:\nbefore %q\nafter  %q", before, after)
	}
	if s := siblings(t, out); len(s) != 0 {
		t.Errorf("left beside the output: %q", s)
	}
}

// Bazel creates an action's declared output directories, empty, before
// running it: lkpkg merge-outputs writes into a directory holding them.
func TestMergeIntoBazelPrecreatedDirs(t *testing.T) {
	out := t.TempDir()
	for _, d := range []string{"index", "amd64"} {
		if err := os.Mkdir(filepath.Join(out, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := build.Merge(out, []string{archOutput(t, "amd64")}); err != nil {
		t.Fatalf("Merge into empty pre-created directories: %v", err)
	}
	if _, err := build.ReadResult(out); err != nil {
		t.Error(err)
	}
}

// Outputs written before the marker existed are recognised by their shape
// (result.json, index/ and arch layouts only) and may be replaced.
func TestMergeReplacesUnmarkedBuildOutput(t *testing.T) {
	out := archOutput(t, "amd64")
	if _, err := build.Merge(out, []string{archOutput(t, "arm64")}); err != nil {
		t.Fatalf("replacing an unmarked lkpkg output: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "amd64")); err == nil {
		t.Error("amd64/ of the earlier output is still there")
	}
}
