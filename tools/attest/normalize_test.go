package attest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// buildkitManifest is an attestation manifest as BuildKit writes one, with
// the given statements (predicate type -> statement JSON).
func buildkitManifest(t *testing.T, stmts [][2]string) ([]byte, map[v1.Hash][]byte) {
	t.Helper()
	blobs := map[v1.Hash][]byte{}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("cd", 32)}}}
	for _, s := range stmts {
		h, n, _ := v1.SHA256(strings.NewReader(s[1]))
		blobs[h] = []byte(s[1])
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: MediaTypeInToto, Digest: h, Size: n, Annotations: map[string]string{AnnotationPredicateType: s[0]}})
	}
	raw, _ := json.MarshalIndent(m, "", "  ")
	return raw, blobs
}

func provenance(invocation, started string) string {
	return fmt.Sprintf(`{"_type":"https://in-toto.io/Statement/v1","predicateType":%q,"subject":[{"name":"x","digest":{"sha256":"aa"}}],
"predicate":{"buildDefinition":{"internalParameters":{"targetPlatform":"linux/arm64"}},"runDetails":{"builder":{"id":""},
"metadata":{"invocationId":%q,"startedOn":%q,"finishedOn":%q,"buildkit_reproducible":true,"big":12345678901234567890}}}}`, PredicateSLSA1, invocation, started, started)
}

func spdxDoc(created, ns string) string {
	return fmt.Sprintf(`{"_type":"https://in-toto.io/Statement/v0.1","predicateType":%q,"subject":[{"name":"x","digest":{"sha256":"aa"}}],
"predicate":{"spdxVersion":"SPDX-2.3","creationInfo":{"created":%q,"creators":["Tool: syft"]},"documentNamespace":%q,"files":[{"fileName":"/bin/busybox"}]}}`, PredicateSPDX, created, ns)
}

func normalize(t *testing.T, stmts [][2]string) *Manifest {
	t.Helper()
	raw, blobs := buildkitManifest(t, stmts)
	get := func(h v1.Hash) ([]byte, error) {
		b, ok := blobs[h]
		if !ok {
			return nil, fmt.Errorf("no blob %s", h)
		}
		return b, nil
	}
	subject := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}
	m, err := Normalize(raw, get, subject, 1700000000, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Entry.Annotations[AnnotationRefDigest] != subject.String() || m.Entry.Annotations[AnnotationRefType] != RefTypeAttestation || m.Entry.Platform.OS != "unknown" {
		t.Errorf("entry = %+v", m.Entry)
	}
	return m
}

func TestNormalizeRemovesWhatChangesBetweenBuilds(t *testing.T) {
	other := [2]string{"https://example.com/other", `{"_type":"x", "kept":"as is"}`}
	a := normalize(t, [][2]string{{PredicateSLSA1, provenance("id1", "2026-01-01T00:00:00Z")}, {PredicateSPDX, spdxDoc("2026-01-01T00:00:00Z", "https://anchore.com/syft/dir/x-1111")}, other})
	b := normalize(t, [][2]string{{PredicateSLSA1, provenance("id2", "2026-12-02T10:00:00Z")}, {PredicateSPDX, spdxDoc("2026-12-02T10:00:00Z", "https://anchore.com/syft/dir/x-2222")}, other})
	if a.Entry.Digest != b.Entry.Digest {
		t.Errorf("two builds differing only in ids and times give %s and %s", a.Entry.Digest, b.Entry.Digest)
	}
	prov := string(a.Blobs[a.Statements[0]])
	for _, gone := range []string{"invocationId", "startedOn", "finishedOn", "id1"} {
		if strings.Contains(prov, gone) {
			t.Errorf("provenance still holds %s: %s", gone, prov)
		}
	}
	for _, kept := range []string{`"targetPlatform":"linux/arm64"`, "12345678901234567890", `"buildkit_reproducible":true`} {
		if !strings.Contains(prov, kept) {
			t.Errorf("provenance lost %s: %s", kept, prov)
		}
	}
	doc := string(a.Blobs[a.Statements[1]])
	if !strings.Contains(doc, `"created":"2023-11-14T22:13:20Z"`) || !strings.Contains(doc, `"documentNamespace":"https://anchore.com/syft/dir/sha256-`) {
		t.Errorf("SPDX document = %s, want SOURCE_DATE_EPOCH and a content namespace", doc)
	}
	if got := a.Blobs[a.Statements[2]]; !bytes.Equal(got, []byte(other[1])) {
		t.Errorf("another statement was rewritten: %s", got)
	}
	// Different content, different namespace.
	c := normalize(t, [][2]string{{PredicateSPDX, strings.Replace(spdxDoc("x", "https://anchore.com/syft/dir/x-1111"), "busybox", "sh", 1)}})
	if ns := string(c.Blobs[c.Statements[0]]); strings.Contains(doc, ns[strings.Index(ns, "sha256-"):strings.Index(ns, "sha256-")+20]) {
		t.Errorf("documents with different files share a namespace")
	}
	// The manifest, its config and the statements are all in Blobs.
	var m v1.Manifest
	if err := json.Unmarshal(a.Blobs[a.Entry.Digest], &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Blobs[m.Config.Digest]; !ok {
		t.Errorf("config blob missing")
	}
	for i, l := range m.Layers {
		if l.Digest != a.Statements[i] || l.Annotations[AnnotationPredicateType] == "" {
			t.Errorf("layer %d = %+v", i, l)
		}
	}
}

// The provenance's dependencies are ordered by the URIs left after subst:
// two builds whose scanner was served on ports that sort before and after
// the base image's registry (so BuildKit ordered them differently) give the
// same statement, naming the scanner as subst says.
func TestNormalizeOrdersDependenciesAfterSubst(t *testing.T) {
	stmt := func(deps ...string) string {
		return fmt.Sprintf(`{"_type":"https://in-toto.io/Statement/v1","predicateType":%q,"subject":[{"name":"x","digest":{"sha256":"aa"}}],
"predicate":{"buildDefinition":{"resolvedDependencies":[%s]},"runDetails":{"builder":{"id":""}}}}`, PredicateSLSA1, strings.Join(deps, ","))
	}
	dep := func(uri, hex string) string { return fmt.Sprintf(`{"uri":%q,"digest":{"sha256":%q}}`, uri, hex) }
	base := dep("pkg:docker/127.0.0.1:40000/lkpkg/busybox@latest?platform=linux%2Famd64", "b1")
	scanner := func(port string) string {
		return dep("pkg:docker/127.0.0.1:"+port+"/lkpkg/sbom-scanner?digest=sha256:c1&platform=linux%2Famd64", "c1")
	}
	run := func(port string, deps ...string) *Manifest {
		raw, blobs := buildkitManifest(t, [][2]string{{PredicateSLSA1, stmt(deps...)}})
		get := func(h v1.Hash) ([]byte, error) { return blobs[h], nil }
		subst := map[string]string{"127.0.0.1:" + port + "/lkpkg/sbom-scanner": "localhost/lkpkg/sbom-scanner"}
		m, err := Normalize(raw, get, v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}, 0, subst)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	low := run("35000", scanner("35000"), base)  // BuildKit: scanner first
	high := run("45000", base, scanner("45000")) // BuildKit: base first
	if low.Entry.Digest != high.Entry.Digest {
		t.Errorf("the same dependencies in BuildKit's two orders give %s and %s:\n%s\n%s", low.Entry.Digest, high.Entry.Digest, low.Blobs[low.Statements[0]], high.Blobs[high.Statements[0]])
	}
	prov := string(low.Blobs[low.Statements[0]])
	b, s := strings.Index(prov, "lkpkg/busybox"), strings.Index(prov, "pkg:docker/localhost/lkpkg/sbom-scanner?digest=sha256:c1")
	if b < 0 || s < 0 || b > s {
		t.Errorf("want the base (127.0.0.1:...) then the scanner (localhost/...), by URI: %s", prov)
	}
}
