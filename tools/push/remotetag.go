package push

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
)

// TagReport says what RemoteTag did.
type TagReport struct {
	// From and To are the references as resolved (with the registry).
	From, To string
	// Digest is the manifest (or index) both now name.
	Digest v1.Hash
	// Wrote is false when To already named Digest.
	Wrote bool
}

// RemoteTag makes the tag to name what from names, in the registry, as
// `linuxkit pkg remote-tag` does: nothing is pulled to disk, and when to is
// in another repository the blobs are copied (mounted where the registry
// can). from is org/image:tag or org/image@sha256:...; to is org/image:tag;
// a missing tag is "latest"; o.Registry's prefix goes before both.
//
// Unlike linuxkit, an existing to that names another image is refused
// unless o.Force: lkpkg never rewrites a tag that is already published
// (hash tags name one source tree, releases are written once).
func RemoteTag(ctx context.Context, from, to string, o Options) (*TagReport, error) {
	src, err := parseRef(o.Registry, from, true)
	if err != nil {
		return nil, fmt.Errorf("from %w", err)
	}
	dstRef, err := parseRef(o.Registry, to, false)
	if err != nil {
		return nil, fmt.Errorf("to %w", err)
	}
	dst := dstRef.(name.Tag)
	s, err := newSession(ctx, dst.Context(), o)
	if err != nil {
		return nil, err
	}
	d, err := s.puller.Get(ctx, src)
	if registry.IsNotFound(err) {
		return nil, fmt.Errorf("%s is not in the registry: push it first (lkpkg push), or check the name", src)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", src, err)
	}
	rep := &TagReport{From: src.String(), To: dst.String(), Digest: d.Digest}
	cur, err := s.head(ctx, dst)
	if err != nil {
		return nil, fmt.Errorf("checking %s: %w", dst, err)
	}
	switch {
	case cur != nil && cur.Digest == d.Digest:
		s.out.printf("%s already names %s, as %s does: nothing to do\n", dst, short(d.Digest), src)
		return rep, nil
	case cur != nil && !o.Force:
		return nil, fmt.Errorf("%s already names %s, not %s (what %s names): a published tag is never rewritten, so nothing was written; pick another tag, or pass --force to overwrite it", dst, short(cur.Digest), short(d.Digest), src)
	case cur != nil:
		s.warn.printf("%s: overwriting %s with %s (--force)\n", dst, short(cur.Digest), short(d.Digest))
	}
	// Push the image or index itself (not only its manifest bytes), so
	// that a tag in another repository gets the blobs it needs.
	switch {
	case d.MediaType.IsIndex():
		idx, err := d.ImageIndex()
		if err != nil {
			return nil, err
		}
		err = s.pusher.Push(ctx, dst, idx)
		if err != nil {
			return nil, fmt.Errorf("writing %s: %w", dst, err)
		}
	case d.MediaType.IsImage():
		img, err := d.Image()
		if err != nil {
			return nil, err
		}
		if err := s.pusher.Push(ctx, dst, img); err != nil {
			return nil, fmt.Errorf("writing %s: %w", dst, err)
		}
	default:
		return nil, fmt.Errorf("%s is a %s, not an image or an index", src, d.MediaType)
	}
	now, err := s.head(ctx, dst)
	if err != nil {
		return nil, fmt.Errorf("reading %s back: %w", dst, err)
	}
	if now == nil || now.Digest != d.Digest {
		return nil, fmt.Errorf("after writing %s the registry does not return %s for it (another writer?)", dst, short(d.Digest))
	}
	rep.Wrote = true
	s.out.printf("%s: now names %s (%s)\n", dst, short(d.Digest), src)
	return rep, nil
}

// parseRef reads image:tag (or image@digest when digestOK) with reg's
// prefix and plain-HTTP rule applied.
func parseRef(reg registry.Registry, s string, digestOK bool) (name.Reference, error) {
	image, dig, isDigest := strings.Cut(s, "@")
	tag := "latest"
	if !isDigest {
		if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
			image, tag = s[:i], s[i+1:]
		}
	}
	repo, err := reg.Repository(image)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	if isDigest {
		if !digestOK {
			return nil, fmt.Errorf("%q: give a tag (org/image:tag), not a digest", s)
		}
		if _, err := name.NewDigest(repo.Name()+"@"+dig, name.WeakValidation); err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		return repo.Digest(dig), nil
	}
	if _, err := name.NewTag(repo.Name()+":"+tag, name.WeakValidation); err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	return repo.Tag(tag), nil
}
