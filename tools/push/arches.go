package push

import (
	"context"
	"fmt"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// archAction is what a push does with one arch's image.
type archAction int

const (
	// archWrite writes <tag>-<arch>.
	archWrite archAction = iota
	// archUpToDate: <tag>-<arch> already holds this image.
	archUpToDate
	// archSkip: the registry already has another image for the arch (under
	// <tag>-<arch>, or in the index <tag>), and a hash tag names one
	// source tree, so it is left as it is (--force overwrites).
	archSkip
)

// archPlan is one arch of a push.
type archPlan struct {
	arch  string
	img   v1.Image
	local v1.Descriptor // the image this build made
	// att and attDesc are the image's attestation manifest (nil: none).
	att     v1.Image
	attDesc *v1.Descriptor
	action  archAction
	// remote is what the registry has for the arch (archSkip).
	remote v1.Descriptor
	// remoteTagged says remote is under <tag>-<arch> (not only in the index).
	remoteTagged bool
}

// final is the image the index names for the arch once the push is done.
func (a *archPlan) final() v1.Descriptor {
	if a.action == archSkip {
		return a.remote
	}
	return a.local
}

// openLayouts reads the arches' layouts, and the index layout when p
// names one. Layout tars are extracted under one temporary directory; the
// returned cleanup removes it, and on error openLayouts has removed it
// already.
func openLayouts(ctx context.Context, p *Package) (_ []*archPlan, built *remoteIndex, cleanup func(), err error) {
	tmp := ""
	cleanup = func() {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	tmpDir := func() (string, error) {
		if tmp == "" {
			d, err := os.MkdirTemp("", "lkpkg-push-")
			if err != nil {
				return "", err
			}
			tmp = d
		}
		return tmp, nil
	}
	var plans []*archPlan
	for _, a := range p.Arches {
		if err := ctx.Err(); err != nil {
			return nil, nil, cleanup, err
		}
		li, err := readLayout(ctx, a.Layout, tmpDir)
		if err != nil {
			return nil, nil, cleanup, fmt.Errorf("%s (%s): reading layout %s: %w", p.Image, a.Arch, a.Layout, err)
		}
		img, desc := li.img, li.desc
		if desc.Platform == nil {
			cf, err := img.ConfigFile()
			if err != nil {
				return nil, nil, cleanup, fmt.Errorf("%s (%s): reading the config in %s: %w", p.Image, a.Arch, a.Layout, err)
			}
			desc.Platform = cf.Platform()
		}
		if desc.Platform == nil || desc.Platform.Architecture != a.Arch {
			return nil, nil, cleanup, fmt.Errorf("%s: layout %s is not a linux/%s image", p.Image, a.Layout, a.Arch)
		}
		plans = append(plans, &archPlan{arch: a.Arch, img: img, local: desc, att: li.att, attDesc: li.attDesc})
	}
	if p.Index != "" {
		if built, err = readBuiltIndex(ctx, p.Index, tmpDir); err != nil {
			return nil, nil, cleanup, fmt.Errorf("%s: reading the index layout %s: %w", p.Image, p.Index, err)
		}
	}
	return plans, built, cleanup, nil
}

// planArches decides, before anything is written, what to do with each
// arch: write it, nothing (up to date), or skip it because the registry
// has another image for it under <tag>-<arch> or in idx (the index <tag>,
// may be nil). force writes instead of skipping.
func (s *session) planArches(ctx context.Context, tag string, plans []*archPlan, idx *remoteIndex, force bool) error {
	for _, a := range plans {
		ref := s.repo.Tag(tag + "-" + a.arch)
		h, err := s.head(ctx, ref)
		if err != nil {
			return fmt.Errorf("checking %s: %w", ref, err)
		}
		switch {
		case h != nil && h.Digest == a.local.Digest:
			a.action = archUpToDate
			s.exists.Store(a.local.Digest, true)
			s.out.printf("%s: up to date (%s)\n", ref, short(a.local.Digest))
		case h != nil && force:
			s.out.printf("%s: overwriting %s with %s (--force)\n", ref, short(h.Digest), short(a.local.Digest))
		case h != nil:
			d, err := s.imageEntry(ctx, ref, *h, idx.manifests())
			if err != nil {
				return err
			}
			if d == nil || d.Platform.Architecture != a.arch {
				return fmt.Errorf("%s already holds %s, which is not a linux/%s image: a hash tag is never rewritten; delete the tag or push with --force", ref, short(h.Digest), a.arch)
			}
			a.action, a.remote, a.remoteTagged = archSkip, *d, true
			s.warn.printf("%s: the registry already has %s, not this build's %s: skipping (a hash tag is never rewritten; --force overwrites)\n", ref, short(d.Digest), short(a.local.Digest))
		default:
			// No <tag>-<arch>: the index may still name an image for the
			// platform (pushed by another tool, or its tag deleted).
			for _, d := range idx.manifests() {
				if isAttestation(d) || !samePlatform(d.Platform, a.local.Platform) || d.Digest == a.local.Digest {
					continue
				}
				if force {
					s.out.printf("%s: replacing %s for %s in the index (--force)\n", s.repo.Tag(tag), short(d.Digest), platformString(d))
					break
				}
				a.action, a.remote = archSkip, d
				s.warn.printf("%s: the index already names %s for %s, not this build's %s: skipping %s (a hash tag is never rewritten; --force overwrites)\n", s.repo.Tag(tag), short(d.Digest), platformString(d), short(a.local.Digest), a.arch)
				break
			}
		}
	}
	for _, a := range plans {
		if a.action == archWrite {
			return nil
		}
	}
	s.out.printf("%s: no new platforms to push\n", s.repo.Tag(tag))
	return nil
}
