package push

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// readIndex returns the index under tag, or nil if there is none.
func (s *session) readIndex(ctx context.Context, tag name.Tag) (*v1.IndexManifest, *v1.Descriptor, error) {
	d, err := s.puller.Get(ctx, tag)
	if IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if !d.MediaType.IsIndex() {
		return nil, &d.Descriptor, fmt.Errorf("%s is a %s, not an index: refusing to replace it", tag, d.MediaType)
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", tag, err)
	}
	desc := d.Descriptor
	return im, &desc, nil
}

// archTags returns the images under <tag>-<arch> for every arch the
// registry has, with their platforms (from known, else from the config).
func (s *session) archTags(ctx context.Context, tag string, known []v1.Descriptor) ([]v1.Descriptor, error) {
	tags, err := s.puller.List(ctx, s.repo)
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing the tags of %s: %w", s.repo, err)
	}
	byDigest := map[v1.Hash]v1.Descriptor{}
	for _, d := range known {
		byDigest[d.Digest] = d
	}
	var out []v1.Descriptor
	for _, t := range tags {
		arch, ok := strings.CutPrefix(t, tag+"-")
		if !ok || !spec.ValidArch(arch) {
			continue
		}
		ref := s.repo.Tag(t)
		h, err := s.head(ctx, ref)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", ref, err)
		}
		if h == nil {
			continue // deleted meanwhile
		}
		if k, ok := byDigest[h.Digest]; ok && k.Platform != nil {
			out = append(out, manifestEntry(*h, k.Platform))
			continue
		}
		img, err := s.puller.Get(ctx, ref)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", ref, err)
		}
		if !img.MediaType.IsImage() {
			continue
		}
		i, err := img.Image()
		if err != nil {
			return nil, err
		}
		cf, err := i.ConfigFile()
		if err != nil {
			return nil, fmt.Errorf("reading the config of %s: %w", ref, err)
		}
		plat := cf.Platform()
		if plat == nil || plat.Architecture != arch {
			continue
		}
		out = append(out, manifestEntry(*h, plat))
	}
	return out, nil
}

func manifestEntry(d v1.Descriptor, p *v1.Platform) v1.Descriptor {
	return v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size, Platform: p}
}

// converge makes the index under tag hold local and every <tag>-<arch>
// image, keeping what else it has (see Merge). It returns the index as
// finally read back and whether this call wrote it.
func (s *session) converge(ctx context.Context, tag name.Tag, local []v1.Descriptor) (v1.Descriptor, bool, error) {
	wrote := false
	for attempt := 0; attempt < s.attempts; attempt++ {
		cur, curDesc, err := s.readIndex(ctx, tag)
		if err != nil {
			return v1.Descriptor{}, wrote, fmt.Errorf("reading the index %s: %w", tag, err)
		}
		var curM []v1.Descriptor
		if cur != nil {
			curM = cur.Manifests
		}
		tagged, err := s.archTags(ctx, tag.TagStr(), append(append([]v1.Descriptor(nil), local...), curM...))
		if err != nil {
			return v1.Descriptor{}, wrote, err
		}
		// Another pusher replaced one of our arch tags with different
		// content: do not fight over it.
		for _, l := range local {
			for _, t := range tagged {
				if platformKey(t) == platformKey(l) && t.Digest != l.Digest {
					return v1.Descriptor{}, wrote, fmt.Errorf("%s-%s now holds %s, not the %s this push wrote: another push of the same package and arch with different content is running; rerun when it is done", tag, l.Platform.Architecture, short(t.Digest), short(l.Digest))
				}
			}
		}
		merged := Merge(curM, tagged, local)
		if cur != nil && sameSet(merged, curM) {
			return *curDesc, wrote, nil
		}
		// Never write an index that points at a missing manifest.
		merged, err = s.present(ctx, tag, merged)
		if err != nil {
			return v1.Descriptor{}, wrote, err
		}
		if cur != nil && sameSet(merged, curM) {
			return *curDesc, wrote, nil
		}
		im := &v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: merged}
		raw, err := json.Marshal(im)
		if err != nil {
			return v1.Descriptor{}, wrote, err
		}
		rm := rawManifest{raw: raw, mt: types.OCIImageIndex}
		if err := s.pusher.Put(ctx, tag, rm); err != nil {
			return v1.Descriptor{}, wrote, fmt.Errorf("writing the index %s: %w (the arch images are pushed; rerun the push or lkpkg manifest to write it)", tag, err)
		}
		wrote = true
		s.out.printf("%s: index with %s written\n", tag, describe(merged))
		// Let a concurrent writer's PUT land before reading back.
		time.Sleep(s.settle + time.Duration(rand.Int64N(int64(s.settle))))
	}
	return v1.Descriptor{}, wrote, fmt.Errorf("the index %s kept changing after %d rounds of read-merge-write: other pushes to it are still running; rerun this push", tag, s.attempts)
}

// present checks that every manifest of an index exists (HEAD by digest).
// A missing local image is an error; a missing manifest kept from the
// registry's index is dropped, with its attestations.
func (s *session) present(ctx context.Context, tag name.Tag, ds []v1.Descriptor) ([]v1.Descriptor, error) {
	missing := map[string]bool{}
	for _, d := range ds {
		if _, ok := s.exists.Load(d.Digest); ok {
			continue
		}
		h, err := s.head(ctx, s.repo.Digest(d.Digest.String()))
		if err != nil {
			return nil, fmt.Errorf("checking %s@%s before writing the index: %w", s.repo, short(d.Digest), err)
		}
		if h == nil {
			missing[d.Digest.String()] = true
			continue
		}
		s.exists.Store(d.Digest, true)
	}
	if len(missing) == 0 {
		return ds, nil
	}
	var out []v1.Descriptor
	for _, d := range ds {
		if missing[d.Digest.String()] {
			s.out.printf("%s: dropping %s (%s): the registry no longer has it\n", tag, platformKey(d), short(d.Digest))
			continue
		}
		if isAttestation(d) && missing[d.Annotations[annotationRefDigest]] {
			continue
		}
		out = append(out, d)
	}
	return out, nil
}
