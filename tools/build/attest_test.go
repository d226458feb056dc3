package build_test

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-linuxkit/rules_linuxkit/tools/attest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// blob reads a blob of an OCI layout directory.
func blob(t *testing.T, dir string, h v1.Hash) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "blobs", h.Algorithm, h.Hex))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// statements returns the in-toto statements of the attestation manifest
// att in layout dir, by predicate type.
func statements(t *testing.T, dir string, att v1.Hash) map[string]map[string]any {
	t.Helper()
	var m v1.Manifest
	if err := json.Unmarshal(blob(t, dir, att), &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, l := range m.Layers {
		if l.MediaType != attest.MediaTypeInToto {
			t.Errorf("attestation layer %s has media type %s", l.Digest, l.MediaType)
		}
		var s map[string]any
		if err := json.Unmarshal(blob(t, dir, l.Digest), &s); err != nil {
			t.Fatal(err)
		}
		out[s["predicateType"].(string)] = s
		if s["predicateType"] != l.Annotations[attest.AnnotationPredicateType] {
			t.Errorf("layer annotated %q holds a %v statement", l.Annotations[attest.AnnotationPredicateType], s["predicateType"])
		}
	}
	return out
}

// checkArchLayout checks that an arch's layout lists its image, then the
// attestation manifest pointing at it, as BuildKit's indexes do, and
// returns the attestation's digest.
func checkArchLayout(t *testing.T, dir string, a build.ArchResult) v1.Hash {
	t.Helper()
	idx, err := build.ReadIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Manifests) != 2 {
		t.Fatalf("%s lists %d manifests, want the image and its attestation manifest", dir, len(idx.Manifests))
	}
	img, att := idx.Manifests[0], idx.Manifests[1]
	if img.Digest.String() != a.Digest || att.Digest.String() != a.Attestation {
		t.Errorf("%s lists %s, %s; result.json says %s, %s", dir, img.Digest, att.Digest, a.Digest, a.Attestation)
	}
	if p := att.Platform; p == nil || p.OS != "unknown" || p.Architecture != "unknown" {
		t.Errorf("attestation platform = %+v, want unknown/unknown", p)
	}
	if att.Annotations[attest.AnnotationRefType] != "attestation-manifest" || att.Annotations[attest.AnnotationRefDigest] != a.Digest {
		t.Errorf("attestation annotations = %v, want attestation-manifest for %s", att.Annotations, a.Digest)
	}
	return att.Digest
}

func TestBuildProvenance(t *testing.T) {
	testenv.RequireQEMU(t)
	e := newEnv(t)
	dir := writePkg(t, t.TempDir(), map[string]string{
		"build.yml":  "image: attested\norg: example\narches:\n  - amd64\n  - arm64\nbuildArgs:\n  - TOKEN=not-in-provenance\n",
		"Dockerfile": "ARG BASE\nFROM ${BASE}\nARG TOKEN\nCOPY a.txt /a.txt\nRUN uname -m > /arch\n",
		"a.txt":      "a\n",
	})
	p := load(t, dir)
	out := filepath.Join(t.TempDir(), "out")
	res := e.mustBuild(p, out, build.Options{})

	// The index: the images, then one attestation manifest per image.
	idxBlob, err := build.ReadIndex(filepath.Join(out, "index"))
	if err != nil {
		t.Fatal(err)
	}
	var index v1.IndexManifest
	if err := json.Unmarshal(blob(t, filepath.Join(out, "index"), idxBlob.Manifests[0].Digest), &index); err != nil {
		t.Fatal(err)
	}
	if len(index.Manifests) != 4 {
		t.Fatalf("index lists %d manifests, want 2 images and 2 attestations: %+v", len(index.Manifests), index.Manifests)
	}
	for i, a := range res.Arches {
		att := checkArchLayout(t, filepath.Join(out, a.Layout), a)
		if got := index.Manifests[i]; got.Digest.String() != a.Digest || got.Platform.Architecture != a.Arch {
			t.Errorf("index entry %d = %s %+v, want the %s image %s", i, got.Digest, got.Platform, a.Arch, a.Digest)
		}
		got := index.Manifests[len(res.Arches)+i]
		if got.Digest != att || attest.Subject(got) != a.Digest || got.Platform.OS != "unknown" {
			t.Errorf("index entry %d = %s %v, want %s's attestation %s", len(res.Arches)+i, got.Digest, got.Annotations, a.Arch, att)
		}

		// The provenance: SLSA v1 about this image, no clock, no build args.
		st := statements(t, filepath.Join(out, a.Layout), att)
		prov, ok := st[attest.PredicateSLSA1]
		if !ok {
			t.Fatalf("%s attestation has no SLSA v1 provenance: %v", a.Arch, st)
		}
		subj := prov["subject"].([]any)[0].(map[string]any)["digest"].(map[string]any)["sha256"]
		if "sha256:"+subj.(string) != a.Digest {
			t.Errorf("%s provenance is about sha256:%s, want %s", a.Arch, subj, a.Digest)
		}
		raw, _ := json.Marshal(prov)
		for _, bad := range []string{"startedOn", "finishedOn", "invocationId", "not-in-provenance", "TOKEN"} {
			if strings.Contains(string(raw), bad) {
				t.Errorf("%s provenance holds %s: %s", a.Arch, bad, raw)
			}
		}
		for _, want := range []string{`"targetPlatform":"linux/` + a.Arch + `"`, "lkpkg/busybox@latest?platform=linux%2F" + a.Arch, `"buildkit_reproducible":true`} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("%s provenance lacks %s: %s", a.Arch, want, raw)
			}
		}
	}

	// A clean daemon gives the same index, attestations included.
	e2 := e.cleanDaemon()
	again := e2.mustBuild(p, filepath.Join(t.TempDir(), "again"), build.Options{})
	if again.Digest != res.Digest {
		t.Errorf("index digest differs on a clean daemon: %s vs %s", res.Digest, again.Digest)
	}
	for i := range res.Arches {
		if again.Arches[i].Attestation != res.Arches[i].Attestation {
			t.Errorf("%s attestation differs on a clean daemon: %s vs %s", res.Arches[i].Arch, res.Arches[i].Attestation, again.Arches[i].Attestation)
		}
	}

	// One arch at a time (Bazel's actions) and merged: the same index.
	var inputs []string
	for _, a := range []string{"amd64", "arm64"} {
		o := filepath.Join(t.TempDir(), a)
		r := e.mustBuild(p, o, build.Options{Platforms: []string{"linux/" + a}})
		want := res.Arches[len(inputs)]
		if r.Arches[0].Digest != want.Digest || r.Arches[0].Attestation != want.Attestation {
			t.Errorf("%s alone: image %s attestation %s, want %s %s", a, r.Arches[0].Digest, r.Arches[0].Attestation, want.Digest, want.Attestation)
		}
		inputs = append(inputs, o)
	}
	merged, err := build.Merge(filepath.Join(t.TempDir(), "merged"), inputs)
	if err != nil {
		t.Fatal(err)
	}
	if merged.Digest != res.Digest {
		t.Errorf("merged per-arch builds give index %s, the multi-arch build %s", merged.Digest, res.Digest)
	}

	// A package built FROM this one through a named context states the
	// same provenance whether the context is the multi-arch index (the
	// CLI) or the one-arch output (a Bazel action): the material is the
	// image it used.
	chained := load(t, writePkg(t, t.TempDir(), map[string]string{
		"build.yml":  "image: chained\norg: example\narches:\n  - amd64\n",
		"Dockerfile": "FROM " + p.Ref() + "\nRUN echo chained > /chained\n",
	}))
	// Bazel's sandbox presents the dependency's files as symlinks.
	linked := filepath.Join(t.TempDir(), "linked")
	if err := filepath.WalkDir(filepath.Join(inputs[0], "index"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(inputs[0], "index"), path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(linked, rel), 0o755)
		}
		return os.Symlink(path, filepath.Join(linked, rel))
	}); err != nil {
		t.Fatal(err)
	}
	var chainedAtts []string
	for _, ctx := range []string{filepath.Join(out, "index"), filepath.Join(inputs[0], "index"), linked} {
		cout := filepath.Join(t.TempDir(), "chained")
		r := e.mustBuild(chained, cout, build.Options{Contexts: map[string]string{p.Ref(): ctx}})
		chainedAtts = append(chainedAtts, r.Arches[0].Attestation)
		h, _ := v1.NewHash(r.Arches[0].Attestation)
		raw, _ := json.Marshal(statements(t, filepath.Join(cout, "amd64"), h)[attest.PredicateSLSA1])
		if img := strings.TrimPrefix(res.Arches[0].Digest, "sha256:"); !strings.Contains(string(raw), img) {
			t.Errorf("the chained provenance does not name the amd64 image %s it was built FROM: %s", img, raw)
		}
	}
	if chainedAtts[0] != chainedAtts[1] || chainedAtts[0] != chainedAtts[2] {
		t.Errorf("FROM the multi-arch index: attestation %s; FROM the amd64 output: %s; FROM it as symlinks: %s", chainedAtts[0], chainedAtts[1], chainedAtts[2])
	}

	// --no-provenance: the same images, no attestation.
	plain := e.mustBuild(p, filepath.Join(t.TempDir(), "plain"), build.Options{NoProvenance: true})
	for i, a := range plain.Arches {
		if a.Digest != res.Arches[i].Digest || a.Attestation != "" {
			t.Errorf("without provenance %s = %s (attestation %q), want %s and none", a.Arch, a.Digest, a.Attestation, res.Arches[i].Digest)
		}
	}
	if plain.Digest == res.Digest {
		t.Errorf("the index without attestations has the digest of the one with them")
	}
}

// spdxFiles returns the file names the SPDX statement of st lists.
func spdxFiles(t *testing.T, st map[string]map[string]any) []string {
	t.Helper()
	s, ok := st[attest.PredicateSPDX]
	if !ok {
		t.Fatalf("no SPDX statement among %v", keysOfMap(st))
	}
	var out []string
	files, _ := s["predicate"].(map[string]any)["files"].([]any)
	for _, f := range files {
		out = append(out, f.(map[string]any)["fileName"].(string))
	}
	return out
}

func keysOfMap(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestBuildSBOM: with an SBOM scanner, each image's attestation manifest
// also holds BuildKit's SPDX statement about it (here from a fixture
// scanner that, like real ones, writes the clock and a per-run namespace),
// made deterministic: a clean daemon gives the same digests.
func TestBuildSBOM(t *testing.T) {
	e := newEnv(t)
	scanner := testenv.FixtureScanner(t, &testenv.Registry{Host: strings.SplitN(e.base, "/", 2)[0]})
	dir := writePkg(t, t.TempDir(), map[string]string{
		"build.yml":  fmt.Sprintf(buildYML, "scanned"),
		"Dockerfile": "ARG BASE\nFROM ${BASE}\nCOPY a.txt /etc/a.txt\n",
		"a.txt":      "a\n",
	})
	p := load(t, dir)
	out := filepath.Join(t.TempDir(), "out")
	res := e.mustBuild(p, out, build.Options{SBOMScanner: scanner})
	a := res.Arches[0]
	att := checkArchLayout(t, filepath.Join(out, a.Layout), a)
	st := statements(t, filepath.Join(out, a.Layout), att)
	if _, ok := st[attest.PredicateSLSA1]; !ok {
		t.Errorf("no provenance beside the SBOM: %v", keysOfMap(st))
	}
	files := strings.Join(spdxFiles(t, st), " ")
	for _, want := range []string{"/etc/a.txt", "/bin/busybox"} {
		if !strings.Contains(" "+files+" ", " "+want+" ") {
			t.Errorf("the SBOM lacks %s: %s", want, files)
		}
	}
	raw, _ := json.Marshal(st[attest.PredicateSPDX])
	if !strings.Contains(string(raw), `"created":"1970-01-01T00:00:00Z"`) || strings.Contains(string(raw), "run-") {
		t.Errorf("the SBOM keeps the scanner's clock or per-run namespace: %.400s", raw)
	}
	_, docs, err := build.SPDX(out)
	if err != nil || len(docs) != 1 || docs[0].Arch != "amd64" || docs[0].Image != a.Digest {
		t.Errorf("build.SPDX = %v, %v", docs, err)
	}
	// As a Bazel action sees the output: every file a symlink.
	linked := filepath.Join(t.TempDir(), "linked")
	if err := filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(linked, rel), 0o755)
		}
		return os.Symlink(path, filepath.Join(linked, rel))
	}); err != nil {
		t.Fatal(err)
	}
	if _, ldocs, err := build.SPDX(linked); err != nil || len(ldocs) != 1 || string(ldocs[0].Doc) != string(docs[0].Doc) {
		t.Errorf("build.SPDX of the output as symlinks: %v", err)
	}

	e2 := e.cleanDaemon()
	again := e2.mustBuild(p, filepath.Join(t.TempDir(), "again"), build.Options{SBOMScanner: scanner})
	if again.Digest != res.Digest || again.Arches[0].Attestation != a.Attestation {
		t.Errorf("a clean daemon gives index %s attestation %s, first build %s %s", again.Digest, again.Arches[0].Attestation, res.Digest, a.Attestation)
	}
}

// TestBuildSBOMWithTheScanner: the project's SBOM scanner image (syft,
// scripts/sbom-scanner-setup) run by BuildKit: the SPDX lists the file
// the Dockerfile copies and the base image's busybox binary and package,
// and a clean daemon gives the same digests.
func TestBuildSBOMWithTheScanner(t *testing.T) {
	e := newEnv(t)
	scanner := testenv.SBOMScanner(t, &testenv.Registry{Host: strings.SplitN(e.base, "/", 2)[0]})
	dir := writePkg(t, t.TempDir(), map[string]string{
		"build.yml":    fmt.Sprintf(buildYML, "syfted"),
		"Dockerfile":   "ARG BASE\nFROM ${BASE}\nCOPY greeting.txt /usr/share/greeting.txt\n",
		"greeting.txt": "hello\n",
	})
	p := load(t, dir)
	out := filepath.Join(t.TempDir(), "out")
	res := e.mustBuild(p, out, build.Options{SBOMScanner: scanner})
	a := res.Arches[0]
	st := statements(t, filepath.Join(out, a.Layout), checkArchLayout(t, filepath.Join(out, a.Layout), a))
	files := " " + strings.Join(spdxFiles(t, st), " ") + " "
	for _, want := range []string{"usr/share/greeting.txt", "bin/busybox"} {
		if !strings.Contains(files, " "+want+" ") && !strings.Contains(files, " /"+want+" ") {
			t.Errorf("the SBOM lacks %s", want)
		}
	}
	raw, _ := json.Marshal(st[attest.PredicateSPDX]["predicate"].(map[string]any)["packages"])
	if !strings.Contains(string(raw), `"name":"busybox"`) {
		t.Errorf("the SBOM lists no busybox package: %.500s", raw)
	}

	e2 := e.cleanDaemon()
	again := e2.mustBuild(p, filepath.Join(t.TempDir(), "again"), build.Options{SBOMScanner: scanner})
	if again.Digest != res.Digest || again.Arches[0].Attestation != a.Attestation {
		t.Errorf("a clean daemon gives index %s attestation %s, first build %s %s", again.Digest, again.Arches[0].Attestation, res.Digest, a.Attestation)
	}
}

// scannerPort is the port of the scanner registry a build's plain progress
// names (BuildKit resolves the generator image), or "".
func scannerPort(log string) string {
	m := regexp.MustCompile(`127\.0\.0\.1:(\d+)/lkpkg/sbom-scanner@`).FindStringSubmatch(log)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestBuildSBOMFromLayout: Options.SBOMScannerLayout serves the scanner
// from an OCI layout on an ephemeral 127.0.0.1 port for the build: the
// image gets its SPDX statement, result.json records both attestations,
// and a second build whose scanner is served on another port, on a clean
// daemon, gives the same digests: the port is in no output.
func TestBuildSBOMFromLayout(t *testing.T) {
	e := newEnv(t)
	scanner := filepath.Join(t.TempDir(), "scanner")
	scannerDigest := testenv.FixtureScannerLayout(t, scanner)
	dir := writePkg(t, t.TempDir(), map[string]string{
		"build.yml":  fmt.Sprintf(buildYML, "served"),
		"Dockerfile": "ARG BASE\nFROM ${BASE}\nCOPY a.txt /etc/a.txt\n",
		"a.txt":      "a\n",
	})
	p := load(t, dir)
	out := filepath.Join(t.TempDir(), "out")
	res := e.mustBuild(p, out, build.Options{SBOMScannerLayout: scanner})
	port := scannerPort(e.log.String())
	if port == "" {
		t.Fatalf("the progress names no scanner served on 127.0.0.1:\n%s", e.log.String())
	}
	if strings.Join(res.Attestations, ",") != "provenance,sbom" {
		t.Errorf("result attestations %q, want provenance and sbom", res.Attestations)
	}
	a := res.Arches[0]
	st := statements(t, filepath.Join(out, a.Layout), checkArchLayout(t, filepath.Join(out, a.Layout), a))
	files := " " + strings.Join(spdxFiles(t, st), " ") + " "
	for _, want := range []string{"/etc/a.txt", "/bin/busybox"} {
		if !strings.Contains(files, " "+want+" ") {
			t.Errorf("the SBOM lacks %s: %s", want, files)
		}
	}
	for pt, s := range st {
		raw, _ := json.Marshal(s)
		if strings.Contains(string(raw), "127.0.0.1:"+port) {
			t.Errorf("the %s statement records the scanner's port: %s", pt, raw)
		}
	}
	// The provenance still names the scanner, by digest.
	prov, _ := json.Marshal(st[attest.PredicateSLSA1])
	if want := "pkg:docker/" + build.ServedScanner + "?digest=" + scannerDigest.String(); !strings.Contains(string(prov), want) {
		t.Errorf("the provenance does not list the scanner as %s: %s", want, prov)
	}

	// The first port stays taken, so the second build's scanner gets another.
	hold, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	e2 := e.cleanDaemon()
	againDir := filepath.Join(t.TempDir(), "again")
	again := e2.mustBuild(p, againDir, build.Options{SBOMScannerLayout: scanner})
	port2 := scannerPort(e2.log.String())
	if port2 == "" || port2 == port {
		t.Fatalf("second build's scanner port %q, want one other than %s", port2, port)
	}
	t.Logf("scanner on port %s: index %s attestation %s; on port %s: index %s attestation %s", port, res.Digest, a.Attestation, port2, again.Digest, again.Arches[0].Attestation)
	if again.Digest != res.Digest || again.Arches[0].Digest != a.Digest || again.Arches[0].Attestation != a.Attestation {
		t.Errorf("scanner on port %s: index %s image %s attestation %s; on port %s: %s %s %s", port, res.Digest, a.Digest, a.Attestation, port2, again.Digest, again.Arches[0].Digest, again.Arches[0].Attestation)
	}
}
