package depends

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// fixture pushes a two-arch index to an in-process registry and returns
// its pinned reference (with a tag) and the per-arch images.
func fixture(t *testing.T) (string, v1.ImageIndex, map[string]v1.Image) {
	t.Helper()
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	imgs := map[string]v1.Image{}
	idx := v1.ImageIndex(empty.Index)
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := random.Image(256, 2)
		if err != nil {
			t.Fatal(err)
		}
		imgs[arch] = img
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	tag, err := name.NewTag(host + "/tools/dep:1.0")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(tag, idx); err != nil {
		t.Fatal(err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return tag.String() + "@" + d.String(), idx, imgs
}

func writePkg(t *testing.T, buildYML string, files map[string]string) (string, *spec.Spec) {
	t.Helper()
	dir := t.TempDir()
	files["build.yml"] = buildYML
	files["Dockerfile"] = "FROM scratch\n"
	for n, c := range files {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := spec.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, s
}

// savedDigest reads the archive as `docker load` would (manifest.json) and
// returns the image's digest.
func savedDigest(t *testing.T, file string, tag *name.Tag) v1.Hash {
	t.Helper()
	img, err := tarball.ImageFromPath(file, tag)
	if err != nil {
		t.Fatalf("%s is not a docker archive: %v", file, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return d
}

func TestPlaceTargetSavesTheArchOfTheIndex(t *testing.T) {
	ref, _, imgs := fixture(t)
	dir, s := writePkg(t, "image: p\ndepends:\n  docker-images:\n    target: deps/images.tar\n    list:\n      - "+ref+"\n", map[string]string{})
	for _, arch := range []string{"arm64", "amd64"} {
		os.RemoveAll(filepath.Join(dir, "deps"))
		if err := Place(context.Background(), s, dir, arch, Remote{}, nil); err != nil {
			t.Fatal(err)
		}
		tag, _ := name.NewTag(strings.Split(ref, "@")[0])
		want, _ := imgs[arch].Digest()
		if got := savedDigest(t, filepath.Join(dir, "deps/images.tar"), &tag); got != want {
			t.Errorf("%s: saved image %s, want the index's linux/%s image %s", arch, got, arch, want)
		}
	}
	// The same OCI layout is in the archive: index.json names the image.
	b := readEntry(t, filepath.Join(dir, "deps/images.tar"), "index.json")
	var idx v1.IndexManifest
	if err := json.Unmarshal(b, &idx); err != nil || len(idx.Manifests) != 1 || idx.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "1.0" {
		t.Errorf("index.json = %s (%v)", b, err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "deps", ".lkpkg-depends-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestPlaceIsByteForByteRepeatable(t *testing.T) {
	ref, _, _ := fixture(t)
	ref2, _, _ := fixture(t)
	dir, s := writePkg(t, "image: p\ndepends:\n  docker-images:\n    target: images.tar\n    list: ['"+ref+"', '"+ref2+"']\n", map[string]string{})
	var first []byte
	for i := 0; i < 3; i++ {
		os.Remove(filepath.Join(dir, "images.tar"))
		if err := Place(context.Background(), s, dir, "amd64", Remote{}, nil); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "images.tar"))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b
		} else if !bytes.Equal(b, first) {
			t.Fatalf("run %d wrote different bytes: the COPYed archive would change the package's image digest", i)
		}
	}
	var m []dockerManifest
	if err := json.Unmarshal(readEntry(t, filepath.Join(dir, "images.tar"), "manifest.json"), &m); err != nil || len(m) != 2 {
		t.Fatalf("manifest.json: %v %+v", err, m)
	}
	if !strings.HasSuffix(m[0].RepoTags[0], "/tools/dep:1.0") {
		t.Errorf("images not in build.yml's order: %+v", m)
	}
}

func TestPlaceTargetDirFromFile(t *testing.T) {
	ref, _, imgs := fixture(t)
	dir, s := writePkg(t, "image: p\ndepends:\n  docker-images:\n    target-dir: deps\n    from-file: images.lst\n",
		map[string]string{"images.lst": "# pinned\n\n" + ref + "\n", "deps/.keep": ""})
	// An empty directory kept for linuxkit is fine.
	os.Remove(filepath.Join(dir, "deps/.keep"))
	if err := Place(context.Background(), s, dir, "arm64", Remote{}, nil); err != nil {
		t.Fatal(err)
	}
	_, digest, _ := strings.Cut(ref, "@")
	file := filepath.Join(dir, "deps", "dep@"+digest+".tar")
	want, _ := imgs["arm64"].Digest()
	if got := savedDigest(t, file, nil); got != want {
		t.Errorf("saved %s, want %s", got, want)
	}
}

func TestPlaceRefusesAFileOfThePackage(t *testing.T) {
	ref, _, _ := fixture(t)
	for _, tc := range []struct {
		yml, file, want string
	}{
		{"target: images.tar", "images.tar", "depends.docker-images.target: the package already has a file there"},
		{"target-dir: deps", "deps/mine.txt", "depends.docker-images.target-dir: the package already has files in that directory (mine.txt)"},
	} {
		dir, s := writePkg(t, "image: p\ndepends:\n  docker-images:\n    "+tc.yml+"\n    list: ['"+ref+"']\n", map[string]string{tc.file: "the user's"})
		err := Place(context.Background(), s, dir, "amd64", Remote{}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "build.yml") || !strings.Contains(err.Error(), "remove it from the package") {
			t.Errorf("%s: err = %v, want build.yml, %q and the fix", tc.yml, err, tc.want)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, tc.file)); string(b) != "the user's" {
			t.Errorf("%s: the package's %s was changed to %q", tc.yml, tc.file, b)
		}
	}
}

func TestPlaceErrors(t *testing.T) {
	ref, idx, _ := fixture(t)
	// spec.Load refuses it too; Place does not rely on that (spec.Parse).
	yml := "image: p\ndepends:\n  docker-images:\n    target: i.tar\n    from-file: l\n"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "l"), []byte("alpine:3.20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("build.yml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	err = Place(context.Background(), s, dir, "amd64", Remote{}, nil)
	if err == nil || !strings.Contains(err.Error(), "build.yml: depends.docker-images.from-file l line 1: image \"alpine:3.20\" is not pinned by digest; pin it by digest: alpine:3.20@sha256:") {
		t.Errorf("unpinned from-file line: %v", err)
	}

	_, s = writePkg(t, "image: p\ndepends:\n  docker-images:\n    target: i.tar\n    list: ['"+ref+"']\n", map[string]string{})
	err = Place(context.Background(), s, t.TempDir(), "s390x", Remote{}, nil)
	if err == nil || !strings.Contains(err.Error(), "cannot fetch "+ref+" for linux/s390x: the index has no linux/s390x image") {
		t.Errorf("missing arch: %v", err)
	}

	// Bazel: an image that is not among the action's inputs.
	err = Place(context.Background(), s, t.TempDir(), "amd64", Layouts{}, nil)
	if err == nil || !strings.Contains(err.Error(), "not among the build's inputs") || !strings.Contains(err.Error(), "linuxkit.depends_image(name = \"<name>\", image = \""+ref+"\")") || !strings.Contains(err.Error(), "depends_images") {
		t.Errorf("no layout: %v", err)
	}
	// ...and one that is.
	l := t.TempDir()
	p, err := layout.Write(l, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(idx); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	// Keyed as MODULE.bazel writes it: without the tag.
	if err := Place(context.Background(), s, out, "arm64", Layouts{strings.Replace(ref, ":1.0@", "@", 1): l}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "i.tar")); err != nil {
		t.Error(err)
	}
}

func readEntry(t *testing.T, file, entry string) []byte {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s has no %s: %v", file, entry, err)
		}
		if h.Name == entry {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
}

// Bazel's sandboxes present a layout's files as symlinks: they are read,
// and each blob is still checked against its digest.
func TestLayoutsReadSymlinkedBlobs(t *testing.T) {
	ref, idx, imgs := fixture(t)
	real := t.TempDir()
	p, err := layout.Write(real, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(idx); err != nil {
		t.Fatal(err)
	}
	linked := t.TempDir()
	err = filepath.WalkDir(real, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(real, path)
		to := filepath.Join(linked, rel)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		return os.Symlink(path, to)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, s := writePkg(t, "image: p\ndepends:\n  docker-images:\n    target: i.tar\n    list: ['"+ref+"']\n", map[string]string{})
	out := t.TempDir()
	if err := Place(context.Background(), s, out, "arm64", Layouts{ref: linked}, nil); err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag(strings.Split(ref, "@")[0])
	want, _ := imgs["arm64"].Digest()
	if got := savedDigest(t, filepath.Join(out, "i.tar"), &tag); got != want {
		t.Errorf("saved %s, want %s", got, want)
	}

	// A layer whose content is not its digest's fails the save.
	layers, _ := imgs["amd64"].Layers()
	d, _ := layers[0].Digest()
	if err := os.WriteFile(filepath.Join(real, "blobs", "sha256", d.Hex), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = t.TempDir()
	err = Place(context.Background(), s, out, "amd64", Layouts{ref: linked}, nil)
	if err == nil || !strings.Contains(err.Error(), "does not match its digest") {
		t.Errorf("tampered layer: %v", err)
	}
	if left, _ := os.ReadDir(out); len(left) != 0 {
		t.Errorf("a failed save left %v", left)
	}
}
