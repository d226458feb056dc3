package main

import (
	"archive/tar"
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// compatDependsRegistry is the registry behaviour/depends pins its image
// in: a fixed address, since build.yml names it.
const compatDependsRegistry = "127.0.0.1:5999"

// dependsImage is the image behaviour/depends lists: built the same way
// every time (one uncompressed layer of fixed bytes), so its digest can be
// pinned in build.yml.
func dependsImage(t *testing.T) v1.Image {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	content := []byte("an image a package depends on\n")
	if err := tw.WriteHeader(&tar.Header{Name: "depends.txt", Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		t.Fatal(err)
	}
	tw.Write(content)
	tw.Close()
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err := mutate.ConfigFile(img, &v1.ConfigFile{Architecture: "amd64", OS: "linux", RootFS: v1.RootFS{Type: "layers"}})
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.AppendLayers(img, static.NewLayer(buf.Bytes(), types.OCIUncompressedLayer))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestCompatTreeDepends builds behaviour/depends with its image served by
// a registry at the address build.yml pins.
func TestCompatTreeDepends(t *testing.T) {
	tree := newCompatTree(t, nil)
	p := tree.pkg(t, "behaviour/depends")
	img := dependsImage(t)
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	yml, err := os.ReadFile(p.dir + "/build.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(yml), digest.String()) {
		t.Fatalf("behaviour/depends/build.yml does not pin the test's image: put %s/compat/depends-image@%s in its list (and the .tar name in expect.yaml)", compatDependsRegistry, digest)
	}
	pending(t, "build behaviour/depends")
	bin, err := testenv.RegistryBinary()
	if err != nil {
		t.Skip(err)
	}
	stop, err := testenv.StartRegistryProcess(bin, t.TempDir(), compatDependsRegistry)
	if err != nil {
		t.Fatalf("a registry on %s (the address build.yml pins): %v", compatDependsRegistry, err)
	}
	defer stop()
	ref, err := name.ParseReference(compatDependsRegistry + "/compat/depends-image:pinned")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	b := newCompatBuilder(t)
	code, stdout, stderr := b.build(t, p.dir)
	checkCompatBuild(t, p, &compatRun{code: code, output: stdout + stderr})
}
