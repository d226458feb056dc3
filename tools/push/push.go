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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
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

// session is one push to one repository.
type session struct {
	repo     name.Repository
	o        Options
	pusher   *remote.Pusher
	puller   *remote.Puller
	attempts int
	settle   time.Duration
	out      *progress
	blobs    atomic.Int64
	bytes    atomic.Int64
	exists   sync.Map // digest -> true: manifests known to exist
}

func newSession(ctx context.Context, repo name.Repository, o Options) (*session, error) {
	opts := append(o.Registry.Options(), remote.WithContext(ctx))
	pusher, err := remote.NewPusher(opts...)
	if err != nil {
		return nil, err
	}
	puller, err := remote.NewPuller(opts...)
	if err != nil {
		return nil, err
	}
	s := &session{repo: repo, o: o, pusher: pusher, puller: puller, attempts: o.Attempts, settle: o.Settle, out: &progress{w: o.Progress}}
	if s.attempts <= 0 {
		s.attempts = 10
	}
	if s.settle <= 0 {
		s.settle = 50 * time.Millisecond
	}
	return s, nil
}

// head returns the descriptor of ref, or nil if the registry has none.
func (s *session) head(ctx context.Context, ref name.Reference) (*v1.Descriptor, error) {
	d, err := s.puller.Head(ctx, ref)
	if IsNotFound(err) {
		return nil, nil
	}
	return d, err
}

// pushImage pushes img (described by desc) as tag; it reports whether the
// manifest had to be written.
func (s *session) pushImage(ctx context.Context, tag name.Tag, img v1.Image, desc v1.Descriptor) (bool, error) {
	cur, err := s.head(ctx, tag)
	if err != nil {
		return false, fmt.Errorf("checking the tag: %w", err)
	}
	if cur != nil && cur.Digest == desc.Digest {
		s.out.printf("%s: up to date (%s)\n", tag, short(desc.Digest))
		s.exists.Store(desc.Digest, true)
		return false, nil
	}
	// Blobs: config and layers, in parallel.
	layers, err := img.Layers()
	if err != nil {
		return false, err
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return false, err
	}
	m, err := img.Manifest()
	if err != nil {
		return false, err
	}
	blobs := []v1.Layer{static.NewLayer(cfg, m.Config.MediaType)}
	blobs = append(blobs, layers...)
	g, gctx := errgroup.WithContext(ctx)
	for _, l := range blobs {
		g.Go(func() error { return s.uploadBlob(gctx, tag, l) })
	}
	if err := g.Wait(); err != nil {
		return false, fmt.Errorf("uploading blobs: %w", err)
	}
	if err := s.pusher.Put(ctx, tag, img); err != nil {
		return false, fmt.Errorf("writing the manifest: %w", err)
	}
	// Read back: the tag must resolve to what was written.
	now, err := s.head(ctx, tag)
	if err != nil {
		return false, fmt.Errorf("reading the tag back: %w", err)
	}
	if now == nil || now.Digest != desc.Digest {
		got := "nothing"
		if now != nil {
			got = now.Digest.String()
		}
		return false, fmt.Errorf("after writing %s the registry returns %s for it (another push of the same arch with different content?)", short(desc.Digest), got)
	}
	s.exists.Store(desc.Digest, true)
	s.out.printf("%s: pushed %s\n", tag, short(desc.Digest))
	return true, nil
}

func (s *session) uploadBlob(ctx context.Context, tag name.Tag, l v1.Layer) error {
	d, err := l.Digest()
	if err != nil {
		return err
	}
	size, _ := l.Size()
	start := time.Now()
	cl := &countingLayer{Layer: l}
	if err := s.pusher.Upload(ctx, s.repo, cl); err != nil {
		return fmt.Errorf("blob %s: %w", short(d), err)
	}
	if cl.opened.Load() {
		s.blobs.Add(1)
		s.bytes.Add(cl.n.Load())
		s.out.printf("%s: blob %s %s uploaded in %.1fs\n", tag, short(d), humanSize(size), time.Since(start).Seconds())
	} else {
		s.out.printf("%s: blob %s %s exists\n", tag, short(d), humanSize(size))
	}
	return nil
}

// countingLayer counts the bytes go-containerregistry reads to upload a
// blob; it reads nothing for a blob the registry already has.
type countingLayer struct {
	v1.Layer
	opened atomic.Bool
	n      atomic.Int64
}

func (c *countingLayer) Compressed() (io.ReadCloser, error) {
	rc, err := c.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	c.opened.Store(true)
	return &countingReader{ReadCloser: rc, n: &c.n}, nil
}

type countingReader struct {
	io.ReadCloser
	n *atomic.Int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.n.Add(int64(n))
	return n, err
}

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

// rawManifest is a manifest given as bytes.
type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (r rawManifest) RawManifest() ([]byte, error)        { return r.raw, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return r.mt, nil }

// readLayout opens the one image of an OCI layout directory or tar.
func readLayout(path string) (v1.Image, v1.Descriptor, func(), error) {
	cleanup := func() {}
	dir := path
	if strings.HasSuffix(path, ".tar") {
		tmp, err := os.MkdirTemp("", "lkpkg-layout")
		if err != nil {
			return nil, v1.Descriptor{}, cleanup, err
		}
		cleanup = func() { os.RemoveAll(tmp) }
		if err := untar(path, tmp); err != nil {
			return nil, v1.Descriptor{}, cleanup, err
		}
		dir = tmp
	}
	lp, err := layout.FromPath(dir)
	if err != nil {
		return nil, v1.Descriptor{}, cleanup, err
	}
	ii, err := lp.ImageIndex()
	if err != nil {
		return nil, v1.Descriptor{}, cleanup, err
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return nil, v1.Descriptor{}, cleanup, err
	}
	if len(im.Manifests) != 1 || !im.Manifests[0].MediaType.IsImage() {
		return nil, v1.Descriptor{}, cleanup, errors.New("the layout must hold exactly one image manifest")
	}
	d := im.Manifests[0]
	img, err := ii.Image(d.Digest)
	if err != nil {
		return nil, v1.Descriptor{}, cleanup, err
	}
	// Verify the manifest bytes match their digest.
	raw, err := img.RawManifest()
	if err != nil {
		return nil, v1.Descriptor{}, cleanup, err
	}
	h, n, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil || h != d.Digest || n != d.Size {
		return nil, v1.Descriptor{}, cleanup, fmt.Errorf("manifest %s does not match its digest", d.Digest)
	}
	return img, v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size, Platform: d.Platform}, cleanup, nil
}

func short(h v1.Hash) string {
	if len(h.Hex) > 12 {
		return h.Algorithm + ":" + h.Hex[:12]
	}
	return h.String()
}

func describe(ds []v1.Descriptor) string {
	var parts []string
	n := 0
	for _, d := range ds {
		if isAttestation(d) {
			n++
			continue
		}
		parts = append(parts, platformKey(d))
	}
	s := strings.Join(parts, ", ")
	if n > 0 {
		s += fmt.Sprintf(" (+%d attestations)", n)
	}
	if s == "" {
		s = "no images"
	}
	return s
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1fKiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}

// progress prints whole lines from concurrent uploads.
type progress struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *progress) printf(format string, args ...any) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, args...)
}
