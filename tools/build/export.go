package build

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-linuxkit/rules_linuxkit/tools/attest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
)

// writeLayouts splits BuildKit's export into one layout per arch plus an
// index layout, in stage, and returns the result.
//
// Each image's attestation manifest (BuildKit's, made deterministic by
// attest.Normalize) goes into the arch's layout beside the image, and into
// the index after all the images, in the same arch order.
// subst[arch] are the provenance's substitutions for arch's image (see
// namedContexts).
func writeLayouts(export, stage string, p *pkg.Package, arches []string, format Format, epoch int64, subst map[string]map[string]string) (*Result, error) {
	root, err := layoutRoot(export)
	if err != nil {
		return nil, fmt.Errorf("reading BuildKit's output: %w", err)
	}
	images := map[string]v1.Descriptor{}       // arch -> manifest
	attestations := map[string]v1.Descriptor{} // image digest -> attestation manifest
	if root.MediaType.IsIndex() {
		b, err := readBlob(export, root.Digest)
		if err != nil {
			return nil, err
		}
		idx, err := v1.ParseIndexManifest(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		for _, d := range idx.Manifests {
			if attest.IsAttestation(d) {
				attestations[attest.Subject(d)] = d
				continue
			}
			if d.Platform == nil || d.Platform.OS != "linux" {
				continue
			}
			d.Annotations = nil
			images[d.Platform.Architecture] = d
		}
	} else {
		if len(arches) != 1 {
			return nil, fmt.Errorf("BuildKit returned one image for %d arches", len(arches))
		}
		root.Annotations = nil
		images[arches[0]] = root
	}

	res := &Result{Ref: p.Ref(), Tag: p.Tag, Layout: "index"}
	index := newIndex()
	var all []v1.Hash
	var atts []v1.Descriptor
	extra := map[v1.Hash][]byte{}
	get := func(h v1.Hash) ([]byte, error) { return readBlob(export, h) }
	var kinds [][]string // per arch
	for _, arch := range arches {
		d, ok := images[arch]
		if !ok {
			return nil, fmt.Errorf("BuildKit's output has no %s image", arch)
		}
		blobs, plat, err := imageBlobs(export, d)
		if err != nil {
			return nil, fmt.Errorf("%s image: %w", arch, err)
		}
		d.Platform = plat
		all = append(all, blobs...)
		tag := p.Tag + "-" + arch
		entry := d
		entry.Annotations = map[string]string{AnnotationRefName: tag, AnnotationImageName: p.ArchRef(arch)}
		roots := []v1.Descriptor{entry}
		var archExtra map[v1.Hash][]byte
		ar := ArchResult{Arch: arch, Ref: p.ArchRef(arch), Digest: d.Digest.String(), Layout: arch}
		archKinds := []string{}
		if a, ok := attestations[d.Digest.String()]; ok {
			raw, err := readBlob(export, a.Digest)
			if err != nil {
				return nil, fmt.Errorf("%s attestations: %w", arch, err)
			}
			m, err := attest.Normalize(raw, get, d.Digest, epoch, subst[arch])
			if err != nil {
				return nil, fmt.Errorf("%s attestations: %w", arch, err)
			}
			archExtra = m.Blobs
			maps.Copy(extra, m.Blobs)
			roots = append(roots, m.Entry)
			atts = append(atts, m.Entry)
			ar.Attestation = m.Entry.Digest.String()
			for _, pt := range m.PredicateTypes {
				if k := attestKind(pt); k != "" {
					archKinds = append(archKinds, k)
				}
			}
		}
		kinds = append(kinds, archKinds)
		if err := writeLayout(export, filepath.Join(stage, arch), blobs, archExtra, roots...); err != nil {
			return nil, err
		}
		res.Arches = append(res.Arches, ar)
		index.Manifests = append(index.Manifests, d)
	}
	index.Manifests = append(index.Manifests, atts...)
	res.Attestations = commonAttestations(kinds)

	ib, id, err := indexBlob(index, p.Tag, p.Ref())
	if err != nil {
		return nil, err
	}
	res.Digest = id.Digest.String()
	extra[id.Digest] = ib
	if err := writeLayout(export, filepath.Join(stage, "index"), all, extra, id); err != nil {
		return nil, err
	}

	if format == FormatTar {
		for i := range res.Arches {
			if err := tarDir(filepath.Join(stage, res.Arches[i].Layout)); err != nil {
				return nil, err
			}
			res.Arches[i].Layout += ".tar"
		}
		if err := tarDir(filepath.Join(stage, res.Layout)); err != nil {
			return nil, err
		}
		res.Layout += ".tar"
	}
	return res, nil
}

// imageBlobs returns the digests of an image's manifest, config and layers,
// and its platform (from its config).
func imageBlobs(dir string, d v1.Descriptor) ([]v1.Hash, *v1.Platform, error) {
	b, err := readBlob(dir, d.Digest)
	if err != nil {
		return nil, nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	cb, err := readBlob(dir, m.Config.Digest)
	if err != nil {
		return nil, nil, err
	}
	var cfg v1.Platform // the config's architecture, os and variant
	if err := json.Unmarshal(cb, &cfg); err != nil {
		return nil, nil, err
	}
	plat := &v1.Platform{Architecture: cfg.Architecture, OS: cfg.OS, Variant: cfg.Variant}
	blobs := []v1.Hash{d.Digest, m.Config.Digest}
	for _, l := range m.Layers {
		blobs = append(blobs, l.Digest)
	}
	return blobs, plat, nil
}
