package cosign

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
)

func (s *Signer) writeTag(ctx context.Context, d name.Digest, add mutate.Addendum) error {
	return s.appendTo(ctx, SignatureTag(d), []mutate.Addendum{add})
}

// appendTo adds layers to the image under tag (cosign's signature or
// attestation image), keeping the ones it has.
func (s *Signer) appendTo(ctx context.Context, tag name.Tag, adds []mutate.Addendum) error {
	base, err := remote.Image(tag, s.opts(ctx)...)
	if registry.IsNotFound(err) {
		base, err = emptySignatures(), nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", tag, err)
	}
	img, err := mutate.Append(base, adds...)
	if err != nil {
		return err
	}
	if err := remote.Write(tag, img, s.opts(ctx)...); err != nil {
		return fmt.Errorf("writing %s: %w", tag, err)
	}
	return nil
}

// rawManifest is a manifest to put as it is.
type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (r rawManifest) RawManifest() ([]byte, error)        { return r.raw, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return r.mt, nil }

func (s *Signer) writeReferrer(ctx context.Context, d name.Digest, desc v1.Descriptor, add mutate.Addendum) error {
	img, err := mutate.Append(emptySignatures(), add)
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
	repo := d.Context()
	for _, l := range []v1.Layer{static.NewLayer(cfg, types.OCIConfigJSON), add.Layer} {
		if err := remote.WriteLayer(repo, l, s.opts(ctx)...); err != nil {
			return fmt.Errorf("uploading a signature blob: %w", err)
		}
	}
	mf := m.DeepCopy()
	mf.Config.MediaType = ArtifactType
	mf.ArtifactType = ArtifactType
	mf.Subject = &v1.Descriptor{MediaType: desc.MediaType, Size: desc.Size, Digest: desc.Digest}
	raw, err := json.Marshal(mf)
	if err != nil {
		return err
	}
	h, _, err := v1.SHA256(strings.NewReader(string(raw)))
	if err != nil {
		return err
	}
	ref := repo.Digest(h.String())
	if err := remote.Put(ref, rawManifest{raw, types.OCIManifestSchema1}, s.opts(ctx)...); err != nil {
		return fmt.Errorf("writing the signature manifest %s: %w", ref, err)
	}
	return nil
}

// listReferrers asks the registry's referrers API for the cosign
// signature manifests of d; ok is false when the registry has no such API.
func (s *Signer) listReferrers(ctx context.Context, d name.Digest) (descs []v1.Descriptor, ok bool, err error) {
	repo := d.Context()
	s.mu.Lock()
	known, seen := s.referrers[repo.String()]
	s.mu.Unlock()
	if seen && !known {
		return nil, false, nil
	}
	tr, err := transport.NewWithContext(ctx, repo.Registry, s.cfg.Registry.Auth(repo.Registry), s.cfg.Registry.BaseTransport(), []string{repo.Scope(transport.PullScope)})
	if err != nil {
		return nil, false, fmt.Errorf("reaching %s: %w", repo.RegistryStr(), err)
	}
	u := fmt.Sprintf("%s://%s/v2/%s/referrers/%s?artifactType=%s", repo.Scheme(), repo.RegistryStr(), repo.RepositoryStr(), d.DigestStr(), ArtifactType)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Accept", string(types.OCIImageIndex))
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("asking %s for referrers: %w", repo.RegistryStr(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), string(types.OCIImageIndex)) {
		// distribution 2.x answers 404: no referrers API.
		if resp.StatusCode >= 500 {
			return nil, false, transport.CheckError(resp, http.StatusOK)
		}
		s.mu.Lock()
		s.referrers[repo.String()] = false
		s.mu.Unlock()
		return nil, false, nil
	}
	s.mu.Lock()
	s.referrers[repo.String()] = true
	s.mu.Unlock()
	idx, err := v1.ParseIndexManifest(io.LimitReader(resp.Body, maxPayload))
	if err != nil {
		return nil, true, fmt.Errorf("reading referrers of %s: %w", d, err)
	}
	for _, m := range idx.Manifests {
		// The filter is optional for registries: apply it here.
		if m.ArtifactType == ArtifactType {
			descs = append(descs, m)
		}
	}
	return descs, true, nil
}
