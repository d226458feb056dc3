package push

import (
	"bytes"
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// checkRelease fails early when the release tag exists and holds an image
// that is neither being pushed (local) nor in the registry's index under
// tag: writing the release would then drop or replace it.
func (s *session) checkRelease(ctx context.Context, release string, tag name.Tag, local []v1.Descriptor) error {
	rel := s.repo.Tag(release)
	cur, curDesc, err := s.readIndex(ctx, rel)
	if err != nil {
		if curDesc != nil {
			return fmt.Errorf("release %s already exists and is not an index: releases are never overwritten; pick a new release name", rel)
		}
		return fmt.Errorf("checking release %s: %w", rel, err)
	}
	if cur == nil {
		return nil
	}
	candidates := append([]v1.Descriptor(nil), local...)
	if idx, _, err := s.readIndex(ctx, tag); err == nil && idx != nil {
		candidates = append(candidates, idx.Manifests...)
	}
	return s.releaseCompatible(rel, cur, candidates)
}

func (s *session) releaseCompatible(rel name.Tag, cur *v1.IndexManifest, next []v1.Descriptor) error {
	if cur == nil || next == nil {
		return nil
	}
	var images []v1.Descriptor
	for _, d := range cur.Manifests {
		if !isAttestation(d) {
			images = append(images, d)
		}
	}
	if !containsAll(next, images) {
		return fmt.Errorf("release %s already exists with %s, which this push would drop or replace: releases are never overwritten; pick a new release name", rel, describe(images))
	}
	return nil
}

// release points rel at idx unless it exists with something idx lacks.
func (s *session) release(ctx context.Context, rel name.Tag, idx v1.Descriptor) (bool, error) {
	cur, curDesc, err := s.readIndex(ctx, rel)
	if err != nil {
		if curDesc != nil {
			return false, fmt.Errorf("release %s already exists and is not an index: releases are never overwritten", rel)
		}
		return false, fmt.Errorf("checking release %s: %w", rel, err)
	}
	if curDesc != nil && curDesc.Digest == idx.Digest {
		s.out.printf("%s: up to date\n", rel)
		return false, nil
	}
	d, err := s.puller.Get(ctx, s.repo.Digest(idx.Digest.String()))
	if err != nil {
		return false, fmt.Errorf("reading the index %s: %w", short(idx.Digest), err)
	}
	next, err := v1.ParseIndexManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		return false, err
	}
	if err := s.releaseCompatible(rel, cur, next.Manifests); err != nil {
		return false, err
	}
	if err := s.pusher.Put(ctx, rel, rawManifest{raw: d.Manifest, mt: d.MediaType}); err != nil {
		return false, fmt.Errorf("writing release %s: %w", rel, err)
	}
	s.out.printf("%s: release written (%s)\n", rel, short(idx.Digest))
	return true, nil
}
