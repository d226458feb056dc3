package build

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-linuxkit/rules_linuxkit/tools/attest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// Annotations of the images in a layout's index.json.
const (
	// AnnotationRefName is the tag of an image in a layout's index.json.
	AnnotationRefName = "org.opencontainers.image.ref.name"
	// AnnotationImageName is the full reference (containerd's convention).
	AnnotationImageName = "io.containerd.image.name"
)

// ociDigestRE is the OCI image spec's digest grammar: algorithm ':' encoded.
// Neither part can hold a '/' or be "..", so a digest read from a layout
// cannot name a path outside its blobs directory (v1.Hash checks the same
// when it parses one; this also refuses the zero Hash of a missing digest).
var ociDigestRE = regexp.MustCompile(`^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`)

func blobPath(dir string, h v1.Hash) (string, error) {
	if !ociDigestRE.MatchString(h.String()) {
		return "", fmt.Errorf("invalid digest %q", h.String())
	}
	return filepath.Join(dir, "blobs", h.Algorithm, h.Hex), nil
}

func readBlob(dir string, h v1.Hash) ([]byte, error) {
	if _, err := blobPath(dir, h); err != nil {
		return nil, err
	}
	return layout.Path(dir).Bytes(h)
}

// readInputBlob reads a blob of a layout lkpkg did not write here (another
// build's output, a Bazel action's input), following symlinks (a Bazel
// sandbox presents input files as symlinks, which readBlob refuses) and
// checking the content against its digest.
func readInputBlob(dir string, h v1.Hash) ([]byte, error) {
	path, err := blobPath(dir, h)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if got, _, err := v1.SHA256(bytes.NewReader(b)); err != nil || got != h {
		return nil, fmt.Errorf("%s: blob %s does not match its digest", dir, h)
	}
	return b, nil
}

// ReadIndex reads a layout's index.json.
func ReadIndex(dir string) (*v1.IndexManifest, error) {
	b, err := spec.ReadFile(filepath.Join(dir, "index.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is not an OCI layout (no index.json)", dir)
	}
	if err != nil {
		return nil, err
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "index.json"), err)
	}
	return &idx, nil
}

// layoutRoot returns the image (or index) a layout holds: its only entry
// (attestation manifests beside an image left aside), or the one index
// entry that is an index.
func layoutRoot(dir string) (v1.Descriptor, error) {
	idx, err := ReadIndex(dir)
	if err != nil {
		return v1.Descriptor{}, err
	}
	idx.Manifests = slices.DeleteFunc(idx.Manifests, attest.IsAttestation)
	switch len(idx.Manifests) {
	case 0:
		return v1.Descriptor{}, errors.New("the layout's index.json lists no image")
	case 1:
		return idx.Manifests[0], nil
	}
	var roots []v1.Descriptor
	for _, d := range idx.Manifests {
		if d.MediaType.IsIndex() {
			roots = append(roots, d)
		}
	}
	if len(roots) == 1 {
		return roots[0], nil
	}
	return v1.Descriptor{}, fmt.Errorf("the layout's index.json lists %d images; give a layout with one", len(idx.Manifests))
}

// layoutAttestation returns the attestation manifest a layout's index.json
// lists for the image img, nil when there is none.
func layoutAttestation(dir string, img v1.Hash) (*v1.Descriptor, error) {
	idx, err := ReadIndex(dir)
	if err != nil {
		return nil, err
	}
	for _, d := range idx.Manifests {
		if attest.IsAttestation(d) && attest.Subject(d) == img.String() {
			return &d, nil
		}
	}
	return nil, nil
}

// newIndex is an empty OCI image index.
func newIndex() v1.IndexManifest {
	return v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
}

// wireDescriptor and wireIndex are the JSON lkpkg writes indexes in: the
// fields of v1.Descriptor it sets, in the order lkpkg has always written
// them. The bytes of an index are its digest, pushed as org/image:<tag>;
// v1's own field order would change every digest, and re-pushing an
// unchanged package to an immutable tag would then fail.
type wireDescriptor struct {
	MediaType   types.MediaType   `json:"mediaType"`
	Digest      v1.Hash           `json:"digest"`
	Size        int64             `json:"size"`
	Platform    *wirePlatform     `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// wirePlatform is v1.Platform in lkpkg's order. A build records only
// architecture, os and variant (from the config); the other fields are
// empty then, so they do not change a build's bytes, but push writes
// entries read from a registry's image configs in this form too, and must
// keep their os.version and features (merging compares whole platforms).
type wirePlatform struct {
	Architecture string   `json:"architecture"`
	OS           string   `json:"os"`
	Variant      string   `json:"variant,omitempty"`
	OSVersion    string   `json:"os.version,omitempty"`
	OSFeatures   []string `json:"os.features,omitempty"`
	Features     []string `json:"features,omitempty"`
}

type wireIndex struct {
	SchemaVersion int64            `json:"schemaVersion"`
	MediaType     types.MediaType  `json:"mediaType,omitempty"`
	Manifests     []wireDescriptor `json:"manifests"`
}

// marshalIndex serialises an index as lkpkg always has (wireIndex).
func marshalIndex(idx v1.IndexManifest) ([]byte, error) {
	w := wireIndex{SchemaVersion: idx.SchemaVersion, MediaType: idx.MediaType}
	for _, d := range idx.Manifests {
		w.Manifests = append(w.Manifests, toWire(d))
	}
	return json.Marshal(w)
}

func toWire(d v1.Descriptor) wireDescriptor {
	wd := wireDescriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size, Annotations: d.Annotations}
	if p := d.Platform; p != nil {
		wd.Platform = &wirePlatform{Architecture: p.Architecture, OS: p.OS, Variant: p.Variant, OSVersion: p.OSVersion, OSFeatures: p.OSFeatures, Features: p.Features}
	}
	return wd
}

// MarshalIndexEntry serialises one entry of an index as a build writes
// it. lkpkg push writes the entries it adds to a registry's index with
// it, so that an index it assembles has the bytes, hence the digest, a
// build of the same images would have.
func MarshalIndexEntry(d v1.Descriptor) ([]byte, error) {
	return json.Marshal(toWire(d))
}

// indexBlob serialises a multi-arch index and returns its bytes and the
// descriptor a layout's index.json names it by (tag and ref annotations).
func indexBlob(index v1.IndexManifest, tag, ref string) ([]byte, v1.Descriptor, error) {
	ib, err := marshalIndex(index)
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	h, size, err := v1.SHA256(bytes.NewReader(ib))
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	id := v1.Descriptor{
		MediaType:   types.OCIImageIndex,
		Digest:      h,
		Size:        size,
		Annotations: map[string]string{AnnotationRefName: tag, AnnotationImageName: ref},
	}
	return ib, id, nil
}

// writeLayout writes an OCI layout at dir whose index.json lists roots,
// with the blobs hard-linked (or copied) from src plus extra ones.
func writeLayout(src, dir string, blobs []v1.Hash, extra map[v1.Hash][]byte, roots ...v1.Descriptor) error {
	for _, dg := range blobs {
		from, err := blobPath(src, dg)
		if err != nil {
			return err
		}
		to, _ := blobPath(dir, dg)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if _, err := os.Lstat(to); err == nil {
			continue
		}
		if err := linkOrCopy(from, to); err != nil {
			return err
		}
	}
	for dg, b := range extra {
		to, err := blobPath(dir, dg)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		return err
	}
	idx := newIndex()
	idx.Manifests = roots
	ib, err := marshalIndex(idx)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "index.json"), ib, 0o644)
}
