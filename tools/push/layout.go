package push

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// readLayout opens the one image of an OCI layout directory or tar.
func readLayout(path string) (v1.Image, v1.Descriptor, func(), error) {
	cleanup := func() {}
	dir := path
	if strings.HasSuffix(path, ".tar") {
		tmp, err := os.MkdirTemp("", "lkpkg-layout")
		if err != nil {
			return nil, v1.Descriptor{}, cleanup, err
		}
		cleanup = func() { os.RemoveAll(tmp) }
		if err := untar(path, tmp); err != nil {
			return nil, v1.Descriptor{}, cleanup, err
		}
		dir = tmp
	}
	lp, err := layout.FromPath(dir)
	if err != nil {
		return nil, v1.Descriptor{}, cleanup, err
	}
	ii, err := lp.ImageIndex()
	if err != nil {
		return nil, v1.Descriptor{}, cleanup, err
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return nil, v1.Descriptor{}, cleanup, err
	}
	if len(im.Manifests) != 1 || !im.Manifests[0].MediaType.IsImage() {
		return nil, v1.Descriptor{}, cleanup, errors.New("the layout must hold exactly one image manifest")
	}
	d := im.Manifests[0]
	img, err := ii.Image(d.Digest)
	if err != nil {
		return nil, v1.Descriptor{}, cleanup, err
	}
	// Verify the manifest bytes match their digest.
	raw, err := img.RawManifest()
	if err != nil {
		return nil, v1.Descriptor{}, cleanup, err
	}
	h, n, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil || h != d.Digest || n != d.Size {
		return nil, v1.Descriptor{}, cleanup, fmt.Errorf("manifest %s does not match its digest", d.Digest)
	}
	return img, v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size, Platform: d.Platform}, cleanup, nil
}
