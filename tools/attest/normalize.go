package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Manifest is an attestation manifest as lkpkg writes it.
type Manifest struct {
	// Entry is its index entry (see Entry).
	Entry v1.Descriptor
	// Blobs are the manifest, its config and its statements, by digest.
	Blobs map[v1.Hash][]byte
	// Statements are the statement blobs' digests, in layer order.
	Statements []v1.Hash
	// PredicateTypes are the statements' predicate types, in layer order.
	PredicateTypes []string
}

// Normalize rewrites BuildKit's attestation manifest raw, whose blobs get
// reads, for the image subject, into
// one that is the same for every build of the same inputs:
//
//   - SLSA v1 provenance: runDetails.metadata's invocationId, startedOn and
//     finishedOn are removed (a random id and the clock; BuildKit sets them
//     even with reproducible=true). What is left names the image's target
//     platform, not the request's platform list, so a multi-platform build
//     and a build of one platform (Bazel's per-arch actions) give the same
//     statement for the same image.
//   - SPDX documents: creationInfo.created is the build's
//     SOURCE_DATE_EPOCH (epoch), and documentNamespace, when the scanner
//     made it unique per run, is derived from the document's content.
//
// In the provenance, every occurrence of a key of subst (a digest's hex, a
// store id) becomes its value: the caller maps the digest of an index a
// named context was given as to the digest of the image of it the build
// used, which does not depend on which index held it.
//
// Other statements are kept byte for byte. The manifest and its config are
// written anew (their bytes depend on the statements' digests).
func Normalize(raw []byte, get func(v1.Hash) ([]byte, error), subject v1.Hash, epoch int64, subst map[string]string) (*Manifest, error) {
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("attestation manifest: %w", err)
	}
	out := &Manifest{Blobs: map[v1.Hash][]byte{}}
	var layers []v1.Descriptor
	for _, l := range m.Layers {
		b, err := get(l.Digest)
		if err != nil {
			return nil, fmt.Errorf("attestation %s: %w", l.Digest, err)
		}
		pt := l.Annotations[AnnotationPredicateType]
		switch pt {
		case PredicateSLSA1:
			b, err = normalizeStatement(replace(b, subst), provenanceV1)
		case PredicateSPDX:
			b, err = normalizeStatement(b, func(p map[string]any) { spdx(p, epoch) })
		}
		if err != nil {
			return nil, fmt.Errorf("attestation %s (%s): %w", l.Digest, pt, err)
		}
		h, n, err := v1.SHA256(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		out.Blobs[h] = b
		out.Statements = append(out.Statements, h)
		out.PredicateTypes = append(out.PredicateTypes, pt)
		d := v1.Descriptor{MediaType: l.MediaType, Digest: h, Size: n}
		if pt != "" {
			d.Annotations = map[string]string{AnnotationPredicateType: pt}
		}
		layers = append(layers, d)
	}
	cfg, err := config(layers)
	if err != nil {
		return nil, err
	}
	ch, cn, err := v1.SHA256(bytes.NewReader(cfg))
	if err != nil {
		return nil, err
	}
	out.Blobs[ch] = cfg
	mt := m.MediaType
	if mt == "" {
		mt = types.OCIManifestSchema1
	}
	cmt := m.Config.MediaType
	if cmt == "" {
		cmt = types.OCIConfigJSON
	}
	nm := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     mt,
		Config:        v1.Descriptor{MediaType: cmt, Digest: ch, Size: cn},
		Layers:        layers,
	}
	mb, err := json.Marshal(nm)
	if err != nil {
		return nil, err
	}
	out.Entry, err = Entry(mb, mt, subject)
	if err != nil {
		return nil, err
	}
	out.Blobs[out.Entry.Digest] = mb
	return out, nil
}

// replace substitutes subst in b, longest keys first.
func replace(b []byte, subst map[string]string) []byte {
	keys := make([]string, 0, len(subst))
	for k := range subst {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return len(keys[i]) > len(keys[j]) || len(keys[i]) == len(keys[j]) && keys[i] < keys[j]
	})
	for _, k := range keys {
		b = bytes.ReplaceAll(b, []byte(k), []byte(subst[k]))
	}
	return b
}

// config is the image config of an attestation manifest: BuildKit's
// unknown/unknown platform, one diff id per statement.
func config(layers []v1.Descriptor) ([]byte, error) {
	type rootfs struct {
		Type    string    `json:"type"`
		DiffIDs []v1.Hash `json:"diff_ids"`
	}
	c := struct {
		Architecture string `json:"architecture"`
		OS           string `json:"os"`
		RootFS       rootfs `json:"rootfs"`
	}{Architecture: "unknown", OS: "unknown", RootFS: rootfs{Type: "layers", DiffIDs: []v1.Hash{}}}
	for _, l := range layers {
		c.RootFS.DiffIDs = append(c.RootFS.DiffIDs, l.Digest)
	}
	return json.Marshal(c)
}

// normalizeStatement applies fix to the statement's predicate (decoded
// with numbers kept as written) and re-encodes the statement.
func normalizeStatement(b []byte, fix func(map[string]any)) ([]byte, error) {
	s, err := ParseStatement(b)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(s.Predicate))
	d.UseNumber()
	var p map[string]any
	if err := d.Decode(&p); err != nil {
		return nil, fmt.Errorf("predicate: %w", err)
	}
	fix(p)
	if s.Predicate, err = json.Marshal(p); err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

// object returns m[keys[0]][keys[1]]..., nil when a step is not an object.
func object(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			return nil
		}
		m = next
	}
	return m
}

func provenanceV1(p map[string]any) {
	if md := object(p, "runDetails", "metadata"); md != nil {
		delete(md, "invocationId")
		delete(md, "startedOn")
		delete(md, "finishedOn")
	}
	// BuildKit orders the dependencies by the references it resolved;
	// after subst those may sort otherwise (a scanner served on a new
	// port each build): sorted by the URIs written, the order is the
	// same whatever the references were.
	if bd := object(p, "buildDefinition"); bd != nil {
		if deps, ok := bd["resolvedDependencies"].([]any); ok {
			slices.SortStableFunc(deps, func(a, b any) int {
				return strings.Compare(uri(a), uri(b))
			})
		}
	}
}

func uri(dep any) string {
	m, _ := dep.(map[string]any)
	s, _ := m["uri"].(string)
	return s
}

func spdx(p map[string]any, epoch int64) {
	if ci := object(p, "creationInfo"); ci != nil {
		ci["created"] = time.Unix(epoch, 0).UTC().Format(time.RFC3339)
	}
	ns, ok := p["documentNamespace"].(string)
	if !ok {
		return
	}
	delete(p, "documentNamespace")
	b, err := json.Marshal(p)
	if err != nil {
		p["documentNamespace"] = ns
		return
	}
	sum := sha256.Sum256(b)
	prefix := "https://spdx.org/spdxdocs/lkpkg/"
	if i := strings.LastIndex(ns, "/"); i > len("https://") {
		prefix = ns[:i+1]
	}
	p["documentNamespace"] = prefix + "sha256-" + hex.EncodeToString(sum[:])
}
