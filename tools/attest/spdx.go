package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// SPDX is one image's SPDX document, from its attestation manifest.
type SPDX struct {
	// Arch is the image's architecture; it prefixes the document's
	// element ids in a merged document.
	Arch string
	// Image is the image manifest's digest.
	Image string
	// Doc is the SPDX JSON document (the statement's predicate).
	Doc json.RawMessage
}

// Statements returns the statements of the attestation manifest raw
// (blobs read with get) whose predicate type is predicateType.
func Statements(raw []byte, get func(v1.Hash) ([]byte, error), predicateType string) ([]*Statement, error) {
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("attestation manifest: %w", err)
	}
	var out []*Statement
	for _, l := range m.Layers {
		if l.Annotations[AnnotationPredicateType] != predicateType {
			continue
		}
		b, err := get(l.Digest)
		if err != nil {
			return nil, fmt.Errorf("attestation %s: %w", l.Digest, err)
		}
		if h, _, err := v1.SHA256(bytes.NewReader(b)); err != nil || h != l.Digest {
			return nil, fmt.Errorf("attestation %s does not match its digest", l.Digest)
		}
		s, err := ParseStatement(b)
		if err != nil {
			return nil, fmt.Errorf("attestation %s: %w", l.Digest, err)
		}
		if s.PredicateType != predicateType {
			return nil, fmt.Errorf("attestation %s is annotated %s but holds a %s statement", l.Digest, predicateType, s.PredicateType)
		}
		out = append(out, s)
	}
	return out, nil
}

// MergeSPDX returns one SPDX 2.3 JSON document named name that holds every
// package, file, snippet and relationship of docs, each document's element
// ids prefixed with its arch (SPDXRef-amd64-...) so that the arches'
// elements stay apart, and the merged document DESCRIBES what each
// document described. created is the build's SOURCE_DATE_EPOCH; the
// namespace derives from the content: the same images give the same bytes.
func MergeSPDX(name string, created int64, docs []SPDX) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s: no SBOM attestations (build with an SBOM scanner: lkpkg build uses scripts/sbom-scanner-setup's by default, or --sbom-scanner REF / --sbom-scanner-layout DIR; with Bazel, the layout @rules_linuxkit//rules:sbom_scanner_layout names, by default that one, or --@rules_linuxkit//rules:sbom_scanner=REF; a layout needs a BuildKit daemon on the machine running the build)", name)
	}
	docs = append([]SPDX(nil), docs...)
	sort.SliceStable(docs, func(i, j int) bool { return docs[i].Arch < docs[j].Arch })
	var packages, files, snippets, rels, licenses []any
	for _, d := range docs {
		var doc map[string]any
		dec := json.NewDecoder(bytes.NewReader(d.Doc))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("%s SBOM (%s): not an SPDX JSON document: %w", d.Arch, d.Image, err)
		}
		if v, _ := doc["spdxVersion"].(string); !strings.HasPrefix(v, "SPDX-2.") {
			return nil, fmt.Errorf("%s SBOM (%s): spdxVersion %q: only SPDX 2.x JSON is merged", d.Arch, d.Image, v)
		}
		prefix := "SPDXRef-" + d.Arch + "-"
		renamed := renameIDs(doc, prefix).(map[string]any)
		list := func(k string) []any { l, _ := renamed[k].([]any); return l }
		packages = append(packages, list("packages")...)
		files = append(files, list("files")...)
		snippets = append(snippets, list("snippets")...)
		licenses = append(licenses, list("hasExtractedLicensingInfos")...)
		for _, r := range list("relationships") {
			if rm, ok := r.(map[string]any); ok && rm["spdxElementId"] == "SPDXRef-DOCUMENT" {
				// The arch document's own DESCRIBES: the merged one's.
				rels = append(rels, rm)
				continue
			}
			rels = append(rels, r)
		}
		for _, id := range list("documentDescribes") {
			rels = append(rels, map[string]any{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": id})
		}
	}
	out := map[string]any{
		"spdxVersion":       "SPDX-2.3",
		"dataLicense":       "CC0-1.0",
		"SPDXID":            "SPDXRef-DOCUMENT",
		"name":              name,
		"creationInfo":      map[string]any{"created": time.Unix(created, 0).UTC().Format(time.RFC3339), "creators": []string{"Tool: lkpkg"}},
		"packages":          nonNil(packages),
		"relationships":     nonNil(rels),
		"documentNamespace": "",
	}
	if len(files) > 0 {
		out["files"] = files
	}
	if len(snippets) > 0 {
		out["snippets"] = snippets
	}
	if len(licenses) > 0 {
		out["hasExtractedLicensingInfos"] = licenses
	}
	out["relationships"] = dedupe(rels)
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	out["documentNamespace"] = "https://spdx.org/spdxdocs/lkpkg/" + name + "-sha256-" + hex.EncodeToString(sum[:])
	return json.MarshalIndent(out, "", "  ")
}

// dedupe drops repeated entries (the same DESCRIBES stated twice).
func dedupe(l []any) []any {
	seen := map[string]bool{}
	out := []any{}
	for _, e := range l {
		b, _ := json.Marshal(e)
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, e)
		}
	}
	return out
}

func nonNil(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

// renameIDs returns v with every SPDX element id (a string "SPDXRef-X"
// other than the document's own) replaced by prefix+"X".
func renameIDs(v any, prefix string) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = renameIDs(e, prefix)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = renameIDs(e, prefix)
		}
		return t
	case string:
		if rest, ok := strings.CutPrefix(t, "SPDXRef-"); ok && t != "SPDXRef-DOCUMENT" {
			return prefix + rest
		}
	}
	return v
}
