package scannerimage_test

import (
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/rules-linuxkit/rules_linuxkit/tools/scannerimage"
)

func fakeBinary(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sbomscanner")
	if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// The layout is reproducible, runs the binary, and pushes by digest.
func TestLayoutIsReproducibleAndPushes(t *testing.T) {
	bins := map[string]string{"amd64": fakeBinary(t, "amd64 binary"), "arm64": fakeBinary(t, "arm64 binary")}
	dir := filepath.Join(t.TempDir(), "layout")
	var digests []string
	for i := 0; i < 2; i++ {
		idx, err := scannerimage.Make(bins)
		if err != nil {
			t.Fatal(err)
		}
		if err := scannerimage.WriteLayout(dir, idx); err != nil {
			t.Fatal(err)
		}
		got, err := scannerimage.ReadLayout(dir)
		if err != nil {
			t.Fatal(err)
		}
		d, err := got.Digest()
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d.String())
	}
	if digests[0] != digests[1] {
		t.Errorf("two layouts from the same binaries: %s and %s", digests[0], digests[1])
	}
	// Bazel actions read the layout as inputs, as any user, and remote
	// execution keys on the executable bit: one mode for every file.
	if err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil && info.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want 0644", path, info.Mode().Perm())
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	idx, _ := scannerimage.ReadLayout(dir)
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 2 || m.Manifests[0].Platform.Architecture != "amd64" || m.Manifests[1].Platform.Architecture != "arm64" {
		t.Fatalf("index manifests %+v, want linux/amd64 and linux/arm64", m.Manifests)
	}
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	// BuildKit runs Entrypoint+Cmd and refuses an image with neither.
	if len(cf.Config.Entrypoint) != 1 || cf.Config.Entrypoint[0] != scannerimage.Entrypoint {
		t.Errorf("entrypoint %q, want [%s]", cf.Config.Entrypoint, scannerimage.Entrypoint)
	}
	if !cf.Created.IsZero() && cf.Created.Unix() != 0 {
		t.Errorf("created %v, want the epoch", cf.Created)
	}

	// Push (to an in-process registry: this is a unit test).
	s := httptest.NewServer(registry.New())
	defer s.Close()
	host := strings.TrimPrefix(s.URL, "http://")
	ref, err := scannerimage.Push(dir, scannerimage.DefaultRef(host))
	if err != nil {
		t.Fatal(err)
	}
	if want := host + "/lkpkg/sbom-scanner:latest@" + digests[0]; ref != want {
		t.Errorf("pushed ref %s, want %s", ref, want)
	}
	if _, err := scannerimage.Push(filepath.Join(t.TempDir(), "none"), scannerimage.DefaultRef(host)); err == nil || !strings.Contains(err.Error(), "sbom-scanner-setup") {
		t.Errorf("pushing a missing layout: %v, want an error naming scripts/sbom-scanner-setup", err)
	}
}
