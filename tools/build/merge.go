package build

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Merge combines build outputs of the same package for different arches
// (e.g. one Bazel action per arch, each `lkpkg build --platforms
// linux/<arch>`) into one output directory in Build's format: out/<arch>/
// for each image, out/index/ the multi-arch index, out/result.json. The
// index lists the images in the order of inputs, as Build lists build.yml's
// arches, so merging per-arch builds gives the same index digest as one
// multi-arch build of the same images (attestation manifests, which each
// arch's layout keeps beside its image, come after the images, in the
// same order). Files are copied (never linked):
// inputs may be read-only or symlinks out of a sandbox. out is replaced as
// Build replaces its output directory (CheckOutputDir says which are).
func Merge(out string, inputs []string) (*Result, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("merge: no inputs")
	}
	out, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	final := out
	out, err = stageOutput(final)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	res := &Result{Layout: "index"}
	index := newIndex()
	indexDir := filepath.Join(out, "index")
	seen := map[string]bool{}
	var atts []v1.Descriptor
	var kinds [][]string
	for i, in := range inputs {
		r, err := ReadResult(in)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			res.Ref, res.Tag, res.SourceDateEpoch = r.Ref, r.Tag, r.SourceDateEpoch
		} else if r.Ref != res.Ref || r.SourceDateEpoch != res.SourceDateEpoch {
			return nil, fmt.Errorf("merge: %s is %s (epoch %d), but %s is %s (epoch %d)", in, r.Ref, r.SourceDateEpoch, inputs[0], res.Ref, res.SourceDateEpoch)
		}
		kinds = append(kinds, r.Attestations)
		for _, a := range r.Arches {
			if seen[a.Arch] {
				return nil, fmt.Errorf("merge: two images for %s", a.Arch)
			}
			seen[a.Arch] = true
			src := filepath.Join(in, a.Layout)
			if filepath.Ext(a.Layout) == ".tar" {
				return nil, fmt.Errorf("merge: %s is a tar layout; build with --output-format dir", src)
			}
			dst := filepath.Join(out, a.Arch)
			if err := copyResolved(src, dst); err != nil {
				return nil, err
			}
			if err := copyResolved(filepath.Join(dst, "blobs"), filepath.Join(indexDir, "blobs")); err != nil {
				return nil, err
			}
			root, err := layoutRoot(dst)
			if err != nil {
				return nil, fmt.Errorf("merge: %s: %w", src, err)
			}
			if root.Digest.String() != a.Digest {
				return nil, fmt.Errorf("merge: %s holds %s, but %s says %s", src, root.Digest, filepath.Join(in, "result.json"), a.Digest)
			}
			att, err := layoutAttestation(dst, root.Digest)
			if err != nil {
				return nil, fmt.Errorf("merge: %s: %w", src, err)
			}
			switch {
			case att == nil && a.Attestation != "":
				return nil, fmt.Errorf("merge: %s has no attestation manifest, but %s says %s", src, filepath.Join(in, "result.json"), a.Attestation)
			case att != nil && att.Digest.String() != a.Attestation:
				return nil, fmt.Errorf("merge: %s holds attestation %s, but %s says %q", src, att.Digest, filepath.Join(in, "result.json"), a.Attestation)
			case att != nil:
				atts = append(atts, *att)
			}
			root.Annotations = nil
			index.Manifests = append(index.Manifests, root)
			a.Layout = a.Arch
			res.Arches = append(res.Arches, a)
		}
	}
	// As Build writes it: the images, then their attestations.
	index.Manifests = append(index.Manifests, atts...)
	res.Attestations = commonAttestations(kinds)
	ib, id, err := indexBlob(index, res.Tag, res.Ref)
	if err != nil {
		return nil, err
	}
	res.Digest = id.Digest.String()
	if err := writeLayout(indexDir, indexDir, nil, map[v1.Hash][]byte{id.Digest: ib}, id); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(out, "result.json"), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	if err := commitOutput(out, final); err != nil {
		return nil, err
	}
	return res, nil
}

// copyResolved copies the directory src to dst (merging into it), following
// symlinks: a layout holds none of its own, but a sandbox presents inputs
// as symlinks.
func copyResolved(src, dst string) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range ents {
		from, to := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		fi, err := os.Stat(from)
		if err != nil {
			return err
		}
		if fi.IsDir() {
			if err := copyResolved(from, to); err != nil {
				return err
			}
			continue
		}
		if _, err := os.Lstat(to); err == nil {
			continue // a blob already there: same digest, same content
		}
		if err := copyFile(from, to, 0o644); err != nil {
			return err
		}
	}
	return nil
}
