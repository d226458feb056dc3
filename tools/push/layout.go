package push

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// readLayout opens the one image of an OCI layout directory or tar; a
// tar is extracted into a new directory under tmpDir(), which the caller
// removes.
func readLayout(ctx context.Context, path string, tmpDir func() (string, error)) (v1.Image, v1.Descriptor, error) {
	dir := path
	if strings.HasSuffix(path, ".tar") {
		base, err := tmpDir()
		if err != nil {
			return nil, v1.Descriptor{}, err
		}
		dir, err = os.MkdirTemp(base, "layout-")
		if err != nil {
			return nil, v1.Descriptor{}, err
		}
		if err := untar(ctx, path, dir); err != nil {
			return nil, v1.Descriptor{}, err
		}
	}
	lp, err := layout.FromPath(dir)
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	ii, err := lp.ImageIndex()
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	if len(im.Manifests) != 1 || !im.Manifests[0].MediaType.IsImage() {
		return nil, v1.Descriptor{}, errors.New("the layout must hold exactly one image manifest")
	}
	d := im.Manifests[0]
	img, err := ii.Image(d.Digest)
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	// Verify the manifest bytes match their digest.
	raw, err := img.RawManifest()
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	h, n, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil || h != d.Digest || n != d.Size {
		return nil, v1.Descriptor{}, fmt.Errorf("manifest %s does not match its digest", d.Digest)
	}
	return img, v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size, Platform: d.Platform}, nil
}
