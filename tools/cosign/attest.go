package cosign

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"

	"github.com/rules-linuxkit/rules_linuxkit/tools/attest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
)

// What `cosign attest --key` writes: an in-toto statement about the image
// (subject: the repository and the manifest's sha256), in a DSSE envelope
// signed with the key, as a layer of the image tagged sha256-<hex>.att,
// annotated with the predicate type and an empty signature annotation
// (the signature is inside the envelope).
const (
	DSSEMediaType           = "application/vnd.dsse.envelope.v1+json"
	InTotoPayloadType       = "application/vnd.in-toto+json"
	StatementType           = "https://in-toto.io/Statement/v0.1"
	PredicateTypeAnnotation = "predicateType"
)

// AttestationTag is where cosign keeps the attestations of d:
// sha256-<hex>.att in d's repository.
func AttestationTag(d name.Digest) name.Tag {
	return d.Context().Tag(strings.Replace(d.DigestStr(), ":", "-", 1) + ".att")
}

// Statement is the in-toto statement cosign attest makes for predicate
// about d.
func Statement(d name.Digest, predicateType string, predicate []byte) ([]byte, error) {
	h, err := hashOf(d)
	if err != nil {
		return nil, err
	}
	return json.Marshal(attest.Statement{
		Type:          StatementType,
		PredicateType: predicateType,
		Subject:       []attest.Subj{{Name: d.Context().Name(), Digest: map[string]string{"sha256": h}}},
		Predicate:     predicate,
	})
}

func hashOf(d name.Digest) (string, error) {
	h, ok := strings.CutPrefix(d.DigestStr(), "sha256:")
	if !ok {
		return "", fmt.Errorf("%s: only sha256 digests can be attested", d)
	}
	return h, nil
}

// envelope is a DSSE envelope.
type envelope struct {
	PayloadType string          `json:"payloadType"`
	Payload     string          `json:"payload"`
	Signatures  []dsseSignature `json:"signatures"`
}

type dsseSignature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// pae is DSSE's pre-authentication encoding: what is signed.
func pae(payloadType string, payload []byte) []byte {
	return []byte(fmt.Sprintf("DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(payload), payload))
}

// Envelope signs the in-toto statement st with key.
func Envelope(key *ecdsa.PrivateKey, st []byte) ([]byte, error) {
	h := sha256.Sum256(pae(InTotoPayloadType, st))
	sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(envelope{
		PayloadType: InTotoPayloadType,
		Payload:     base64.StdEncoding.EncodeToString(st),
		Signatures:  []dsseSignature{{Sig: base64.StdEncoding.EncodeToString(sig)}},
	})
}

// openEnvelope checks env's signature by pub and that its statement is
// about d; it returns the statement's bytes and predicate type.
func openEnvelope(env []byte, pub *ecdsa.PublicKey, d name.Digest) ([]byte, string, error) {
	var e envelope
	if err := json.Unmarshal(env, &e); err != nil {
		return nil, "", fmt.Errorf("not a DSSE envelope: %w", err)
	}
	if e.PayloadType != InTotoPayloadType {
		return nil, "", fmt.Errorf("payload type %q, want %s", e.PayloadType, InTotoPayloadType)
	}
	st, err := base64.StdEncoding.DecodeString(e.Payload)
	if err != nil {
		return nil, "", fmt.Errorf("payload is not base64: %w", err)
	}
	h := sha256.Sum256(pae(e.PayloadType, st))
	ok := false
	for _, s := range e.Signatures {
		raw, err := base64.StdEncoding.DecodeString(s.Sig)
		ok = ok || (err == nil && ecdsa.VerifyASN1(pub, h[:], raw))
	}
	if !ok {
		return nil, "", fmt.Errorf("no signature by key %s", KeyID(pub))
	}
	s, err := attest.ParseStatement(st)
	if err != nil {
		return nil, "", err
	}
	want, err := hashOf(d)
	if err != nil {
		return nil, "", err
	}
	for _, sub := range s.Subject {
		if sub.Digest["sha256"] == want {
			return st, s.PredicateType, nil
		}
	}
	return nil, "", fmt.Errorf("the statement is not about %s", d.DigestStr())
}

// envelopes reads the DSSE layers under d's attestation tag (none when
// the tag does not exist); a layer that cannot be read has err set.
func (s *Signer) envelopes(ctx context.Context, d name.Digest) ([]found, error) {
	tag := AttestationTag(d)
	img, err := remote.Image(tag, s.opts(ctx)...)
	if registry.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", tag, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", tag, err)
	}
	var out []found
	for i, l := range m.Layers {
		if l.MediaType != DSSEMediaType || l.Size > maxPayload {
			continue
		}
		f := found{where: fmt.Sprintf("%s layer %d", tag, i)}
		var err error
		if f.payload, err = layerPayload(img, l.Digest); err != nil {
			f.err = fmt.Errorf("%s: %w", f.where, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// Attest implements sign.Attester: each attestation becomes a statement
// about its image, signed in a DSSE envelope and appended to the image's
// sha256-<hex>.att tag, unless the tag already has the same statement
// signed by this key. The tag is cosign's, whatever Config.Attach says:
// it is where cosign verify-attestation looks.
func (s *Signer) Attest(ctx context.Context, atts []sign.Attestation) error {
	key, err := s.privateKey()
	if err != nil {
		return err
	}
	type pending struct {
		d     name.Digest
		adds  []mutate.Addendum
		added [][]byte
	}
	var order []*pending
	byDigest := map[string]*pending{}
	for _, a := range atts {
		d := a.Tag.Context().Digest(a.Descriptor.Digest.String())
		st, err := Statement(d, a.PredicateType, a.Predicate)
		if err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
		p := byDigest[d.String()]
		if p == nil {
			p = &pending{d: d}
			byDigest[d.String()] = p
			order = append(order, p)
			have, err := s.envelopes(ctx, d)
			if err != nil {
				return err
			}
			for _, f := range have {
				if f.err != nil {
					continue
				}
				if got, _, err := openEnvelope(f.payload, &key.PublicKey, d); err == nil {
					p.added = append(p.added, got)
				}
			}
		}
		dup := false
		for _, b := range p.added {
			dup = dup || bytes.Equal(b, st)
		}
		if dup {
			continue
		}
		env, err := Envelope(key, st)
		if err != nil {
			return err
		}
		p.added = append(p.added, st)
		p.adds = append(p.adds, mutate.Addendum{
			Layer:       static.NewLayer(env, DSSEMediaType),
			Annotations: map[string]string{SignatureAnnotation: "", PredicateTypeAnnotation: a.PredicateType},
		})
	}
	for _, p := range order {
		if len(p.adds) == 0 {
			continue
		}
		if err := s.appendTo(ctx, AttestationTag(p.d), p.adds); err != nil {
			return fmt.Errorf("attaching attestations to %s: %w", p.d, err)
		}
	}
	return nil
}

// Attested implements sign.Attester.
func (s *Signer) Attested(ctx context.Context, d name.Digest) ([]string, error) {
	pub, err := s.publicKey()
	if err != nil {
		return nil, err
	}
	have, err := s.envelopes(ctx, d)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range have {
		if f.err != nil {
			continue
		}
		if _, pt, err := openEnvelope(f.payload, pub, d); err == nil {
			out = append(out, pt)
		}
	}
	return out, nil
}
