package build

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

const seedDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// within reports whether p is dir or below it, lexically.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && filepath.IsLocal(rel)
}

// FuzzReadResult checks that whatever ReadResult accepts names only paths
// inside the output directory and GOARCHes, and that what it refuses is
// explained with the file's name: result.json is input another process (or
// user) wrote.
func FuzzReadResult(f *testing.F) {
	good := Result{Ref: "lkt/x:abc", Tag: "abc", Digest: seedDigest, Layout: "index",
		Arches: []ArchResult{{Arch: "amd64", Ref: "lkt/x:abc-amd64", Digest: seedDigest, Layout: "amd64"}}}
	b, _ := json.Marshal(good)
	f.Add(b)
	for _, s := range []string{
		"", "{}", "null", "[]",
		`{"ref":"a:b","tag":"b","digest":"` + seedDigest + `","layout":"../index","arches":[]}`,
		`{"ref":"a:b","tag":"b","digest":"` + seedDigest + `","layout":"index","arches":[{"arch":"../../x","digest":"` + seedDigest + `","layout":"x"}]}`,
		`{"ref":"a:b","tag":"b","digest":"` + seedDigest + `","layout":"index.tar","arches":[{"arch":"arm64","digest":"` + seedDigest + `","layout":"/etc"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, "result.json")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := ReadResult(dir)
		if err != nil {
			if r != nil {
				t.Fatal("result and error both returned")
			}
			if !strings.Contains(err.Error(), file) {
				t.Fatalf("error does not name %s: %v", file, err)
			}
			return
		}
		if r.Ref == "" || r.Tag == "" || len(r.Arches) == 0 {
			t.Fatalf("accepted without ref, tag or arches: %+v", r)
		}
		paths := []string{r.Layout}
		for _, a := range r.Arches {
			if !spec.ValidArch(a.Arch) {
				t.Fatalf("accepted arch %q", a.Arch)
			}
			paths = append(paths, a.Layout, a.Arch) // Merge makes a dir named after the arch
		}
		for _, p := range paths {
			if full := filepath.Join(dir, p); full == dir || !within(dir, full) {
				t.Fatalf("accepted path %q, which leaves %s", p, dir)
			}
		}
	})
}

// FuzzLayoutRoot checks the OCI layout reader on arbitrary index.json: no
// panic, and every blob path derived from its descriptors stays in the
// layout's blobs directory (layouts come from other packages' outputs and
// --context-from).
func FuzzLayoutRoot(f *testing.F) {
	seed, _ := v1.NewHash(seedDigest)
	one := newIndex()
	one.Manifests = []v1.Descriptor{{MediaType: types.OCIManifestSchema1, Digest: seed, Size: 10}}
	b, _ := json.Marshal(one)
	f.Add(b)
	two := one
	two.Manifests = append(two.Manifests, v1.Descriptor{MediaType: types.OCIImageIndex, Digest: seed, Size: 3})
	b, _ = json.Marshal(two)
	f.Add(b)
	for _, s := range []string{
		"", "{}", `{"manifests":null}`, `{"manifests":[{"digest":"sha256:../../x"}]}`,
		`{"manifests":[{"mediaType":"` + string(types.OCIImageIndex) + `","digest":"sha256:ab"},{"mediaType":"` + string(types.OCIImageIndex) + `","digest":"x"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "index.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		idx, err := ReadIndex(dir)
		if err != nil {
			return
		}
		root, rootErr := layoutRoot(dir)
		if rootErr == nil && len(idx.Manifests) == 0 {
			t.Fatal("a root from an empty index")
		}
		blobs := filepath.Join(dir, "blobs")
		for _, d := range idx.Manifests {
			p, err := blobPath(dir, d.Digest)
			if err != nil {
				continue
			}
			if !within(blobs, p) || p == blobs {
				t.Fatalf("digest %q gives blob path %s, outside %s", d.Digest, p, blobs)
			}
		}
		if rootErr == nil {
			_, _ = readBlob(dir, root.Digest)
		}
	})
}
