package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/attest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
)

// Remote is where Run looks for a package that the store does not hold,
// before building it: linuxkit's pkg build without --force (Pkg.Build:
// "not found in local cache, checking registry"; with --pull, "trying to
// pull"). Only used with Builder.Reuse (never for --output-dir or
// hermetic builds).
type Remote struct {
	// Registry locates org/image:<tag> (its Prefix, plain-HTTP guard and
	// credentials: each host gets only its own).
	Registry registry.Registry
	// Pull copies a package the registry has into the store, as a build
	// output (linuxkit's --pull; its --docker implies it). Without it such
	// a package is neither built nor pulled, as in linuxkit, unless a later
	// package of the same run builds from it: then it is pulled.
	Pull bool
}

// remoteIndex is what the registry has for p: the index under its tag and
// the images of it for each arch, or nil when it lacks any arch.
type remoteIndex struct {
	ref    name.Tag
	idx    v1.ImageIndex
	images map[string]v1.Descriptor
	// attestations are the index's attestation manifests, by the digest
	// of the image each is about: a pulled image keeps its attestations.
	attestations map[string]v1.Descriptor
}

// lookup asks the registry for p's tag and returns the index when it has an
// image for every arch in arches (cache.Provider.ImageInRegistry in
// linuxkit: an index entry for the arch; any error reading the tag counts
// as not there). why says what was found, for the caller's note.
func (r *Remote) lookup(ctx context.Context, p *pkg.Package, arches []string) (ri *remoteIndex, why string) {
	repo, err := r.Registry.Repository(p.Image())
	if err != nil {
		return nil, err.Error()
	}
	ref := repo.Tag(p.Tag)
	opts := append(r.Registry.Options(), remote.WithContext(ctx))
	desc, err := remote.Get(ref, opts...)
	if registry.IsNotFound(err) {
		return nil, ref.String() + " is not in the registry"
	}
	if err != nil {
		return nil, fmt.Sprintf("could not read %s (%v)", ref, err)
	}
	if !desc.MediaType.IsIndex() {
		return nil, fmt.Sprintf("%s is a %s, not an index", ref, desc.MediaType)
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return nil, fmt.Sprintf("could not read %s (%v)", ref, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Sprintf("could not read %s (%v)", ref, err)
	}
	ri = &remoteIndex{ref: ref, idx: idx, images: map[string]v1.Descriptor{}, attestations: map[string]v1.Descriptor{}}
	for _, d := range im.Manifests {
		if attest.IsAttestation(d) {
			ri.attestations[attest.Subject(d)] = d
			continue
		}
		if !d.MediaType.IsImage() || d.Platform == nil || d.Platform.OS != "linux" || d.Annotations["vnd.docker.reference.type"] != "" {
			continue
		}
		if _, ok := ri.images[d.Platform.Architecture]; !ok {
			ri.images[d.Platform.Architecture] = d
		}
	}
	for _, a := range arches {
		if _, ok := ri.images[a]; !ok {
			return nil, fmt.Sprintf("%s has no linux/%s image", ref, a)
		}
	}
	return ri, ref.String()
}

// pull writes the registry's images of p for arches into out, exactly as
// Build writes a build output (the same layouts, index and result.json),
// atomically: nothing is left behind if a blob fails to download or does
// not match its digest.
func pull(ctx context.Context, ri *remoteIndex, p *pkg.Package, arches []string, o Options, out string) (*Result, error) {
	out, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	stage, err := stageOutput(out)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	// The images go into a layout shaped like BuildKit's export (an index
	// of the arches' images), which writeLayouts then splits as it splits
	// a build's.
	export := filepath.Join(stage, ".export")
	index := newIndex()
	for _, a := range arches {
		d := ri.images[a]
		img, err := ri.idx.Image(d.Digest)
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", ri.ref, a, err)
		}
		if err := saveImage(ctx, export, img, d); err != nil {
			return nil, fmt.Errorf("%s (%s): %w", ri.ref, a, err)
		}
		index.Manifests = append(index.Manifests, v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size, Platform: d.Platform})
		if ad, ok := ri.attestations[d.Digest.String()]; ok {
			att, err := ri.idx.Image(ad.Digest)
			if err != nil {
				return nil, fmt.Errorf("%s (%s attestations): %w", ri.ref, a, err)
			}
			if err := saveImage(ctx, export, att, ad); err != nil {
				return nil, fmt.Errorf("%s (%s attestations): %w", ri.ref, a, err)
			}
			index.Manifests = append(index.Manifests, ad)
		}
	}
	ib, id, err := indexBlob(index, p.Tag, p.Ref())
	if err != nil {
		return nil, err
	}
	if err := writeLayout(export, export, nil, map[v1.Hash][]byte{id.Digest: ib}, id); err != nil {
		return nil, err
	}
	res, err := writeLayouts(export, stage, p, arches, o.Format, o.SourceDateEpoch, nil)
	if err != nil {
		return nil, err
	}
	res.SourceDateEpoch = o.SourceDateEpoch
	if err := os.RemoveAll(export); err != nil {
		return nil, err
	}
	return res, finishOutput(stage, out, res)
}

// saveImage writes img's manifest, config and layers into the blobs of the
// layout dir, each checked against its digest.
func saveImage(ctx context.Context, dir string, img v1.Image, d v1.Descriptor) error {
	raw, err := img.RawManifest()
	if err != nil {
		return err
	}
	if err := writeBlob(dir, d.Digest, func(w io.Writer) error { _, err := w.Write(raw); return err }); err != nil {
		return err
	}
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	if err := writeBlob(dir, m.Config.Digest, func(w io.Writer) error { _, err := w.Write(cfg); return err }); err != nil {
		return err
	}
	for _, l := range m.Layers {
		if err := ctx.Err(); err != nil {
			return err
		}
		layer, err := img.LayerByDigest(l.Digest)
		if err != nil {
			return err
		}
		err = writeBlob(dir, l.Digest, func(w io.Writer) error {
			rc, err := layer.Compressed()
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.Copy(w, rc)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// writeBlob writes the blob h of the layout dir with fill, and refuses it
// unless its bytes hash to h.
func writeBlob(dir string, h v1.Hash, fill func(io.Writer) error) error {
	path, err := blobPath(dir, h)
	if err != nil {
		return err
	}
	if h.Algorithm != "sha256" {
		return fmt.Errorf("blob %s: only sha256 digests are supported", h)
	}
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	sum := sha256.New()
	err = fill(io.MultiWriter(f, sum))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && hex.EncodeToString(sum.Sum(nil)) != h.Hex {
		err = fmt.Errorf("blob %s: the registry sent other bytes", h)
	}
	return err
}

// finishOutput writes res as result.json into stage and puts stage in
// place of out.
func finishOutput(stage, out string, res *Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(stage, "result.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return commitOutput(stage, out)
}
