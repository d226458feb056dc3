// Package push publishes what `lkpkg build` wrote to a registry: each
// arch's image as org/image:<tag>-<arch>, then the multi-arch index as
// org/image:<tag>, merged with the index the registry already has, then an
// optional release tag; and it hands every tag it wrote to a sign.Signer.
//
// Order of operations, so that no reader ever sees an index that points
// at a missing manifest and a push that cannot be signed changes nothing:
//
//  1. refuse a dirty package; per arch, decide what to do: a hash tag
//     names one source tree, so an arch the registry already has another
//     image for (under <tag>-<arch> or in the index) is skipped unless
//     Force; check an existing release tag names the images the index
//     will hold (else refuse); Signer.Prepare (unlocks keys: a wrong
//     passphrase stops here). Nothing is written before this step passes.
//  2. per arch written: blobs (skipped when the registry has them), then
//     the manifest under <tag>-<arch>, then a HEAD to check the tag resolves
//  3. index: read the registry's index and the <tag>-<arch> tags, merge
//     (see Merge), check every child exists, write, and read back; repeat
//     until a read needs no change. Two pushers racing on the index each
//     keep reading back until the index has what the other pushed, so
//     both arches end up in it (the last writer always reads after the
//     last write, and sees every arch tag, because each pusher writes its
//     arch tag before it first reads the index).
//  4. sign <tag>-<arch> and <tag> (the index digest as finally read
//     back); with a signer that attests (cosign), attach each pushed
//     image's SPDX SBOM to it, signed; then the release tag (written only
//     when it does not exist).
package push

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
)

// Package is what to push: the package's image name, its tag and the
// per-arch OCI layouts.
type Package struct {
	// Image is org/image (the org may start with a registry host).
	Image string
	// Tag is the package tag (the hash, or build.yml's tag template).
	Tag string
	// Arches are the images to push.
	Arches []Arch
	// Index is the build's multi-arch index layout (directory or .tar;
	// optional). Pushed to a registry that has no index yet, as it is:
	// the registry's digest is then the build's. An index merged with
	// what the registry has is another index, with another digest.
	Index string
	// Dirty packages are refused.
	Dirty bool
	// Dir names the package in messages.
	Dir string
}

// Arch is one architecture's image layout.
type Arch struct {
	Arch string
	// Layout is an OCI layout directory (or .tar) holding one image.
	Layout string
}

// FromBuild reads the result.json `lkpkg build` wrote in dir
// (build.ReadResult, which refuses arches and layouts that would reach
// outside dir) and returns the package to push as image (org/image), with
// the tag from result.json.
func FromBuild(dir, image string) (*Package, *build.Result, error) {
	r, err := build.ReadResult(dir)
	if err != nil {
		return nil, nil, err
	}
	p := &Package{Image: image, Tag: r.Tag, Index: filepath.Join(dir, r.Layout)}
	for _, a := range r.Arches {
		p.Arches = append(p.Arches, Arch{Arch: a.Arch, Layout: filepath.Join(dir, a.Layout)})
	}
	return p, r, nil
}

// Options configure Push.
type Options struct {
	Registry registry.Registry
	// Release also tags the index as this, once: an existing release is
	// left alone when it names the same images, refused otherwise.
	Release string
	// Force writes <tag>-<arch> even when the registry already has
	// another image there (or for the arch in the index <tag>).
	Force bool
	// Signer signs the tags written; nil pushes unsigned.
	Signer sign.Signer
	// Progress receives one line per blob and per tag; nil is quiet.
	Progress io.Writer
	// Warnings receives a line for each tag left as the registry has it
	// (a hash tag holding another image): --progress quiet must not hide
	// that this build was not pushed. nil falls back to Progress.
	Warnings io.Writer
	// Attempts bounds the index read-merge-write rounds (default 10).
	Attempts int
	// Settle is how long to wait after writing the index before reading
	// it back (default 50ms, with jitter).
	Settle time.Duration
}

// Report says what a push did.
type Report struct {
	Repository string
	// Index is the index as finally read back.
	Index v1.Descriptor
	// Arches are the per-arch manifests the index names for the arches
	// pushed (the registry's for skipped arches).
	Arches map[string]v1.Descriptor
	// Written lists the tags whose manifest was written (not already there).
	Written []string
	// Skipped lists the arches left as the registry has them (see
	// Options.Force).
	Skipped []string
	// Attestations are the attestation manifests pushed with the images
	// (by digest, untagged; the index lists each after the images).
	Attestations []v1.Descriptor
	// BlobsUploaded and BytesUploaded count blob uploads.
	BlobsUploaded int
	BytesUploaded int64
	// Signed lists the targets handed to the signer.
	Signed []string
	// Attested lists the attestations handed to the signer (a
	// sign.Attester): each pushed image's SPDX SBOM.
	Attested []string
	// Release is the index the release tag holds (Options.Release).
	Release v1.Descriptor
}

// Push pushes p. See the package comment for the order of operations.
func Push(ctx context.Context, p *Package, o Options) (*Report, error) {
	if p.Dirty {
		return nil, fmt.Errorf("%s has uncommitted changes (tag %s): refusing to push a dirty package; commit them, or build with --hash to push a development tag", p.Dir, p.Tag)
	}
	repo, err := o.Registry.Repository(p.Image)
	if err != nil {
		return nil, err
	}
	s, err := newSession(ctx, repo, o)
	if err != nil {
		return nil, err
	}
	plans, built, cleanup, err := openLayouts(ctx, p)
	if err != nil {
		return nil, err
	}
	s.built = built
	// The layouts are read lazily while uploading: remove extracted tars
	// only when the push is over, however it ends.
	defer cleanup()

	// 1. Decide, and check, before the registry changes.
	idxTag := repo.Tag(p.Tag)
	idx, err := s.readIndex(ctx, idxTag)
	if err != nil {
		return nil, fmt.Errorf("reading the index %s: %w", idxTag, err)
	}
	if err := s.planArches(ctx, p.Tag, plans, idx, o.Force); err != nil {
		return nil, err
	}
	var local, known []v1.Descriptor // local: images of this build the index must name
	for _, a := range plans {
		known = append(known, a.final())
		if a.action != archSkip {
			local = append(local, a.local)
		}
	}
	if o.Release != "" {
		tagged, err := s.archTags(ctx, p.Tag, append(known, idx.manifests()...))
		if err != nil {
			return nil, err
		}
		if err := s.checkRelease(ctx, repo.Tag(o.Release), Merge(idx.manifests(), tagged, local)); err != nil {
			return nil, err
		}
	}
	if o.Signer != nil {
		if err := o.Signer.Prepare(ctx, repo); err != nil {
			return nil, fmt.Errorf("%s: %s signing is not ready, so nothing was pushed: %w", repo, o.Signer.Name(), err)
		}
	}
	rep := &Report{Repository: repo.String(), Arches: map[string]v1.Descriptor{}}

	// 2. Per-arch images, and their attestation manifests (by digest).
	var targets []sign.Target
	var atts []v1.Descriptor
	for _, a := range plans {
		tag := repo.Tag(p.Tag + "-" + a.arch)
		if a.action == archWrite {
			taken, err := s.pushImage(ctx, tag, a.img, a.local, o.Force)
			if err != nil {
				return nil, fmt.Errorf("pushing %s to %s: %w (nothing points at it yet; rerun the push to resume, blobs already uploaded are skipped)", tag, repo.RegistryStr(), err)
			}
			switch {
			case taken == nil:
				rep.Written = append(rep.Written, tag.String())
			case taken.Digest == a.local.Digest:
				a.action = archUpToDate
			default:
				// Another push wrote the arch meanwhile: it stays.
				d, err := s.imageEntry(ctx, tag, *taken, nil)
				if err != nil {
					return nil, err
				}
				if d == nil || d.Platform.Architecture != a.arch {
					return nil, fmt.Errorf("%s was just written by another push with %s, which is not a linux/%s image: rerun when it is done", tag, short(taken.Digest), a.arch)
				}
				s.warn.printf("%s: another push wrote %s meanwhile: skipping (a hash tag is never rewritten; --force overwrites)\n", tag, short(d.Digest))
				a.action, a.remote, a.remoteTagged = archSkip, *d, true
				local = slices.DeleteFunc(local, func(l v1.Descriptor) bool { return l.Digest == a.local.Digest })
			}
		}
		if a.action == archSkip {
			rep.Skipped = append(rep.Skipped, a.arch)
		} else if a.att != nil {
			if err := s.pushAttestation(ctx, tag, a.att, *a.attDesc); err != nil {
				return nil, fmt.Errorf("pushing the attestations of %s to %s: %w (nothing points at them yet; rerun the push to resume)", tag, repo.RegistryStr(), err)
			}
			atts = append(atts, *a.attDesc)
			rep.Attestations = append(rep.Attestations, *a.attDesc)
		}
		rep.Arches[a.arch] = a.final()
		if a.action != archSkip || a.remoteTagged {
			targets = append(targets, sign.Target{Tag: tag, Descriptor: manifestDesc(a.final())})
		}
	}

	// 3. Index.
	local = append(local, atts...)
	idxDesc, wrote, err := s.converge(ctx, idxTag, local)
	if err != nil {
		return nil, err
	}
	if wrote {
		rep.Written = append(rep.Written, idxTag.String())
	}
	rep.Index = idxDesc

	// 4. Sign; then make sure what was signed is what the registry has.
	if o.Signer != nil {
		for attempt := 0; ; attempt++ {
			all := append(slices.Clone(targets), sign.Target{Tag: idxTag, Descriptor: idxDesc})
			if err := o.Signer.Sign(ctx, all); err != nil {
				return rep, fmt.Errorf("%s: signing with %s: %w (the images are pushed; rerun the same push to sign them)", repo, o.Signer.Name(), err)
			}
			now, err := s.head(ctx, idxTag)
			if err != nil {
				return rep, fmt.Errorf("%s: reading back %s after signing: %w", repo, idxTag, err)
			}
			if now != nil && now.Digest == idxDesc.Digest {
				rep.Signed = nil
				for _, t := range all {
					rep.Signed = append(rep.Signed, t.String())
				}
				break
			}
			if attempt >= s.attempts {
				return rep, fmt.Errorf("%s: the index %s kept changing while it was being signed", repo, idxTag)
			}
			// Another push changed the index meanwhile: converge and sign
			// again so the signature matches the final index.
			idxDesc, _, err = s.converge(ctx, idxTag, local)
			if err != nil {
				return rep, err
			}
			rep.Index = idxDesc
		}
	}

	// 5. Attestations: each image's SBOM, signed, attached to it.
	if at, ok := o.Signer.(sign.Attester); ok {
		atts, err := sbomAttestations(repo, p.Tag, plans)
		if err != nil {
			return rep, err
		}
		if len(atts) > 0 {
			if err := at.Attest(ctx, atts); err != nil {
				return rep, fmt.Errorf("%s: attaching the SBOMs with %s: %w (the images are pushed and signed; rerun the same push to attach them)", repo, o.Signer.Name(), err)
			}
			for _, a := range atts {
				rep.Attested = append(rep.Attested, a.String())
			}
		}
	}

	// 6. Release.
	if o.Release != "" {
		if err := s.releaseAndSign(ctx, repo.Tag(o.Release), idxDesc, rep); err != nil {
			return rep, err
		}
	}
	rep.BlobsUploaded = int(s.blobs.Load())
	rep.BytesUploaded = s.bytes.Load()
	return rep, nil
}

// releaseAndSign writes (see release) and signs the release tag rel.
func (s *session) releaseAndSign(ctx context.Context, rel name.Tag, idx v1.Descriptor, rep *Report) error {
	d, wrote, err := s.release(ctx, rel, idx)
	if err != nil {
		return err
	}
	rep.Release = d
	if wrote {
		rep.Written = append(rep.Written, rel.String())
	}
	if s.o.Signer != nil {
		t := sign.Target{Tag: rel, Descriptor: manifestDesc(d)}
		if err := s.o.Signer.Sign(ctx, []sign.Target{t}); err != nil {
			return fmt.Errorf("%s: signing %s: %w", s.repo, rel, err)
		}
		rep.Signed = append(rep.Signed, t.String())
	}
	return nil
}

// Manifest assembles org/image:<tag> from the <tag>-<arch> tags the
// registry has, merged with the index it has, and signs it when a signer
// is given. Nothing local is read.
func Manifest(ctx context.Context, image, tag string, o Options) (*Report, error) {
	repo, err := o.Registry.Repository(image)
	if err != nil {
		return nil, err
	}
	s, err := newSession(ctx, repo, o)
	if err != nil {
		return nil, err
	}
	idxTag := repo.Tag(tag)
	idx, err := s.readIndex(ctx, idxTag)
	if err != nil {
		return nil, fmt.Errorf("reading the index %s: %w", idxTag, err)
	}
	tagged, err := s.archTags(ctx, tag, idx.manifests())
	if err != nil {
		return nil, err
	}
	if len(tagged) == 0 {
		return nil, fmt.Errorf("%s has no %s-<arch> tags: push the arches first (lkpkg push)", repo, tag)
	}
	if o.Release != "" {
		if err := s.checkRelease(ctx, repo.Tag(o.Release), Merge(idx.manifests(), tagged, nil)); err != nil {
			return nil, err
		}
	}
	if o.Signer != nil {
		if err := o.Signer.Prepare(ctx, repo); err != nil {
			return nil, fmt.Errorf("%s: %s signing is not ready, so nothing was pushed: %w", repo, o.Signer.Name(), err)
		}
	}
	rep := &Report{Repository: repo.String(), Arches: map[string]v1.Descriptor{}}
	for _, d := range tagged {
		rep.Arches[d.Platform.Architecture] = d
	}
	idxDesc, wrote, err := s.converge(ctx, idxTag, nil)
	if err != nil {
		return nil, err
	}
	rep.Index = idxDesc
	if wrote {
		rep.Written = append(rep.Written, idxTag.String())
	}
	if o.Signer != nil {
		t := sign.Target{Tag: idxTag, Descriptor: idxDesc}
		if err := o.Signer.Sign(ctx, []sign.Target{t}); err != nil {
			return rep, fmt.Errorf("%s: signing with %s: %w", repo, o.Signer.Name(), err)
		}
		rep.Signed = append(rep.Signed, t.String())
	}
	if o.Release != "" {
		if err := s.releaseAndSign(ctx, repo.Tag(o.Release), idxDesc, rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// manifestDesc is d without the platform and annotations: what a signature
// covers (the manifest bytes).
func manifestDesc(d v1.Descriptor) v1.Descriptor {
	return v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
}
