// Package sign is the interface between pushing and signing: lkpkg push
// hands every tag it wrote to a Signer, which records a signature for it
// somewhere a puller can check (a Notary v1 trust collection for Docker
// Content Trust, or cosign signatures stored in the registry). Both kinds
// sit behind this one interface so push needs no knowledge of either.
package sign

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Target is a tag and the manifest (or index) it was pushed with: the
// digest, size and media type of the manifest bytes.
type Target struct {
	Tag        name.Tag
	Descriptor v1.Descriptor
}

func (t Target) String() string {
	return fmt.Sprintf("%s@%s", t.Tag, t.Descriptor.Digest)
}

// Signer signs what was pushed.
type Signer interface {
	// Name is a short name for messages ("notary", "cosign").
	Name() string
	// Prepare is called before anything is pushed to repo. It must fail
	// when signing would fail for want of keys or passphrases (a wrong
	// passphrase, a key that is not there), so that a push that cannot be
	// signed changes nothing in the registry. It may initialise the trust
	// data locally; nothing must be published before Sign.
	Prepare(ctx context.Context, repo name.Repository) error
	// Sign signs the targets, all in the repository given to Prepare.
	// Targets already signed with the same digest and size are skipped.
	Sign(ctx context.Context, targets []Target) error
}

// Checker is a Signer that can tell, before anything is built and
// without a repository, whether its key is usable (there, and its
// password right): lkpkg build --push asks it so that no build is wasted
// on a push that cannot be signed. A signer whose keys depend on the
// repository (notary) leaves that to Prepare and does not implement it.
type Checker interface {
	CheckKey() error
}

// Signature is what a signature says a tag refers to.
type Signature struct {
	Tag    string
	Digest v1.Hash
	Size   int64
	// Signer names the role or key that signed it (e.g. "targets").
	Signer string
}

// Verifier reads signatures back.
type Verifier interface {
	// Signed returns the signature of tag, or an error wrapping
	// ErrNotSigned when there is none.
	Signed(ctx context.Context, tag name.Tag) (*Signature, error)
	// List returns every signed tag of repo.
	List(ctx context.Context, repo name.Repository) ([]Signature, error)
}

// FreshVerifier is a Verifier that keeps trust state on this machine
// (notary's trust dir pins each collection's root key). Fresh returns a
// Verifier that keeps it in the empty directory dir instead, so it trusts
// what the server says on first use, as a new machine would (lkpkg trust
// inspect --fresh). A verifier with no such state (cosign: the key is
// given) does not implement it.
type FreshVerifier interface {
	Verifier
	Fresh(dir string) Verifier
}

// ErrNotSigned is returned (wrapped) for a tag that has no signature.
var ErrNotSigned = fmt.Errorf("not signed")

// Attestation is an in-toto predicate about a pushed image, to be signed
// and attached to it (an SPDX SBOM, say).
type Attestation struct {
	// Tag is the image's tag (its repository; named in messages).
	Tag name.Tag
	// Descriptor is the image manifest: the statement's subject.
	Descriptor    v1.Descriptor
	PredicateType string
	// Predicate is the predicate's JSON.
	Predicate []byte
}

func (a Attestation) String() string {
	return fmt.Sprintf("%s@%s (%s)", a.Tag, a.Descriptor.Digest, a.PredicateType)
}

// Attester is a Signer that also attaches signed attestations to images
// (cosign: DSSE envelopes under the sha256-<hex>.att tag). A signer that
// cannot (notary signs tags only) does not implement it.
type Attester interface {
	// Attest signs and attaches atts, in the repository given to Prepare.
	// An attestation the image already carries (same statement, valid
	// signature by the same key) is not added again.
	Attest(ctx context.Context, atts []Attestation) error
	// Attested returns the predicate types of the valid attestations of
	// the manifest d (by the verifying key), in the order found.
	Attested(ctx context.Context, d name.Digest) ([]string, error)
}
