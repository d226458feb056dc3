package depends

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

type fetchedImage struct {
	Image
	image v1.Image
}

// dockerManifest is one entry of a docker-save manifest.json.
type dockerManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// writeArchive writes imgs as one tar that is both a `docker save` archive
// (manifest.json) and an OCI image layout (oci-layout, index.json, blobs/),
// as Docker 25+ saves. go-containerregistry's tarball writer orders images
// by map iteration; this one writes them in build.yml's order, each blob
// once, with fixed times and owners, so equal images give equal bytes.
func writeArchive(w io.Writer, imgs []fetchedImage) error {
	tw := tar.NewWriter(w)
	seen := map[v1.Hash]bool{}
	blob := func(h v1.Hash, size int64, open func() (io.ReadCloser, error)) (string, error) {
		p := "blobs/" + h.Algorithm + "/" + h.Hex
		if seen[h] {
			return p, nil
		}
		seen[h] = true
		r, err := open()
		if err != nil {
			return "", err
		}
		defer r.Close()
		return p, entry(tw, p, size, r)
	}
	bytesBlob := func(b []byte) func() (io.ReadCloser, error) {
		return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	if err := entry(tw, "oci-layout", -1, bytes.NewReader([]byte(`{"imageLayoutVersion":"1.0.0"}`))); err != nil {
		return err
	}
	var manifests []dockerManifest
	index := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	for _, f := range imgs {
		img := f.image
		raw, err := img.RawManifest()
		if err != nil {
			return err
		}
		mt, err := img.MediaType()
		if err != nil {
			return err
		}
		cfg, err := img.RawConfigFile()
		if err != nil {
			return err
		}
		cfgName, err := img.ConfigName()
		if err != nil {
			return err
		}
		dm := dockerManifest{}
		if dm.Config, err = blob(cfgName, int64(len(cfg)), bytesBlob(cfg)); err != nil {
			return err
		}
		layers, err := img.Layers()
		if err != nil {
			return err
		}
		for _, l := range layers {
			d, err := l.Digest()
			if err != nil {
				return err
			}
			size, err := l.Size()
			if err != nil {
				return err
			}
			p, err := blob(d, size, l.Compressed)
			if err != nil {
				return fmt.Errorf("%s: layer %s: %w", f.Ref, d, err)
			}
			dm.Layers = append(dm.Layers, p)
		}
		md := v1.Descriptor{MediaType: mt, Size: int64(len(raw))}
		if md.Digest, _, err = v1.SHA256(bytes.NewReader(raw)); err != nil {
			return err
		}
		if _, err := blob(md.Digest, md.Size, bytesBlob(raw)); err != nil {
			return err
		}
		md.Annotations = map[string]string{"io.containerd.image.name": f.Digest.Context().Name() + "@" + md.Digest.String()}
		if f.Tag != nil {
			dm.RepoTags = []string{f.Tag.String()}
			md.Annotations["io.containerd.image.name"] = f.Tag.Name()
			md.Annotations["org.opencontainers.image.ref.name"] = f.Tag.TagStr()
		}
		manifests = append(manifests, dm)
		index.Manifests = append(index.Manifests, md)
	}
	ib, err := json.Marshal(index)
	if err != nil {
		return err
	}
	if err := entry(tw, "index.json", -1, bytes.NewReader(ib)); err != nil {
		return err
	}
	mb, err := json.Marshal(manifests)
	if err != nil {
		return err
	}
	if err := entry(tw, "manifest.json", -1, bytes.NewReader(mb)); err != nil {
		return err
	}
	return tw.Close()
}

// entry writes one regular file; size -1 means r's length (a *bytes.Reader).
func entry(tw *tar.Writer, name string, size int64, r io.Reader) error {
	if size < 0 {
		size = int64(r.(*bytes.Reader).Len())
	}
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	n, err := io.Copy(tw, r)
	if err == nil && n != size {
		err = fmt.Errorf("%s: %d bytes, want %d", name, n, size)
	}
	return err
}
