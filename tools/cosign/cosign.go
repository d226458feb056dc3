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
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
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
	_ sign.Attester = (*Signer)(nil)
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

// CheckKey reads and decrypts the private key, as Prepare does: for
// callers that want to fail before doing anything else (lkpkg build --push
// checks it before building).
func (s *Signer) CheckKey() error {
	_, err := s.privateKey()
	return err
}
