// Package scannerimage makes the SBOM scanner image BuildKit runs for
// `attest:sbom` (the program in tools/sbomscanner, a Go module of its own
// so that syft stays out of this module): FROM scratch plus one static
// binary per architecture, written as an OCI layout under the machine's
// cache and pushed to registries from there. scripts/sbom-scanner-setup
// builds the binaries and calls this through cmd/lkscanner.
//
// The image is reproducible: fixed timestamps, no history, one layer per
// architecture whose tar depends only on the binary.
package scannerimage

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	// Repository is the scanner's repository in a registry: the default
	// scanner is <registry>/lkpkg/sbom-scanner:latest.
	Repository = "lkpkg/sbom-scanner"
	// Tag is the tag the layout's index carries and pushes use.
	Tag = "latest"
	// Entrypoint is where the binary is in the image.
	Entrypoint = "/sbomscanner"
	// refName is the OCI annotation naming the index in the layout.
	refName = "org.opencontainers.image.ref.name"
)

// DefaultLayout is the OCI layout scripts/sbom-scanner-setup writes:
// $RULES_LINUXKIT_CACHE/sbom-scanner/layout (default cache
// /var/cache/rules_linuxkit).
func DefaultLayout() string {
	cache := os.Getenv("RULES_LINUXKIT_CACHE")
	if cache == "" {
		cache = "/var/cache/rules_linuxkit"
	}
	return filepath.Join(cache, "sbom-scanner", "layout")
}

// DefaultRef is the scanner's reference in the registry on host
// (127.0.0.1:5000 for the demo registry).
func DefaultRef(host string) string { return host + "/" + Repository + ":" + Tag }

// Make returns the scanner index: one linux image per entry of bins
// (architecture -> path of the static binary), in architecture order.
func Make(bins map[string]string) (v1.ImageIndex, error) {
	if len(bins) == 0 {
		return nil, fmt.Errorf("no scanner binaries")
	}
	arches := make([]string, 0, len(bins))
	for a := range bins {
		arches = append(arches, a)
	}
	sort.Strings(arches)
	var idx v1.ImageIndex = mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range arches {
		img, err := image(arch, bins[arch])
		if err != nil {
			return nil, err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	return idx, nil
}

func image(arch, bin string) (v1.Image, error) {
	b, err := os.ReadFile(bin)
	if err != nil {
		return nil, fmt.Errorf("scanner binary for %s: %w", arch, err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0).UTC()
	// /tmp: BuildKit mounts a tmpfs there; syft writes its temporary files
	// under it.
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "tmp/", Mode: 0o1777, ModTime: epoch, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: Entrypoint[1:], Mode: 0o755, Size: int64(len(b)), ModTime: epoch, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(b); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	tb := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(tb)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(mutate.ConfigMediaType(empty.Image, types.OCIConfigJSON), types.OCIManifestSchema1), layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Created = v1.Time{Time: epoch}
	cf.History = nil
	cf.Config.Entrypoint = []string{Entrypoint}
	// syft keeps caches under $HOME; scratch has no home directory.
	cf.Config.Env = []string{"HOME=/tmp", "TMPDIR=/tmp"}
	cf.Config.Labels = map[string]string{
		"org.opencontainers.image.title":  "rules_linuxkit SBOM scanner",
		"org.opencontainers.image.source": "https://github.com/rules-linuxkit/rules_linuxkit/tree/main/tools/sbomscanner",
	}
	return mutate.ConfigFile(img, cf)
}

// WriteLayout replaces dir with an OCI layout holding idx, tagged Tag. The
// new layout is written beside dir and renamed over it, so a reader never
// sees half of one.
func WriteLayout(dir string, idx v1.ImageIndex) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".layout-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	p, err := layout.Write(tmp, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{refName: Tag})); err != nil {
		return fmt.Errorf("writing the scanner layout: %w", err)
	}
	// Blobs come out 0600 or 0755 depending on how they were written. Bazel's
	// actions read them as inputs (as users other than root too), and remote
	// execution keys on the executable bit: every file is 0644.
	if err := filepath.WalkDir(tmp, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chmod(path, 0o644)
	}); err != nil {
		return err
	}
	old := dir + ".old"
	os.RemoveAll(old)
	if err := os.Rename(dir, old); err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

// ReadLayout returns the index tagged Tag in the layout dir.
func ReadLayout(dir string) (v1.ImageIndex, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("the SBOM scanner layout %s: %w (run scripts/sbom-scanner-setup)", dir, err)
	}
	top, err := p.ImageIndex()
	if err != nil {
		return nil, err
	}
	m, err := top.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, d := range m.Manifests {
		if d.Annotations[refName] == Tag {
			return top.ImageIndex(d.Digest)
		}
	}
	return nil, fmt.Errorf("the SBOM scanner layout %s has no index tagged %q (run scripts/sbom-scanner-setup)", dir, Tag)
}

// Push pushes the scanner in the layout dir to ref (plain HTTP for
// 127.0.0.1 and localhost registries) and returns ref pinned to the
// index digest (REPO:TAG@sha256:...).
func Push(dir, ref string, opts ...remote.Option) (string, error) {
	idx, err := ReadLayout(dir)
	if err != nil {
		return "", err
	}
	r, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		return "", fmt.Errorf("scanner reference %q: %w", ref, err)
	}
	if err := remote.WriteIndex(r, idx, opts...); err != nil {
		return "", fmt.Errorf("pushing the SBOM scanner to %s: %w", ref, err)
	}
	d, err := idx.Digest()
	if err != nil {
		return "", err
	}
	return r.String() + "@" + d.String(), nil
}
