package push

import (
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-linuxkit/rules_linuxkit/tools/attest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
)

// sbomAttestations returns the SPDX SBOMs of the images this push wrote
// (or found already there), from their attestation manifests, each about
// its own image: the subject is the arch's image, not the index, because
// an SBOM describes one image's files, and the image's digest never
// changes while the index's does whenever another arch is merged in.
// Skipped arches are the registry's images, not this build's: nothing is
// said about them.
func sbomAttestations(repo name.Repository, tag string, plans []*archPlan) ([]sign.Attestation, error) {
	var out []sign.Attestation
	for _, a := range plans {
		if a.action == archSkip || a.att == nil {
			continue
		}
		raw, err := a.att.RawManifest()
		if err != nil {
			return nil, err
		}
		get := func(h v1.Hash) ([]byte, error) {
			l, err := a.att.LayerByDigest(h)
			if err != nil {
				return nil, err
			}
			rc, err := l.Compressed()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(rc)
		}
		sts, err := attest.Statements(raw, get, attest.PredicateSPDX)
		if err != nil {
			return nil, fmt.Errorf("%s-%s: reading the SBOM: %w", tag, a.arch, err)
		}
		for _, st := range sts {
			out = append(out, sign.Attestation{
				Tag:           repo.Tag(tag + "-" + a.arch),
				Descriptor:    manifestDesc(a.local),
				PredicateType: st.PredicateType,
				Predicate:     st.Predicate,
			})
		}
	}
	return out, nil
}
