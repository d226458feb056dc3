package pkg

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestManifestHashEqualsDirHash: a manifest listing every file of the
// package (and of an extra source) hashes as the directory does, and a
// file left out of the manifest is left out of the hash.
func TestManifestHashEqualsDirHash(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "pkg")
	writeFile(t, filepath.Join(dir, "build.yml"), "image: foo\nextra-sources:\n  - ../common:/common\n")
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM scratch\n")
	writeFile(t, filepath.Join(dir, "sub/a.txt"), "a\n")
	writeFile(t, filepath.Join(root, "common/c.txt"), "c\n")

	want, err := Load(dir, Options{Hermetic: true})
	if err != nil {
		t.Fatal(err)
	}
	m := Manifest{
		Srcs: []SourceFile{
			{"build.yml", filepath.Join(dir, "build.yml")},
			{"Dockerfile", filepath.Join(dir, "Dockerfile")},
			{"sub/a.txt", filepath.Join(dir, "sub/a.txt")},
		},
		ExtraSrcs: []ExtraSource{{Src: "../common", Srcs: []SourceFile{{"c.txt", filepath.Join(root, "common/c.txt")}}}},
	}
	mf := filepath.Join(root, "manifest.json")
	b, _ := json.Marshal(m)
	writeFile(t, mf, string(b))
	got, err := Load(dir, Options{SrcsManifest: mf})
	if err != nil {
		t.Fatal(err)
	}
	if got.Hash != want.Hash || got.Sources == nil {
		t.Errorf("manifest hash %s, dir hash %s", got.Hash, want.Hash)
	}

	// An undeclared file changes the directory's hash, not the manifest's.
	writeFile(t, filepath.Join(dir, "undeclared"), "x\n")
	again, err := Load(dir, Options{SrcsManifest: mf})
	if err != nil {
		t.Fatal(err)
	}
	if again.Hash != got.Hash {
		t.Errorf("undeclared file changed the manifest hash: %s -> %s", got.Hash, again.Hash)
	}

	// A missing extra source is an error naming it.
	m.ExtraSrcs = nil
	b, _ = json.Marshal(m)
	writeFile(t, mf, string(b))
	if _, err := Load(dir, Options{SrcsManifest: mf}); err == nil {
		t.Error("extra source missing from the manifest: no error")
	}
}

func TestFromRef(t *testing.T) {
	p, err := FromRef("/x", "127.0.0.1:5000/org/img:abc")
	if err != nil || p.Ref() != "127.0.0.1:5000/org/img:abc" || p.Spec.Image != "img" {
		t.Errorf("FromRef: %+v %v", p, err)
	}
	if _, err := FromRef("/x", "noslash"); err == nil {
		t.Error("bad ref: no error")
	}
}

// TestManifestAbsoluteExtraSource: an absolute extra source is hashed by
// the CLI (with a warning), but a Bazel action (--srcs-manifest) cannot
// declare it as an input: the error names build.yml, the field and the fix.
func TestManifestAbsoluteExtraSource(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "pkg")
	common := filepath.Join(root, "common")
	writeFile(t, filepath.Join(dir, "build.yml"), "image: foo\nextra-sources:\n  - "+filepath.ToSlash(common)+":/common\n")
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM scratch\n")
	writeFile(t, filepath.Join(common, "c.txt"), "c\n")

	p, err := Load(dir, Options{Hermetic: true})
	if err != nil {
		t.Fatalf("the CLI refuses an absolute extra source: %v", err)
	}
	if len(p.Spec.Warnings) == 0 {
		t.Error("absolute extra source accepted without a warning")
	}
	m := Manifest{
		Srcs:      []SourceFile{{"build.yml", filepath.Join(dir, "build.yml")}, {"Dockerfile", filepath.Join(dir, "Dockerfile")}},
		ExtraSrcs: []ExtraSource{{Src: filepath.ToSlash(common), Srcs: []SourceFile{{"c.txt", filepath.Join(common, "c.txt")}}}},
	}
	mf := filepath.Join(root, "manifest.json")
	b, _ := json.Marshal(m)
	writeFile(t, mf, string(b))
	_, err = Load(dir, Options{SrcsManifest: mf})
	if err == nil {
		t.Fatal("a Bazel action accepts an absolute extra source")
	}
	for _, want := range []string{filepath.Join(dir, "build.yml"), "extra-sources[0]", "absolute path", "relative to"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}
