package push

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
)

// session is one push to one repository.
type session struct {
	repo     name.Repository
	o        Options
	pusher   *remote.Pusher
	puller   *remote.Puller
	attempts int
	settle   time.Duration
	out      *progress
	warn     *progress
	blobs    atomic.Int64
	bytes    atomic.Int64
	exists   sync.Map // digest -> true: manifests known to exist
	// built is the index the build wrote (Package.Index), nil if none.
	built *remoteIndex
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
	s := &session{repo: repo, o: o, pusher: pusher, puller: puller, attempts: o.Attempts, settle: o.Settle, out: &progress{w: o.Progress}, warn: &progress{w: o.Warnings}}
	if o.Warnings == nil {
		s.warn = s.out
	}
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
	if registry.IsNotFound(err) {
		return nil, nil
	}
	return d, err
}

// pushImage pushes img (described by desc) as tag. Unless overwrite, it
// checks the tag again just before writing the manifest and leaves
// another image that appeared there meanwhile alone: then it returns that
// image's descriptor and writes nothing.
func (s *session) pushImage(ctx context.Context, tag name.Tag, img v1.Image, desc v1.Descriptor, overwrite bool) (*v1.Descriptor, error) {
	// Blobs: config and layers, in parallel.
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return nil, err
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	blobs := []v1.Layer{static.NewLayer(cfg, m.Config.MediaType)}
	blobs = append(blobs, layers...)
	g, gctx := errgroup.WithContext(ctx)
	for _, l := range blobs {
		g.Go(func() error { return s.uploadBlob(gctx, tag, l) })
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("uploading blobs: %w", err)
	}
	if !overwrite {
		now, err := s.head(ctx, tag)
		if err != nil {
			return nil, fmt.Errorf("checking the tag: %w", err)
		}
		if now != nil {
			return now, nil
		}
	}
	if err := s.pusher.Put(ctx, tag, img); err != nil {
		return nil, fmt.Errorf("writing the manifest: %w", err)
	}
	// Read back: the tag must resolve to what was written.
	now, err := s.head(ctx, tag)
	if err != nil {
		return nil, fmt.Errorf("reading the tag back: %w", err)
	}
	if now == nil || now.Digest != desc.Digest {
		got := "nothing"
		if now != nil {
			got = now.Digest.String()
		}
		return nil, fmt.Errorf("after writing %s the registry returns %s for it (another push of the same arch with different content?)", short(desc.Digest), got)
	}
	s.exists.Store(desc.Digest, true)
	s.out.printf("%s: pushed %s\n", tag, short(desc.Digest))
	return nil, nil
}

// pushAttestation pushes the attestation manifest img (desc) by digest,
// with its blobs, unless the registry has it; tag names it in messages.
func (s *session) pushAttestation(ctx context.Context, tag name.Tag, img v1.Image, desc v1.Descriptor) error {
	ref := s.repo.Digest(desc.Digest.String())
	if h, err := s.head(ctx, ref); err != nil {
		return err
	} else if h != nil {
		s.exists.Store(desc.Digest, true)
		return nil
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	blobs := append([]v1.Layer{static.NewLayer(cfg, m.Config.MediaType)}, layers...)
	for _, l := range blobs {
		if err := s.uploadBlob(ctx, tag, l); err != nil {
			return err
		}
	}
	if err := s.pusher.Put(ctx, ref, img); err != nil {
		return fmt.Errorf("writing the attestation manifest: %w", err)
	}
	s.exists.Store(desc.Digest, true)
	s.out.printf("%s: attestations %s pushed\n", tag, short(desc.Digest))
	return nil
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

// rawManifest is a manifest given as bytes.
type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (r rawManifest) RawManifest() ([]byte, error)        { return r.raw, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return r.mt, nil }

func short(h v1.Hash) string {
	if len(h.Hex) > 12 {
		return h.Algorithm + ":" + h.Hex[:12]
	}
	return h.String()
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
