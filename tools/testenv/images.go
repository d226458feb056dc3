package testenv

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// SyntheticImage returns a linux/arch image with n layers of size bytes
// each, whose content depends only on (arch, n, size, seed): the same
// arguments give the same digests, different seeds different ones. Push
// tests use it instead of BuildKit builds.
func SyntheticImage(arch string, n, size int, seed uint64) (v1.Image, error) {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	var adds []mutate.Addendum
	for i := 0; i < n; i++ {
		r := rand.New(rand.NewChaCha8(seedBytes(arch, seed, i)))
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("layer%d.bin", i), Mode: 0o644, Size: int64(size), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
		if err := tw.Close(); err != nil {
			return nil, err
		}
		b := buf.Bytes()
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }, tarball.WithMediaType(types.OCILayer))
		if err != nil {
			return nil, err
		}
		adds = append(adds, mutate.Addendum{Layer: l, MediaType: types.OCILayer})
	}
	img, err := mutate.Append(img, adds...)
	if err != nil {
		return nil, err
	}
	return WithConfig(img, func(cf *v1.ConfigFile) {
		cf.OS, cf.Architecture = "linux", arch
		cf.Config.Labels = map[string]string{"seed": fmt.Sprint(seed)}
	})
}

func seedBytes(arch string, seed uint64, layer int) [32]byte {
	var s [32]byte
	copy(s[:], fmt.Sprintf("%s/%d/%d", arch, seed, layer))
	return s
}

// BuildOutput writes what `lkpkg build` writes for image (org/image) at
// tag into out — <arch>/ layouts, index/ and result.json — with synthetic
// images (see SyntheticImage), and returns the per-arch manifest digests.
func BuildOutput(out, image, tag string, arches []string, layers, size int, seed uint64) (map[string]v1.Hash, error) {
	type archResult struct {
		Arch   string `json:"arch"`
		Ref    string `json:"ref"`
		Digest string `json:"digest"`
		Layout string `json:"layout"`
	}
	res := struct {
		Ref             string       `json:"ref"`
		Tag             string       `json:"tag"`
		Digest          string       `json:"digest"`
		Layout          string       `json:"layout"`
		SourceDateEpoch int64        `json:"source_date_epoch"`
		Arches          []archResult `json:"arches"`
	}{Ref: image + ":" + tag, Tag: tag, Layout: "index"}
	digests := map[string]v1.Hash{}
	var idx v1.ImageIndex = mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range arches {
		img, err := SyntheticImage(arch, layers, size, seed)
		if err != nil {
			return nil, err
		}
		d, err := img.Digest()
		if err != nil {
			return nil, err
		}
		digests[arch] = d
		dir := filepath.Join(out, arch)
		os.RemoveAll(dir)
		p, err := layout.Write(dir, empty.Index)
		if err != nil {
			return nil, err
		}
		plat := &v1.Platform{OS: "linux", Architecture: arch}
		if err := p.AppendImage(img, layout.WithPlatform(*plat), layout.WithAnnotations(map[string]string{
			"org.opencontainers.image.ref.name": tag + "-" + arch,
		})); err != nil {
			return nil, err
		}
		res.Arches = append(res.Arches, archResult{Arch: arch, Ref: image + ":" + tag + "-" + arch, Digest: d.String(), Layout: arch})
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: plat}})
	}
	os.RemoveAll(filepath.Join(out, "index"))
	p, err := layout.Write(filepath.Join(out, "index"), empty.Index)
	if err != nil {
		return nil, err
	}
	if err := p.AppendIndex(idx); err != nil {
		return nil, err
	}
	d, err := idx.Digest()
	if err != nil {
		return nil, err
	}
	res.Digest = d.String()
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, err
	}
	return digests, os.WriteFile(filepath.Join(out, "result.json"), append(b, '\n'), 0o644)
}

// WithConfig returns img with its config edited by edit (on a copy: img is
// left as it was).
func WithConfig(img v1.Image, edit func(*v1.ConfigFile)) (v1.Image, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	edit(cf)
	return mutate.ConfigFile(img, cf)
}
