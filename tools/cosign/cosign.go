// Package cosign signs pushed images the way cosign does with a key pair
// (`cosign sign --key cosign.key`), with go-containerregistry and the Go
// crypto packages only, and verifies such signatures.
//
// A signature is the simple-signing payload
//
//	{"critical":{"identity":{"docker-reference":REPO},"image":{"docker-manifest-digest":DIGEST},"type":"cosign container image signature"},"optional":null}
//
// signed with ECDSA P-256 (ASN.1 signature of its sha256, base64 in the
// annotation dev.cosignproject.cosign/signature of the layer that holds
// the payload, media type application/vnd.dev.cosign.simplesigning.v1+json).
// It is stored in the registry next to the image, one of two ways:
//
//   - referrers (OCI 1.1): a manifest whose subject is the image, artifact
//     type and config media type application/vnd.dev.cosign.artifact.sig.v1+json,
//     found through the registry's referrers API; what cosign writes with
//     --registry-referrers-mode=oci-1-1 and reads with --experimental-oci11.
//   - tag: the manifest tagged sha256-<hex>.sig, one layer per signature;
//     what cosign writes and reads by default.
//
// With AttachAuto the referrers API is used when the registry has it, the
// tag otherwise. Verification always looks in both places. The private key
// is cosign's encrypted key file (cosign generate-key-pair), unlocked with
// $COSIGN_PASSWORD; nothing is ever sent to a transparency log.
package cosign

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
)

// What cosign writes.
const (
	SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	SignatureAnnotation    = "dev.cosignproject.cosign/signature"
	ArtifactType           = "application/vnd.dev.cosign.artifact.sig.v1+json"
	PayloadType            = "cosign container image signature"
	// PasswordEnv holds the private key's password, as for cosign.
	PasswordEnv = "COSIGN_PASSWORD"
)

// maxPayload bounds what is read of a signature layer.
const maxPayload = 1 << 20

// Attach says where signatures are written.
type Attach string

const (
	// AttachAuto uses the referrers API when the registry has it, else the tag.
	AttachAuto Attach = "auto"
	// AttachReferrers requires the referrers API.
	AttachReferrers Attach = "referrers"
	// AttachTag writes the sha256-<hex>.sig tag.
	AttachTag Attach = "tag"
)

// Config configures a Signer.
type Config struct {
	// KeyFile is cosign's private key (needed to sign).
	KeyFile string
	// Password unlocks KeyFile; nil means $COSIGN_PASSWORD (unset: empty,
	// as cosign takes it).
	Password []byte
	// PublicKey verifies; nil means KeyFile's (once Prepare has read it).
	PublicKey *ecdsa.PublicKey
	// Registry reaches the registry (credentials, plain-HTTP policy).
	Registry registry.Registry
	// Attach is where Sign writes (default AttachAuto).
	Attach Attach
}

// Signer is a sign.Signer and sign.Verifier for cosign signatures.
type Signer struct {
	cfg Config

	mu        sync.Mutex
	key       *ecdsa.PrivateKey
	referrers map[string]bool // repository -> has the referrers API
}

var (
	_ sign.Signer   = (*Signer)(nil)
	_ sign.Checker  = (*Signer)(nil)
	_ sign.Verifier = (*Signer)(nil)
)

// New returns a Signer.
func New(cfg Config) *Signer {
	if cfg.Attach == "" {
		cfg.Attach = AttachAuto
	}
	return &Signer{cfg: cfg, referrers: map[string]bool{}}
}

// NewVerifier returns a Signer that only verifies, with pub.
func NewVerifier(pub *ecdsa.PublicKey, reg registry.Registry) *Signer {
	return New(Config{PublicKey: pub, Registry: reg})
}

// Name implements sign.Signer.
func (s *Signer) Name() string { return "cosign" }

// ParseAttach checks an --cosign-attach value.
func ParseAttach(v string) (Attach, error) {
	switch a := Attach(v); a {
	case AttachAuto, AttachReferrers, AttachTag:
		return a, nil
	case "":
		return AttachAuto, nil
	}
	return "", fmt.Errorf("unknown attach mode %q (want auto, referrers or tag)", v)
}

// Prepare reads and decrypts the key: a missing key or a wrong password
// fails here, before anything is pushed.
func (s *Signer) Prepare(ctx context.Context, repo name.Repository) error {
	_, err := s.privateKey()
	return err
}

func (s *Signer) privateKey() (*ecdsa.PrivateKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	if s.cfg.KeyFile == "" {
		return nil, errors.New("no cosign private key given (--cosign-key)")
	}
	b, err := os.ReadFile(s.cfg.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("cosign key: %w", err)
	}
	pw := s.cfg.Password
	if pw == nil {
		pw = []byte(os.Getenv(PasswordEnv))
	}
	key, err := ParsePrivateKey(b, pw)
	if errors.Is(err, ErrWrongPassword) {
		return nil, fmt.Errorf("cosign key %s: %w: set $%s to the key's password", s.cfg.KeyFile, err, PasswordEnv)
	}
	if err != nil {
		return nil, fmt.Errorf("cosign key %s: %w", s.cfg.KeyFile, err)
	}
	if s.cfg.PublicKey != nil && !s.cfg.PublicKey.Equal(key.Public()) {
		return nil, fmt.Errorf("cosign key %s does not match the public key given", s.cfg.KeyFile)
	}
	s.key = key
	return key, nil
}

func (s *Signer) publicKey() (*ecdsa.PublicKey, error) {
	if s.cfg.PublicKey != nil {
		return s.cfg.PublicKey, nil
	}
	if s.cfg.KeyFile != "" {
		k, err := s.privateKey()
		if err != nil {
			return nil, err
		}
		return &k.PublicKey, nil
	}
	return nil, errors.New("no cosign public key given (--cosign-pub)")
}

// Payload is the simple-signing payload cosign signs for digest d.
func Payload(d name.Digest) []byte {
	b, _ := json.Marshal(simpleSigning{
		Critical: critical{
			Identity: identity{DockerReference: d.Context().Name()},
			Image:    image{DockerManifestDigest: d.DigestStr()},
			Type:     PayloadType,
		},
	})
	return b
}

type simpleSigning struct {
	Critical critical       `json:"critical"`
	Optional map[string]any `json:"optional"`
}

type critical struct {
	Identity identity `json:"identity"`
	Image    image    `json:"image"`
	Type     string   `json:"type"`
}

type identity struct {
	DockerReference string `json:"docker-reference"`
}

type image struct {
	DockerManifestDigest string `json:"docker-manifest-digest"`
}

// SignatureTag is where cosign keeps the signatures of d without the
// referrers API: sha256-<hex>.sig in d's repository.
func SignatureTag(d name.Digest) name.Tag {
	return d.Context().Tag(strings.Replace(d.DigestStr(), ":", "-", 1) + ".sig")
}

// sigTagRE matches cosign's own tags (signatures, attestations, SBOMs)
// and the OCI referrers fallback tag, which List skips.
var sigTagRE = regexp.MustCompile(`^sha256-[0-9a-f]{64}(\.[a-z]+)?$`)

func (s *Signer) opts(ctx context.Context) []remote.Option {
	return append(s.cfg.Registry.Options(), remote.WithContext(ctx))
}

// Sign implements sign.Signer: each target's manifest digest gets a
// signature, unless it already has a valid one by this key where Sign
// would write (so a re-run adds nothing).
func (s *Signer) Sign(ctx context.Context, targets []sign.Target) error {
	key, err := s.privateKey()
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, t := range targets {
		d := t.Tag.Context().Digest(t.Descriptor.Digest.String())
		if done[d.String()] {
			continue
		}
		done[d.String()] = true
		if err := s.signDigest(ctx, key, d, t.Descriptor); err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
	}
	return nil
}

func (s *Signer) signDigest(ctx context.Context, key *ecdsa.PrivateKey, d name.Digest, desc v1.Descriptor) error {
	useReferrers := false
	if s.cfg.Attach != AttachTag {
		_, ok, err := s.listReferrers(ctx, d)
		if err != nil {
			return err
		}
		if !ok && s.cfg.Attach == AttachReferrers {
			return fmt.Errorf("%s has no OCI referrers API (use --cosign-attach=tag or auto)", d.RegistryStr())
		}
		useReferrers = ok
	}
	var existing []found
	var err error
	if useReferrers {
		existing, err = s.fromReferrers(ctx, d)
	} else {
		existing, err = s.fromTag(ctx, d)
	}
	if err != nil {
		return err
	}
	for _, f := range existing {
		if f.verify(&key.PublicKey, d) == nil {
			return nil // already signed by this key
		}
	}
	payload := Payload(d)
	h := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
	if err != nil {
		return err
	}
	layer := static.NewLayer(payload, SimpleSigningMediaType)
	add := mutate.Addendum{Layer: layer, Annotations: map[string]string{SignatureAnnotation: base64.StdEncoding.EncodeToString(sig)}}
	if useReferrers {
		return s.writeReferrer(ctx, d, desc, add)
	}
	return s.writeTag(ctx, d, add)
}

// emptySignatures is the base of cosign's signature images.
func emptySignatures() v1.Image {
	return mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
}

func (s *Signer) writeTag(ctx context.Context, d name.Digest, add mutate.Addendum) error {
	tag := SignatureTag(d)
	base, err := remote.Image(tag, s.opts(ctx)...)
	if registry.IsNotFound(err) {
		base, err = emptySignatures(), nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", tag, err)
	}
	img, err := mutate.Append(base, add)
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
		layer, err := img.LayerByDigest(l.Digest)
		if err == nil {
			var rc io.ReadCloser
			if rc, err = layer.Compressed(); err == nil {
				// ggcr checks the digest at EOF.
				f.payload, err = io.ReadAll(io.LimitReader(rc, maxPayload+1))
				rc.Close()
			}
		}
		if err != nil {
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

// CheckKey reads and decrypts the private key, as Prepare does: for
// callers that want to fail before doing anything else (lkpkg build --push
// checks it before building).
func (s *Signer) CheckKey() error {
	_, err := s.privateKey()
	return err
}
