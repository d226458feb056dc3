package build

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"

	"github.com/rules-linuxkit/rules_linuxkit/tools/attest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// Result describes a build's output; it is also written as result.json.
type Result struct {
	// Ref is org/image:tag, the index's name.
	Ref string `json:"ref"`
	// Tag is the tag.
	Tag string `json:"tag"`
	// Digest is the index's digest.
	Digest string `json:"digest"`
	// Layout is the index layout, relative to the output directory.
	Layout string `json:"layout"`
	// SourceDateEpoch is the timestamp used.
	SourceDateEpoch int64 `json:"source_date_epoch"`
	// Arches are the per-arch images, in build.yml order.
	Arches []ArchResult `json:"arches"`
	// Attestations are the kinds of attestation every image has
	// (AttestProvenance, AttestSBOM), sorted; empty when an image has
	// none. Outputs written before lkpkg recorded them have no such field
	// (nil): what they carry is unknown, so they are not reused for a
	// build that asks for attestations.
	Attestations []string `json:"attestations"`
}

// Kinds of attestation, as Result.Attestations names them.
const (
	AttestProvenance = "provenance"
	AttestSBOM       = "sbom"
)

// attestKind is the kind of a statement's predicate type; "" for others.
func attestKind(predicateType string) string {
	switch predicateType {
	case attest.PredicateSLSA1, attest.PredicateSLSA02:
		return AttestProvenance
	case attest.PredicateSPDX:
		return AttestSBOM
	}
	return ""
}

// attestations are the kinds of attestation o asks for, sorted.
func (o Options) attestations() []string {
	want := []string{}
	if !o.NoProvenance {
		want = append(want, AttestProvenance)
	}
	if o.SBOMScanner != "" || o.SBOMScannerLayout != "" {
		want = append(want, AttestSBOM)
	}
	slices.Sort(want)
	return want
}

// commonAttestations are the kinds every one of sets has, sorted; nil when
// a set is nil (unknown).
func commonAttestations(sets [][]string) []string {
	if len(sets) == 0 {
		return []string{}
	}
	out := []string{}
	for _, k := range sets[0] {
		all := true
		for _, s := range sets {
			all = all && s != nil && slices.Contains(s, k)
		}
		if all && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	for _, s := range sets {
		if s == nil {
			return nil
		}
	}
	slices.Sort(out)
	return out
}

// ArchResult is one architecture's image.
type ArchResult struct {
	Arch string `json:"arch"`
	// Ref is org/image:tag-arch.
	Ref string `json:"ref"`
	// Digest is the image manifest's digest.
	Digest string `json:"digest"`
	// Layout is the image's layout, relative to the output directory.
	Layout string `json:"layout"`
	// Attestation is the digest of the image's attestation manifest
	// (provenance, SBOM), in its layout and in the index; empty when the
	// build made none.
	Attestation string `json:"attestation,omitempty"`
}

// ReadResult reads and validates the result.json of a build output
// directory (Validate): the Result it returns names only paths inside out.
func ReadResult(out string) (*Result, error) {
	file := filepath.Join(out, "result.json")
	b, err := spec.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is not a build output (no result.json): give an lkpkg build --output-dir", out)
	}
	if err != nil {
		return nil, err
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := r.Validate(file); err != nil {
		return nil, err
	}
	return &r, nil
}

var (
	digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	tagRE    = regexp.MustCompile(`^` + reference.TagRegexp.String() + `$`)
)

// Validate checks a result read from file (named in errors) before its
// names are used: every arch is a GOARCH lkpkg builds, every layout a
// relative path inside the output directory, every digest a sha256 digest.
// A result.json is input like any other: whoever can edit it must not make
// lkpkg write or read outside the output directory.
func (r *Result) Validate(file string) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%s: %s %s: this is not a result.json lkpkg wrote, or it was edited; rebuild the output with lkpkg build (or lkpkg merge-outputs)",
			file, field, fmt.Sprintf(format, args...))
	}
	if _, err := reference.ParseNormalizedNamed(r.Ref); err != nil {
		return bad("ref", "%q is not an image reference (%v)", r.Ref, err)
	}
	if !tagRE.MatchString(r.Tag) {
		return bad("tag", "%q is not an image tag", r.Tag)
	}
	if !digestRE.MatchString(r.Digest) {
		return bad("digest", "%q is not a sha256 digest", r.Digest)
	}
	if !localPath(r.Layout) {
		return bad("layout", "%q is not a path inside the output directory", r.Layout)
	}
	if len(r.Arches) == 0 {
		return bad("arches", "is empty")
	}
	seen := map[string]bool{}
	for i, a := range r.Arches {
		field := fmt.Sprintf("arches[%d]", i)
		switch {
		case !spec.ValidArch(a.Arch):
			return bad(field+".arch", "%q is not a GOARCH with a linux port (%s)", a.Arch, strings.Join(spec.LinuxArches(), ", "))
		case seen[a.Arch]:
			return bad(field+".arch", "%q is listed twice", a.Arch)
		case !digestRE.MatchString(a.Digest):
			return bad(field+".digest", "%q is not a sha256 digest", a.Digest)
		case a.Attestation != "" && !digestRE.MatchString(a.Attestation):
			return bad(field+".attestation", "%q is not a sha256 digest", a.Attestation)
		case !localPath(a.Layout):
			return bad(field+".layout", "%q is not a path inside the output directory", a.Layout)
		}
		seen[a.Arch] = true
	}
	return nil
}

// localPath reports whether p is a relative path that stays below the
// directory it is joined to (not the directory itself).
func localPath(p string) bool {
	return filepath.IsLocal(p) && filepath.Clean(p) != "."
}
