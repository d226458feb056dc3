// Package push publishes what `lkpkg build` wrote to a registry: each
// arch's image as org/image:<tag>-<arch>, then the multi-arch index as
// org/image:<tag>, merged with the index the registry already has, then an
// optional release tag; and it hands every tag it wrote to a sign.Signer.
//
// Order of operations, so that no reader ever sees an index that points
// at a missing manifest and a push that cannot be signed changes nothing:
//
//  1. refuse a dirty package; check an existing release tag may be
//     written; Signer.Prepare (unlocks keys: a wrong passphrase stops here)
//  2. per arch: blobs (skipped when the registry has them), then the
//     manifest under <tag>-<arch>, then a HEAD to check the tag resolves
//  3. index: read the registry's index and the <tag>-<arch> tags, merge
//     (see Merge), check every child exists, write, and read back; repeat
//     until a read needs no change. Two pushers racing on the index each
//     keep reading back until the index has what the other pushed, so
//     both arches end up in it (the last writer always reads after the
//     last write, and sees every arch tag, because each pusher writes its
//     arch tag before it first reads the index).
//  4. sign <tag>-<arch> and <tag> (the index digest as finally read
//     back), then the release tag.
package push

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
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

// FromBuild reads the result.json `lkpkg build` wrote in dir and returns
// the package to push as image (org/image), with the tag from result.json.
func FromBuild(dir, image string) (*Package, *build.Result, error) {
	b, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("no build output in %s (%v): run lkpkg build first", dir, err)
	}
	var r build.Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, "result.json"), err)
	}
	if r.Tag == "" || len(r.Arches) == 0 {
		return nil, nil, fmt.Errorf("%s lists no tag or no arches", filepath.Join(dir, "result.json"))
	}
	p := &Package{Image: image, Tag: r.Tag}
	for _, a := range r.Arches {
		p.Arches = append(p.Arches, Arch{Arch: a.Arch, Layout: filepath.Join(dir, a.Layout)})
	}
	return p, &r, nil
}

// Options configure Push.
type Options struct {
	Registry Registry
	// Release also tags the index as this (never replacing a release that
	// holds something the new index lacks).
	Release string
	// Signer signs the tags written; nil pushes unsigned.
	Signer sign.Signer
	// Progress receives one line per blob and per tag; nil is quiet.
	Progress io.Writer
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
	// Arches are the per-arch manifests pushed.
	Arches map[string]v1.Descriptor
	// Written lists the tags whose manifest was written (not already there).
	Written []string
	// BlobsUploaded and BytesUploaded count blob uploads.
	BlobsUploaded int
	BytesUploaded int64
	// Signed lists the targets handed to the signer.
	Signed []string
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
	rep := &Report{Repository: repo.String(), Arches: map[string]v1.Descriptor{}}

	// Local images.
	type localImage struct {
		arch string
		img  v1.Image
		desc v1.Descriptor
	}
	var locals []localImage
	var localDescs []v1.Descriptor
	for _, a := range p.Arches {
		img, desc, cleanup, err := readLayout(a.Layout)
		if err != nil {
			return nil, fmt.Errorf("%s (%s): reading layout %s: %w", p.Image, a.Arch, a.Layout, err)
		}
		defer cleanup()
		if desc.Platform == nil {
			cf, err := img.ConfigFile()
			if err != nil {
				return nil, err
			}
			desc.Platform = cf.Platform()
		}
		if desc.Platform == nil || desc.Platform.Architecture != a.Arch {
			return nil, fmt.Errorf("%s: layout %s is not a linux/%s image", p.Image, a.Layout, a.Arch)
		}
		locals = append(locals, localImage{a.Arch, img, desc})
		localDescs = append(localDescs, desc)
	}

	// 1. Checks that must pass before the registry changes.
	if o.Release != "" {
		if err := s.checkRelease(ctx, o.Release, repo.Tag(p.Tag), localDescs); err != nil {
			return nil, err
		}
	}
	if o.Signer != nil {
		if err := o.Signer.Prepare(ctx, repo); err != nil {
			return nil, fmt.Errorf("%s: %s signing is not ready, so nothing was pushed: %w", repo, o.Signer.Name(), err)
		}
	}

	// 2. Per-arch images.
	var targets []sign.Target
	for _, l := range locals {
		tag := repo.Tag(p.Tag + "-" + l.arch)
		wrote, err := s.pushImage(ctx, tag, l.img, l.desc)
		if err != nil {
			return nil, fmt.Errorf("pushing %s to %s: %w (nothing points at it yet; rerun the push to resume, blobs already uploaded are skipped)", tag, repo.RegistryStr(), err)
		}
		if wrote {
			rep.Written = append(rep.Written, tag.String())
		}
		rep.Arches[l.arch] = l.desc
		targets = append(targets, sign.Target{Tag: tag, Descriptor: manifestDesc(l.desc)})
	}

	// 3. Index.
	idxTag := repo.Tag(p.Tag)
	idx, wrote, err := s.converge(ctx, idxTag, localDescs)
	if err != nil {
		return nil, err
	}
	if wrote {
		rep.Written = append(rep.Written, idxTag.String())
	}
	rep.Index = idx

	// 4. Sign; then make sure what was signed is what the registry has.
	if o.Signer != nil {
		for attempt := 0; ; attempt++ {
			all := append(append([]sign.Target(nil), targets...), sign.Target{Tag: idxTag, Descriptor: idx})
			if err := o.Signer.Sign(ctx, all); err != nil {
				return rep, fmt.Errorf("%s: signing with %s: %w (the images are pushed; rerun the same push to sign them)", repo, o.Signer.Name(), err)
			}
			now, err := s.head(ctx, idxTag)
			if err != nil {
				return rep, fmt.Errorf("%s: reading back %s after signing: %w", repo, idxTag, err)
			}
			if now != nil && now.Digest == idx.Digest {
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
			idx, _, err = s.converge(ctx, idxTag, localDescs)
			if err != nil {
				return rep, err
			}
			rep.Index = idx
		}
	}

	// 5. Release.
	if o.Release != "" {
		rel := repo.Tag(o.Release)
		wrote, err := s.release(ctx, rel, idx)
		if err != nil {
			return rep, err
		}
		if wrote {
			rep.Written = append(rep.Written, rel.String())
		}
		if o.Signer != nil {
			if err := o.Signer.Sign(ctx, []sign.Target{{Tag: rel, Descriptor: idx}}); err != nil {
				return rep, fmt.Errorf("%s: signing %s: %w", repo, rel, err)
			}
			rep.Signed = append(rep.Signed, sign.Target{Tag: rel, Descriptor: idx}.String())
		}
	}
	rep.BlobsUploaded = int(s.blobs.Load())
	rep.BytesUploaded = s.bytes.Load()
	return rep, nil
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
	if o.Release != "" {
		if err := s.checkRelease(ctx, o.Release, repo.Tag(tag), nil); err != nil {
			return nil, err
		}
	}
	if o.Signer != nil {
		if err := o.Signer.Prepare(ctx, repo); err != nil {
			return nil, fmt.Errorf("%s: %s signing is not ready, so nothing was pushed: %w", repo, o.Signer.Name(), err)
		}
	}
	rep := &Report{Repository: repo.String(), Arches: map[string]v1.Descriptor{}}
	idxTag := repo.Tag(tag)
	tagged, err := s.archTags(ctx, tag, nil)
	if err != nil {
		return nil, err
	}
	if len(tagged) == 0 {
		return nil, fmt.Errorf("%s has no %s-<arch> tags: push the arches first (lkpkg push)", repo, tag)
	}
	for _, d := range tagged {
		rep.Arches[d.Platform.Architecture] = d
	}
	idx, wrote, err := s.converge(ctx, idxTag, nil)
	if err != nil {
		return nil, err
	}
	rep.Index = idx
	if wrote {
		rep.Written = append(rep.Written, idxTag.String())
	}
	var targets []sign.Target
	targets = append(targets, sign.Target{Tag: idxTag, Descriptor: idx})
	if o.Release != "" {
		rel := repo.Tag(o.Release)
		wrote, err := s.release(ctx, rel, idx)
		if err != nil {
			return rep, err
		}
		if wrote {
			rep.Written = append(rep.Written, rel.String())
		}
		targets = append(targets, sign.Target{Tag: rel, Descriptor: idx})
	}
	if o.Signer != nil {
		if err := o.Signer.Sign(ctx, targets); err != nil {
			return rep, fmt.Errorf("%s: signing with %s: %w", repo, o.Signer.Name(), err)
		}
		for _, t := range targets {
			rep.Signed = append(rep.Signed, t.String())
		}
	}
	return rep, nil
}

// manifestDesc is d without the platform and annotations: what a signature
// covers (the manifest bytes).
func manifestDesc(d v1.Descriptor) v1.Descriptor {
	return v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
}
