package push

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// errNotIndex marks a tag that holds something other than an index.
var errNotIndex = errors.New("not an index")

// remoteIndex is an index as the registry has it.
type remoteIndex struct {
	desc v1.Descriptor
	m    *v1.IndexManifest
	// entries are m.Manifests as the registry has them, byte for byte;
	// top holds the index's other fields (annotations, subject...).
	entries []json.RawMessage
	top     map[string]json.RawMessage
	// raw is the index's bytes (kept for the build's index only).
	raw []byte
}

// manifests returns the index's entries (none for a nil index).
func (ri *remoteIndex) manifests() []v1.Descriptor {
	if ri == nil {
		return nil
	}
	return ri.m.Manifests
}

// readIndex returns the index under ref, or nil if there is none.
func (s *session) readIndex(ctx context.Context, ref name.Reference) (*remoteIndex, error) {
	d, err := s.puller.Get(ctx, ref)
	if registry.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !d.MediaType.IsIndex() {
		return nil, fmt.Errorf("%s is a %s, %w", ref, d.MediaType, errNotIndex)
	}
	ri, err := parseIndex(d.Manifest)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	ri.desc = d.Descriptor
	return ri, nil
}

func parseIndex(raw []byte) (*remoteIndex, error) {
	ri := &remoteIndex{}
	var err error
	if ri.m, err = v1.ParseIndexManifest(bytes.NewReader(raw)); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &ri.top); err != nil {
		return nil, err
	}
	if m, ok := ri.top["manifests"]; ok && string(m) != "null" {
		if err := json.Unmarshal(m, &ri.entries); err != nil {
			return nil, err
		}
	}
	if len(ri.entries) != len(ri.m.Manifests) {
		return nil, fmt.Errorf("index has %d manifests but %d entries", len(ri.m.Manifests), len(ri.entries))
	}
	return ri, nil
}

// encodeIndex writes the merged index: entries kept from cur (may be nil)
// exactly as the registry has them, new entries as a build writes them
// (build.MarshalIndexEntry), and cur's own fields (annotations...) kept;
// the media type is always the OCI index's. Without cur, that is the
// bytes a build of the same entries writes.
func encodeIndex(cur *remoteIndex, items []mergeItem) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"schemaVersion":2,"mediaType":%q,"manifests":[`, types.OCIImageIndex)
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		if it.cur >= 0 {
			b.Write(cur.entries[it.cur])
			continue
		}
		e, err := build.MarshalIndexEntry(it.d)
		if err != nil {
			return nil, err
		}
		b.Write(e)
	}
	b.WriteByte(']')
	if cur != nil {
		var keys []string
		for k := range cur.top {
			switch k {
			case "schemaVersion", "mediaType", "manifests":
			default:
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			kb, _ := json.Marshal(k)
			b.WriteByte(',')
			b.Write(kb)
			b.WriteByte(':')
			b.Write(cur.top[k])
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// archTags returns the images under <tag>-<arch> for every arch the
// registry has, with their platforms (from known, else from the config).
func (s *session) archTags(ctx context.Context, tag string, known []v1.Descriptor) ([]v1.Descriptor, error) {
	tags, err := s.puller.List(ctx, s.repo)
	if registry.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing the tags of %s: %w", s.repo, err)
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
		d, err := s.imageEntry(ctx, ref, *h, known)
		if err != nil {
			return nil, err
		}
		if d == nil || d.Platform.Architecture != arch {
			continue
		}
		out = append(out, *d)
	}
	return out, nil
}

// imageEntry returns the index entry for the manifest h under ref, with
// its platform from known (by digest) or else from its config; nil when
// ref is not an image with a platform.
func (s *session) imageEntry(ctx context.Context, ref name.Reference, h v1.Descriptor, known []v1.Descriptor) (*v1.Descriptor, error) {
	for _, k := range known {
		if k.Digest == h.Digest && k.Platform != nil && !isAttestation(k) {
			d := manifestEntry(h, k.Platform)
			return &d, nil
		}
	}
	if !h.MediaType.IsImage() {
		return nil, nil
	}
	img, err := s.puller.Get(ctx, s.repo.Digest(h.Digest.String()))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	if !img.MediaType.IsImage() {
		return nil, nil
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
	if plat == nil {
		return nil, nil
	}
	d := manifestEntry(h, plat)
	return &d, nil
}

func manifestEntry(d v1.Descriptor, p *v1.Platform) v1.Descriptor {
	return v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size, Platform: p}
}

// converge makes the index under tag hold local and every <tag>-<arch>
// image, keeping what else it has (see merge). It returns the index as
// finally read back and whether this call wrote it.
func (s *session) converge(ctx context.Context, tag name.Tag, local []v1.Descriptor) (v1.Descriptor, bool, error) {
	wrote := false
	for attempt := 0; attempt < s.attempts; attempt++ {
		cur, err := s.readIndex(ctx, tag)
		if err != nil {
			return v1.Descriptor{}, wrote, fmt.Errorf("reading the index %s: %w", tag, err)
		}
		tagged, err := s.archTags(ctx, tag.TagStr(), append(slices.Clone(local), cur.manifests()...))
		if err != nil {
			return v1.Descriptor{}, wrote, err
		}
		// Another pusher replaced one of our arch tags with different
		// content (only --force does): do not fight over it.
		for _, l := range local {
			for _, t := range tagged {
				if samePlatform(t.Platform, l.Platform) && t.Digest != l.Digest {
					return v1.Descriptor{}, wrote, fmt.Errorf("%s-%s now holds %s, not the %s this push wrote: another push of the same package and arch with different content is running; rerun when it is done", tag, l.Platform.Architecture, short(t.Digest), short(l.Digest))
				}
			}
		}
		items := merge(cur.manifests(), tagged, local)
		if cur != nil && unchanged(items, len(cur.entries)) {
			return cur.desc, wrote, nil
		}
		// Never write an index that points at a missing manifest.
		items, err = s.present(ctx, tag, items)
		if err != nil {
			return v1.Descriptor{}, wrote, err
		}
		if cur != nil && unchanged(items, len(cur.entries)) {
			return cur.desc, wrote, nil
		}
		raw, err := s.indexBytes(cur, items)
		if err != nil {
			return v1.Descriptor{}, wrote, err
		}
		rm := rawManifest{raw: raw, mt: types.OCIImageIndex}
		if err := s.pusher.Put(ctx, tag, rm); err != nil {
			return v1.Descriptor{}, wrote, fmt.Errorf("writing the index %s: %w (the arch images are pushed; rerun the push or lkpkg manifest to write it)", tag, err)
		}
		wrote = true
		s.out.printf("%s: index with %s written\n", tag, describe(descriptors(items)))
		// Let a concurrent writer's PUT land before reading back.
		time.Sleep(s.settle + time.Duration(rand.Int64N(int64(s.settle))))
	}
	return v1.Descriptor{}, wrote, fmt.Errorf("the index %s kept changing after %d rounds of read-merge-write: other pushes to it are still running; rerun this push", tag, s.attempts)
}

// indexBytes is the index to write for items: when the registry has no
// index yet and items are the entries of the index the build wrote (same
// manifests, same order), that index byte for byte, so the registry's
// digest is the build's (result.json's digest, bazel build's output);
// else encodeIndex.
func (s *session) indexBytes(cur *remoteIndex, items []mergeItem) ([]byte, error) {
	// The index is written as an OCI index (converge's PUT): another
	// media type's bytes are re-encoded.
	if b := s.built; cur == nil && b != nil && b.desc.MediaType == types.OCIImageIndex && len(b.m.Manifests) == len(items) {
		same := true
		for i, it := range items {
			e := b.m.Manifests[i]
			same = same && e.Digest == it.d.Digest && e.MediaType == it.d.MediaType && e.Size == it.d.Size
		}
		if same {
			return b.raw, nil
		}
	}
	return encodeIndex(cur, items)
}

func descriptors(items []mergeItem) []v1.Descriptor {
	out := make([]v1.Descriptor, len(items))
	for i, it := range items {
		out[i] = it.d
	}
	return out
}

// present checks that every manifest of an index exists (HEAD by digest).
// A manifest the registry no longer has is dropped, with its attestations
// (the images this push wrote are known to exist).
func (s *session) present(ctx context.Context, tag name.Tag, items []mergeItem) ([]mergeItem, error) {
	missing := map[string]bool{}
	for _, it := range items {
		d := it.d
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
		return items, nil
	}
	var out []mergeItem
	for _, it := range items {
		d := it.d
		if missing[d.Digest.String()] {
			s.out.printf("%s: dropping %s (%s): the registry no longer has it\n", tag, platformString(d), short(d.Digest))
			continue
		}
		if isAttestation(d) && missing[d.Annotations[annotationRefDigest]] {
			continue
		}
		out = append(out, it)
	}
	return out, nil
}
