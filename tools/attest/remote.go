package attest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// RemoteSPDX returns the SPDX documents attached to the images of the
// index (or image) ref in its registry: for each image the index lists,
// the SPDX statements of its attestation manifest.
func RemoteSPDX(ctx context.Context, ref name.Reference, opts ...remote.Option) ([]SPDX, error) {
	opts = append(opts, remote.WithContext(ctx))
	d, err := remote.Get(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	if !d.MediaType.IsIndex() {
		return nil, fmt.Errorf("%s is a single image (%s), not an index: its attestations are in the index that lists it; give the index's tag", ref, d.MediaType)
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	arch := map[string]string{}
	for _, m := range im.Manifests {
		if !IsAttestation(m) && m.Platform != nil {
			arch[m.Digest.String()] = m.Platform.Architecture
		}
	}
	repo := ref.Context()
	var out []SPDX
	for _, m := range im.Manifests {
		if !IsAttestation(m) || arch[Subject(m)] == "" {
			continue
		}
		get := func(h v1.Hash) ([]byte, error) {
			l, err := remote.Layer(repo.Digest(h.String()), opts...)
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
		ad, err := remote.Get(repo.Digest(m.Digest.String()), opts...)
		if err != nil {
			return nil, fmt.Errorf("reading the attestation manifest %s of %s: %w", m.Digest, Subject(m), err)
		}
		sts, err := Statements(ad.Manifest, get, PredicateSPDX)
		if err != nil {
			return nil, fmt.Errorf("%s@%s: %w", repo, m.Digest, err)
		}
		for _, s := range sts {
			out = append(out, SPDX{Arch: arch[Subject(m)], Image: Subject(m), Doc: s.Predicate})
		}
	}
	return out, nil
}

// Created returns the creation time of the SPDX documents (the latest),
// 0 when none says.
func Created(docs []SPDX) int64 {
	var latest int64
	for _, d := range docs {
		var doc struct {
			CreationInfo struct {
				Created string `json:"created"`
			} `json:"creationInfo"`
		}
		if json.Unmarshal(d.Doc, &doc) != nil {
			continue
		}
		if t, err := time.Parse(time.RFC3339, doc.CreationInfo.Created); err == nil && t.Unix() > latest {
			latest = t.Unix()
		}
	}
	return latest
}
