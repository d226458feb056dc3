// Package attest handles the in-toto attestations BuildKit attaches to the
// images it builds: the attestation manifests of an index (one per image,
// platform unknown/unknown, pointing at its image by digest), their
// statements (SLSA provenance, SPDX SBOMs), and the rewriting that makes
// them deterministic, so that two builds of the same package give the same
// attestation digests as they give the same image digests.
//
// BuildKit stores attestations as its attestation storage describes: an
// index lists, after the images, one image manifest per attested image,
// annotated vnd.docker.reference.type=attestation-manifest and
// vnd.docker.reference.digest=<image manifest digest>; each of its layers
// is one in-toto statement (media type application/vnd.in-toto+json),
// annotated with its predicate type.
package attest

import (
	"bytes"
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Annotations and values of attestation manifests in an index.
const (
	AnnotationRefType   = "vnd.docker.reference.type"
	AnnotationRefDigest = "vnd.docker.reference.digest"
	RefTypeAttestation  = "attestation-manifest"
	// AnnotationPredicateType is on each statement layer.
	AnnotationPredicateType = "in-toto.io/predicate-type"
)

// Statement media type and predicate types.
const (
	MediaTypeInToto types.MediaType = "application/vnd.in-toto+json"
	PredicateSPDX                   = "https://spdx.dev/Document"
	PredicateSLSA1                  = "https://slsa.dev/provenance/v1"
	PredicateSLSA02                 = "https://slsa.dev/provenance/v0.2"
)

// IsAttestation reports whether d, an index entry, is an attestation
// manifest rather than an image.
func IsAttestation(d v1.Descriptor) bool {
	return d.Annotations[AnnotationRefType] != ""
}

// Subject returns the digest of the image an attestation entry refers to.
func Subject(d v1.Descriptor) string {
	return d.Annotations[AnnotationRefDigest]
}

// Platform is the platform BuildKit gives attestation manifests in an
// index, so that platform matching never picks one as an image.
func Platform() *v1.Platform {
	return &v1.Platform{OS: "unknown", Architecture: "unknown"}
}

// Entry is the index entry of the attestation manifest m (raw bytes) for
// the image subject.
func Entry(m []byte, mt types.MediaType, subject v1.Hash) (v1.Descriptor, error) {
	h, n, err := v1.SHA256(bytes.NewReader(m))
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{
		MediaType: mt,
		Digest:    h,
		Size:      n,
		Platform:  Platform(),
		Annotations: map[string]string{
			AnnotationRefType:   RefTypeAttestation,
			AnnotationRefDigest: subject.String(),
		},
	}, nil
}

// Statement is an in-toto statement; the predicate is kept as raw JSON.
type Statement struct {
	Type          string          `json:"_type"`
	PredicateType string          `json:"predicateType"`
	Subject       []Subj          `json:"subject"`
	Predicate     json.RawMessage `json:"predicate"`
}

// Subj is a statement's subject.
type Subj struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// ParseStatement parses an in-toto statement.
func ParseStatement(b []byte) (*Statement, error) {
	var s Statement
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("not an in-toto statement: %w", err)
	}
	return &s, nil
}
