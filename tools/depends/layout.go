package depends

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// dirLayout reads an OCI image layout whose files may be symlinks: Bazel's
// sandboxes present every declared input as one, and go-containerregistry's
// layout package refuses symlinked blobs. Every blob is checked against its
// digest instead, so a link cannot pass off other content.
type dirLayout struct{ dir string }

func (l dirLayout) path(h v1.Hash) (string, error) {
	if h.Algorithm != "sha256" {
		return "", fmt.Errorf("blob %s: only sha256 digests are read", h)
	}
	return filepath.Join(l.dir, "blobs", h.Algorithm, h.Hex), nil
}

// blob reads a small blob (a manifest, a config) and checks its digest.
func (l dirLayout) blob(h v1.Hash) ([]byte, error) {
	p, err := l.path(h)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("layout %s: %w", l.dir, err)
	}
	if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != h.Hex {
		return nil, fmt.Errorf("layout %s: blob %s does not match its digest", l.dir, h)
	}
	return b, nil
}

// image returns the image h names in the layout's index.json, or, when h
// is an index there, its linux/arch image.
func (l dirLayout) image(h v1.Hash, arch string) (v1.Image, error) {
	b, err := os.ReadFile(filepath.Join(l.dir, "index.json"))
	if err != nil {
		return nil, fmt.Errorf("layout %s: %w", l.dir, err)
	}
	root, err := v1.ParseIndexManifest(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("layout %s: index.json: %w", l.dir, err)
	}
	for _, d := range root.Manifests {
		if d.Digest != h {
			continue
		}
		if !d.MediaType.IsIndex() {
			return l.manifest(d)
		}
		raw, err := l.blob(h)
		if err != nil {
			return nil, err
		}
		idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("layout %s: index %s: %w", l.dir, h, err)
		}
		child, err := pickArch(idx, arch)
		if err != nil {
			return nil, err
		}
		return l.manifest(child)
	}
	return nil, fmt.Errorf("the layout %s holds no %s", l.dir, h)
}

func (l dirLayout) manifest(d v1.Descriptor) (v1.Image, error) {
	raw, err := l.blob(d.Digest)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("layout %s: manifest %s: %w", l.dir, d.Digest, err)
	}
	mt := d.MediaType
	if m.MediaType != "" {
		mt = m.MediaType
	}
	return partial.CompressedToImage(&layoutImage{l: l, raw: raw, m: m, mt: mt})
}

// layoutImage is partial.CompressedImageCore over a dirLayout.
type layoutImage struct {
	l   dirLayout
	raw []byte
	m   *v1.Manifest
	mt  types.MediaType
}

func (i *layoutImage) RawManifest() ([]byte, error)        { return i.raw, nil }
func (i *layoutImage) MediaType() (types.MediaType, error) { return i.mt, nil }
func (i *layoutImage) RawConfigFile() ([]byte, error)      { return i.l.blob(i.m.Config.Digest) }

func (i *layoutImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == i.m.Config.Digest {
		return layoutLayer{i.l, i.m.Config}, nil
	}
	for _, d := range i.m.Layers {
		if d.Digest == h {
			return layoutLayer{i.l, d}, nil
		}
	}
	return nil, fmt.Errorf("layout %s: the image has no blob %s", i.l.dir, h)
}

type layoutLayer struct {
	l dirLayout
	d v1.Descriptor
}

func (b layoutLayer) Digest() (v1.Hash, error)            { return b.d.Digest, nil }
func (b layoutLayer) Size() (int64, error)                { return b.d.Size, nil }
func (b layoutLayer) MediaType() (types.MediaType, error) { return b.d.MediaType, nil }

// Compressed streams the blob, failing at its end if it does not match its
// digest (or the manifest's size).
func (b layoutLayer) Compressed() (io.ReadCloser, error) {
	p, err := b.l.path(b.d.Digest)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("layout %s: %w", b.l.dir, err)
	}
	return &verifier{f: f, h: sha256.New(), want: b.d}, nil
}

type verifier struct {
	f    *os.File
	h    hash.Hash
	n    int64
	want v1.Descriptor
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.f.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if err == io.EOF && (v.n != v.want.Size || hex.EncodeToString(v.h.Sum(nil)) != v.want.Digest.Hex) {
		return n, fmt.Errorf("blob %s does not match its digest or size", v.want.Digest)
	}
	return n, err
}

func (v *verifier) Close() error { return v.f.Close() }
