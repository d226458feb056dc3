package main

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// dependsRepo commits a two-arch package that depends on base (pinned by
// its index digest) and COPYs the saved archive into its image.
func dependsRepo(t *testing.T, pinned string) (root, dir string) {
	t.Helper()
	gittest.Need(t)
	root = t.TempDir()
	gittest.Git(t, root, "init", "-q")
	writeTree(t, root, map[string]string{
		"pkg/build.yml": "image: deps\norg: lkt\narches: [amd64, arm64]\ndisable-content-trust: true\n" +
			"depends:\n  docker-images:\n    target: images/all.tar\n    list:\n      - " + pinned + "\n",
		"pkg/Dockerfile": "FROM scratch\nCOPY images/all.tar /images.tar\n",
	})
	gittest.Commit(t, root, "package with depends")
	return root, filepath.Join(root, "pkg")
}

// savedConfig returns the config digest of the image saved in /images.tar
// of the built image in layout dir, read as `docker load` reads it.
func savedConfig(t *testing.T, dir string) string {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var images []v1.Descriptor
	for _, m := range im.Manifests {
		if m.Annotations["vnd.docker.reference.type"] == "" { // not an attestation
			images = append(images, m)
		}
	}
	if len(images) != 1 {
		t.Fatalf("%s: %d images: %v", dir, len(images), im)
	}
	img, err := idx.Image(images[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%s: %d layers, %v", dir, len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	outer := tar.NewReader(rc)
	for {
		h, err := outer.Next()
		if err != nil {
			t.Fatalf("%s: no images.tar in the image: %v", dir, err)
		}
		if h.Name != "images.tar" {
			continue
		}
		inner := tar.NewReader(outer)
		for {
			h, err := inner.Next()
			if err != nil {
				t.Fatalf("images.tar has no manifest.json: %v", err)
			}
			if h.Name == "manifest.json" {
				var m []struct{ Config string }
				if err := json.NewDecoder(inner).Decode(&m); err != nil || len(m) != 1 {
					t.Fatalf("manifest.json: %v %v", err, m)
				}
				return strings.Replace(strings.TrimPrefix(m[0].Config, "blobs/"), "/", ":", 1)
			}
		}
	}
}

// lkpkg build saves the pinned image into the context, for each arch that
// arch's image of the index, and the Dockerfile COPYs it; the package
// directory is left as it was, so its tag does not change.
func TestBuildSavesDependsIntoTheContext(t *testing.T) {
	reg := testenv.StartRegistry(t)
	d := testenv.BuildKit(t)
	base := testenv.Busybox(t, reg)
	ref, err := name.ParseReference(base)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Get(ref)
	if err != nil {
		t.Fatal(err)
	}
	pinned := base + "@" + desc.Digest.String()
	root, dir := dependsRepo(t, pinned)

	code, before, stderr := lkpkg(t, "show-tag", dir)
	if code != 0 {
		t.Fatalf("show-tag: exit %d: %s", code, stderr)
	}
	out := t.TempDir()
	code, _, stderr = lkpkg(t, "build", "--builder-addr", d.Address(), "--progress", "plain", "--output-dir", out, dir)
	if code != 0 {
		t.Fatalf("build: exit %d\n%s", code, stderr)
	}
	if _, after, _ := lkpkg(t, "show-tag", dir); after != before {
		t.Errorf("show-tag after the build = %s, before = %s", after, before)
	}
	if st := gittest.Git(t, root, "status", "--porcelain", "--ignored"); st != "" {
		t.Errorf("the build left files in the checkout:\n%s", st)
	}

	// Built again, as tar layouts: the same index digest (the saved
	// archives are byte for byte the same), each layout a .tar.
	out2 := t.TempDir()
	if code, _, stderr := lkpkg(t, "build", "--builder-addr", d.Address(), "--progress", "quiet", "--output-format", "tar", "--output-dir", out2, dir); code != 0 {
		t.Fatalf("build --output-format tar: exit %d\n%s", code, stderr)
	}
	r1, err := build.ReadResult(out)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := build.ReadResult(out2)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Digest != r2.Digest || r2.Layout != "index.tar" || len(r2.Arches) != 2 || r2.Arches[1].Layout != "arm64.tar" {
		t.Errorf("second build: %+v, first: %+v", r2, r1)
	}

	idx, err := desc.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range testenv.BaseArches {
		img, err := idx.Image(archDigest(t, idx, arch))
		if err != nil {
			t.Fatal(err)
		}
		want, err := img.ConfigName()
		if err != nil {
			t.Fatal(err)
		}
		if got := savedConfig(t, filepath.Join(out, arch)); got != want.String() {
			t.Errorf("%s image: /images.tar holds config %s, want the linux/%s image's %s", arch, got, arch, want)
		}
	}
}

func archDigest(t *testing.T, idx v1.ImageIndex, arch string) v1.Hash {
	t.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range im.Manifests {
		if m.Platform != nil && m.Platform.Architecture == arch {
			return m.Digest
		}
	}
	t.Fatalf("no %s in the index", arch)
	return v1.Hash{}
}

// A file of the package's own at the target is refused before anything is
// pulled or built, and left as it was.
func TestBuildRefusesAFileAtTheDependsTarget(t *testing.T) {
	_, dir := dependsRepo(t, "127.0.0.1:1/none/img@sha256:"+strings.Repeat("a", 64))
	mine := filepath.Join(dir, "images", "all.tar")
	writeTree(t, dir, map[string]string{"images/all.tar": "not lkpkg's"})
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := lkpkg(t, "build", "--builder-addr", "unix:///nonexistent/buildkitd.sock", "--output-dir", out, "--platforms", "linux/amd64", dir)
	want := "build.yml: depends.docker-images.target: the package already has a file there"
	if code == 0 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "remove it from the package") {
		t.Errorf("exit %d, stderr %q; want a refusal containing %q and the fix", code, stderr, want)
	}
	if b, err := os.ReadFile(mine); err != nil || string(b) != "not lkpkg's" {
		t.Errorf("the package's file is now %q (%v)", b, err)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("output directory after a refusal: %v", err)
	}
}
