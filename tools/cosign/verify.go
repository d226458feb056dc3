package cosign

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
)

// sigTagRE matches cosign's own tags (signatures, attestations, SBOMs)
// and the OCI referrers fallback tag, which List skips.
var sigTagRE = regexp.MustCompile(`^sha256-[0-9a-f]{64}(\.[a-z]+)?$`)

// found is one signature layer read from the registry.
type found struct {
	where   string
	payload []byte
	sig     string
	err     error // reading it failed
}

func (f found) verify(pub *ecdsa.PublicKey, d name.Digest) error {
	if f.err != nil {
		return f.err
	}
	raw, err := base64.StdEncoding.DecodeString(f.sig)
	if err != nil {
		return fmt.Errorf("%s: signature is not base64: %w", f.where, err)
	}
	h := sha256.Sum256(f.payload)
	if !ecdsa.VerifyASN1(pub, h[:], raw) {
		return fmt.Errorf("%s: the signature does not verify with key %s", f.where, KeyID(pub))
	}
	var p simpleSigning
	if err := json.Unmarshal(f.payload, &p); err != nil {
		return fmt.Errorf("%s: payload: %w", f.where, err)
	}
	if p.Critical.Type != PayloadType {
		return fmt.Errorf("%s: payload type %q", f.where, p.Critical.Type)
	}
	if p.Critical.Image.DockerManifestDigest != d.DigestStr() {
		return fmt.Errorf("%s: signs %s, not %s", f.where, p.Critical.Image.DockerManifestDigest, d.DigestStr())
	}
	return nil
}

// layers reads the signature layers of the manifest at ref.
func (s *Signer) layers(ctx context.Context, ref name.Reference) ([]found, error) {
	img, err := remote.Image(ref, s.opts(ctx)...)
	if err != nil {
		return nil, err
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	var out []found
	for i, l := range m.Layers {
		if l.MediaType != SimpleSigningMediaType {
			continue
		}
		f := found{where: fmt.Sprintf("%s layer %d", ref, i), sig: l.Annotations[SignatureAnnotation]}
		if f.sig == "" || l.Size > maxPayload {
			continue
		}
		var err error
		if f.payload, err = layerPayload(img, l.Digest); err != nil {
			f.err = fmt.Errorf("%s: reading the payload: %w", f.where, err)
		}
		out = append(out, f)
	}
	return out, nil
}

func (s *Signer) fromTag(ctx context.Context, d name.Digest) ([]found, error) {
	out, err := s.layers(ctx, SignatureTag(d))
	if registry.IsNotFound(err) {
		return nil, nil
	}
	return out, err
}

func (s *Signer) fromReferrers(ctx context.Context, d name.Digest) ([]found, error) {
	descs, ok, err := s.listReferrers(ctx, d)
	if err != nil || !ok {
		return nil, err
	}
	var out []found
	for _, desc := range descs {
		f, err := s.layers(ctx, d.Context().Digest(desc.Digest.String()))
		if err != nil && !registry.IsNotFound(err) {
			return nil, err
		}
		out = append(out, f...)
	}
	return out, nil
}

// Verify checks that d has a signature by the public key, in the
// referrers or under the signature tag. The error wraps sign.ErrNotSigned
// when there is none (and says why the ones there are do not count).
func (s *Signer) Verify(ctx context.Context, d name.Digest) error {
	pub, err := s.publicKey()
	if err != nil {
		return err
	}
	var all []found
	for _, get := range []func(context.Context, name.Digest) ([]found, error){s.fromReferrers, s.fromTag} {
		f, err := get(ctx, d)
		if err != nil {
			return fmt.Errorf("reading the signatures of %s: %w", d, err)
		}
		all = append(all, f...)
	}
	var reasons []string
	for _, f := range all {
		err := f.verify(pub, d)
		if err == nil {
			return nil
		}
		reasons = append(reasons, err.Error())
	}
	if len(reasons) == 0 {
		return fmt.Errorf("%s: no cosign signature: %w", d, sign.ErrNotSigned)
	}
	return fmt.Errorf("%s: no valid cosign signature by key %s (%s): %w", d, KeyID(pub), strings.Join(reasons, "; "), sign.ErrNotSigned)
}

// Signed implements sign.Verifier: the tag's current manifest must carry
// a valid signature.
func (s *Signer) Signed(ctx context.Context, tag name.Tag) (*sign.Signature, error) {
	pub, err := s.publicKey()
	if err != nil {
		return nil, err
	}
	desc, err := remote.Head(tag, s.opts(ctx)...)
	if registry.IsNotFound(err) {
		return nil, fmt.Errorf("%s is not in the registry: %w", tag, sign.ErrNotSigned)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Verify(ctx, tag.Context().Digest(desc.Digest.String())); err != nil {
		return nil, err
	}
	return &sign.Signature{Tag: tag.TagStr(), Digest: desc.Digest, Size: desc.Size, Signer: "cosign:" + KeyID(pub)}, nil
}

// List implements sign.Verifier: every tag of repo (but cosign's own)
// whose manifest carries a valid signature.
func (s *Signer) List(ctx context.Context, repo name.Repository) ([]sign.Signature, error) {
	tags, err := remote.List(repo, s.opts(ctx)...)
	if err != nil {
		return nil, err
	}
	var out []sign.Signature
	for _, t := range tags {
		if sigTagRE.MatchString(t) {
			continue
		}
		sig, err := s.Signed(ctx, repo.Tag(t))
		if errors.Is(err, sign.ErrNotSigned) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *sig)
	}
	return out, nil
}

// layerPayload reads the layer of img with digest d, at most maxPayload+1
// bytes (ggcr checks the digest at EOF).
func layerPayload(img v1.Image, d v1.Hash) ([]byte, error) {
	layer, err := img.LayerByDigest(d)
	if err != nil {
		return nil, err
	}
	rc, err := layer.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, maxPayload+1))
}
