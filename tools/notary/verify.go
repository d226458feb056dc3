package notary

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/theupdateframework/notary/client"

	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
)

// Reader returns a Verifier that reads trust data with its own trust dir:
// an empty temporary dir gives a fresh client that trusts the collection's
// root on first use (as a new machine's docker pull does).
func (s *Signer) Reader(trustDir string) *Signer {
	cfg := s.cfg
	cfg.TrustDir = trustDir
	return &Signer{cfg: cfg}
}

// Fresh implements sign.FreshVerifier: Reader with an empty trust dir.
func (s *Signer) Fresh(dir string) sign.Verifier { return s.Reader(dir) }

// Signed implements sign.Verifier.
func (s *Signer) Signed(ctx context.Context, tag name.Tag) (*sign.Signature, error) {
	repo := tag.Context()
	r, _, withheld, err := s.open(ctx, repo, s.cfg.TrustDir, false)
	if err != nil {
		return nil, err
	}
	t, err := r.GetTargetByName(tag.TagStr())
	if err != nil {
		var nst client.ErrNoSuchTarget
		var notExist client.ErrRepositoryNotExist
		if errors.As(err, &nst) || errors.As(err, &notExist) {
			return nil, withWithheld(fmt.Errorf("%s: %w in %s on %s", tag, sign.ErrNotSigned, GUN(repo), s.server(repo)), withheld)
		}
		return nil, withWithheld(s.serverErr(repo, err), withheld)
	}
	return signature(t.Target, t.Role.String()), nil
}

// List implements sign.Verifier.
func (s *Signer) List(ctx context.Context, repo name.Repository) ([]sign.Signature, error) {
	r, _, withheld, err := s.open(ctx, repo, s.cfg.TrustDir, false)
	if err != nil {
		return nil, err
	}
	ts, err := r.ListTargets()
	if err != nil {
		var notExist client.ErrRepositoryNotExist
		if errors.As(err, &notExist) {
			return nil, withWithheld(fmt.Errorf("%s: %w (no trust data on %s)", GUN(repo), sign.ErrNotSigned, s.server(repo)), withheld)
		}
		return nil, withWithheld(s.serverErr(repo, err), withheld)
	}
	var out []sign.Signature
	for _, t := range ts {
		out = append(out, *signature(t.Target, t.Role.String()))
	}
	return out, nil
}

// withWithheld adds why the read was anonymous to a read error.
func withWithheld(err error, w *withheldError) error {
	if w == nil {
		return err
	}
	return fmt.Errorf("%w (read anonymously: %v)", err, w)
}

func signature(t client.Target, role string) *sign.Signature {
	return &sign.Signature{
		Tag:    t.Name,
		Digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(t.Hashes["sha256"])},
		Size:   t.Length,
		Signer: role,
	}
}
