package build

import (
	"fmt"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-linuxkit/rules_linuxkit/tools/attest"
)

// SPDX returns the SPDX documents of the images of the build output out
// (its result.json and layout directories), in result.json's arch order.
func SPDX(out string) (*Result, []attest.SPDX, error) {
	r, err := ReadResult(out)
	if err != nil {
		return nil, nil, err
	}
	var docs []attest.SPDX
	for _, a := range r.Arches {
		if a.Attestation == "" {
			continue
		}
		dir := filepath.Join(out, a.Layout)
		if filepath.Ext(dir) == ".tar" {
			return nil, nil, fmt.Errorf("%s is a tar layout: build with --output-format dir to read its SBOM", dir)
		}
		h, err := v1.NewHash(a.Attestation)
		if err != nil {
			return nil, nil, err
		}
		raw, err := readInputBlob(dir, h)
		if err != nil {
			return nil, nil, fmt.Errorf("%s attestation manifest: %w", dir, err)
		}
		get := func(h v1.Hash) ([]byte, error) { return readInputBlob(dir, h) }
		sts, err := attest.Statements(raw, get, attest.PredicateSPDX)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", dir, err)
		}
		for _, s := range sts {
			docs = append(docs, attest.SPDX{Arch: a.Arch, Image: a.Digest, Doc: s.Predicate})
		}
	}
	return r, docs, nil
}
