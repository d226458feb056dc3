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

// layoutImage is an image read from a layout, with the attestation
// manifest the layout lists for it (provenance, SBOM), if any.
type layoutImage struct {
	img  v1.Image
	desc v1.Descriptor
	// att and attDesc are the attestation manifest (nil when none); its
	// index entry has BuildKit's annotations and the unknown/unknown
	// platform.
	att     v1.Image
	attDesc *v1.Descriptor
}

// openLayout opens the OCI layout directory or tar at path; a tar is
// extracted into a new directory under tmpDir(), which the caller removes.
func openLayout(ctx context.Context, path string, tmpDir func() (string, error)) (v1.ImageIndex, error) {
	dir := path
	if strings.HasSuffix(path, ".tar") {
		base, err := tmpDir()
		if err != nil {
			return nil, err
		}
		dir, err = os.MkdirTemp(base, "layout-")
		if err != nil {
			return nil, err
		}
		if err := untar(ctx, path, dir); err != nil {
			return nil, err
		}
	}
	lp, err := layout.FromPath(dir)
	if err != nil {
		return nil, err
	}
	return lp.ImageIndex()
}

// readBuiltIndex returns the multi-arch index a build wrote (the one
// index its layout at path lists), byte for byte.
func readBuiltIndex(ctx context.Context, path string, tmpDir func() (string, error)) (*remoteIndex, error) {
	ii, err := openLayout(ctx, path, tmpDir)
	if err != nil {
		return nil, err
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return nil, err
	}
	if len(im.Manifests) != 1 || !im.Manifests[0].MediaType.IsIndex() {
		return nil, errors.New("the index layout must list exactly one index")
	}
	d := im.Manifests[0]
	child, err := ii.ImageIndex(d.Digest)
	if err != nil {
		return nil, err
	}
	raw, err := child.RawManifest()
	if err != nil {
		return nil, err
	}
	if h, n, err := v1.SHA256(bytes.NewReader(raw)); err != nil || h != d.Digest || n != d.Size {
		return nil, fmt.Errorf("index %s does not match its digest", d.Digest)
	}
	ri, err := parseIndex(raw)
	if err != nil {
		return nil, err
	}
	ri.raw = raw
	ri.desc = v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
	return ri, nil
}

// readLayout opens the one image of an OCI layout directory or tar (see
// openLayout), and the attestation manifest beside it.
func readLayout(ctx context.Context, path string, tmpDir func() (string, error)) (*layoutImage, error) {
	ii, err := openLayout(ctx, path, tmpDir)
	if err != nil {
		return nil, err
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return nil, err
	}
	var imgs, atts []v1.Descriptor
	for _, d := range im.Manifests {
		if isAttestation(d) {
			atts = append(atts, d)
		} else {
			imgs = append(imgs, d)
		}
	}
	if len(imgs) != 1 || !imgs[0].MediaType.IsImage() {
		return nil, errors.New("the layout must hold exactly one image manifest (and at most its attestation manifest)")
	}
	d := imgs[0]
	img, err := verifiedImage(ii, d)
	if err != nil {
		return nil, err
	}
	li := &layoutImage{img: img, desc: v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size, Platform: d.Platform}}
	switch {
	case len(atts) > 1:
		return nil, fmt.Errorf("the layout lists %d attestation manifests; want at most one, for %s", len(atts), d.Digest)
	case len(atts) == 1:
		a := atts[0]
		if a.Annotations[annotationRefDigest] != d.Digest.String() || !a.MediaType.IsImage() {
			return nil, fmt.Errorf("the layout's attestation manifest %s is for %q, not for its image %s", a.Digest, a.Annotations[annotationRefDigest], d.Digest)
		}
		if li.att, err = verifiedImage(ii, a); err != nil {
			return nil, err
		}
		li.attDesc = &v1.Descriptor{MediaType: a.MediaType, Digest: a.Digest, Size: a.Size, Platform: a.Platform, Annotations: a.Annotations}
	}
	return li, nil
}

// verifiedImage opens the manifest d of ii, checking its bytes match
// their digest.
func verifiedImage(ii v1.ImageIndex, d v1.Descriptor) (v1.Image, error) {
	img, err := ii.Image(d.Digest)
	if err != nil {
		return nil, err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return nil, err
	}
	h, n, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil || h != d.Digest || n != d.Size {
		return nil, fmt.Errorf("manifest %s does not match its digest", d.Digest)
	}
	return img, nil
}
