package push

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// A release tag is written once: when it exists already it is left alone
// if it names the same images as the index being released, and the push
// is refused otherwise, before anything is written (checkRelease), and
// again at the end (release) should another push have got there first.

// readRelease returns the release's index, or nil if there is none.
func (s *session) readRelease(ctx context.Context, rel name.Tag) (*remoteIndex, error) {
	cur, err := s.readIndex(ctx, rel)
	if errors.Is(err, errNotIndex) {
		return nil, fmt.Errorf("release %s already exists and is not an index: releases are never overwritten; pick a new release name", rel)
	}
	if err != nil {
		return nil, fmt.Errorf("checking release %s: %w", rel, err)
	}
	return cur, nil
}

// checkRelease fails when the release tag exists and names other images
// than want, the manifests of the index this push will write.
func (s *session) checkRelease(ctx context.Context, rel name.Tag, want []v1.Descriptor) error {
	cur, err := s.readRelease(ctx, rel)
	if err != nil || cur == nil {
		return err
	}
	if !sameImages(cur.m.Manifests, want) {
		return fmt.Errorf("%w, so nothing was pushed; %s", refuseRelease(rel, cur.m.Manifests, want), releaseFix(rel))
	}
	return nil
}

func refuseRelease(rel name.Tag, cur, want []v1.Descriptor) error {
	return fmt.Errorf("release %s already exists with %s, and this push would make it %s: releases are never overwritten", rel, describe(cur), describe(want))
}

func releaseFix(rel name.Tag) string {
	return fmt.Sprintf("pick a new release name (to release arches pushed separately, push them without --release, then run lkpkg manifest --release %s)", rel.TagStr())
}

// release points rel at the index idx. An existing release is left as it
// is when it names the same images, and refused otherwise. It returns the
// index the release tag holds and whether this call wrote it.
func (s *session) release(ctx context.Context, rel name.Tag, idx v1.Descriptor) (v1.Descriptor, bool, error) {
	cur, err := s.readRelease(ctx, rel)
	if err != nil {
		return v1.Descriptor{}, false, err
	}
	if cur != nil && cur.desc.Digest == idx.Digest {
		s.out.printf("%s: up to date\n", rel)
		return cur.desc, false, nil
	}
	d, err := s.puller.Get(ctx, s.repo.Digest(idx.Digest.String()))
	if err != nil {
		return v1.Descriptor{}, false, fmt.Errorf("reading the index %s: %w", short(idx.Digest), err)
	}
	next, err := v1.ParseIndexManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		return v1.Descriptor{}, false, err
	}
	if cur != nil {
		if !sameImages(cur.m.Manifests, next.Manifests) {
			return v1.Descriptor{}, false, fmt.Errorf("%w (another push wrote it meanwhile; the images and the index are pushed); %s", refuseRelease(rel, cur.m.Manifests, next.Manifests), releaseFix(rel))
		}
		s.out.printf("%s: the release already names the same images (%s): leaving it as it is\n", rel, short(cur.desc.Digest))
		return cur.desc, false, nil
	}
	if err := s.pusher.Put(ctx, rel, rawManifest{raw: d.Manifest, mt: d.MediaType}); err != nil {
		return v1.Descriptor{}, false, fmt.Errorf("writing release %s: %w", rel, err)
	}
	s.out.printf("%s: release written (%s)\n", rel, short(idx.Digest))
	return idx, true, nil
}
