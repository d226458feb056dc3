package build_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// TestReuseNeedsTheAttestationsAskedFor: a store output is reused only
// when it has every attestation the build asks for: one built with
// --no-sbom is rebuilt once a scanner is there, one with more is reused,
// and one written before result.json recorded its attestations (no
// "attestations" field: unknown) is rebuilt unless none are asked for.
func TestReuseNeedsTheAttestationsAskedFor(t *testing.T) {
	root := t.TempDir()
	dir := writePkg(t, filepath.Join(root, "base"), map[string]string{"build.yml": "image: base\norg: ex\narches: [amd64]\n", "Dockerfile": "FROM scratch\n"})
	store := filepath.Join(root, "store")
	p, err := pkg.Load(dir, pkg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := build.StorePath(store, p)
	if _, err := testenv.BuildOutput(out, "ex/base", p.Tag, []string{"amd64"}, 1, 64, 1); err != nil {
		t.Fatal(err)
	}
	// recorded rewrites result.json as if built with those attestations;
	// nil removes the field (an older lkpkg's result.json).
	recorded := func(kinds []string) {
		t.Helper()
		file := filepath.Join(out, "result.json")
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "attestations")
		if kinds != nil {
			m["attestations"] = kinds
		}
		if b, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := build.ReadResult(out); err != nil {
			t.Fatalf("result.json with attestations %v: %v", kinds, err)
		}
	}
	none := build.Options{NoProvenance: true}
	prov := build.Options{}
	sbom := build.Options{SBOMScannerLayout: "/scanner/layout"}
	sbomRef := build.Options{NoProvenance: true, SBOMScanner: "127.0.0.1:5000/lkpkg/sbom-scanner:latest"}
	for _, c := range []struct {
		name   string
		has    []string
		o      build.Options
		reused bool
	}{
		{"built with --no-sbom, now with a scanner layout", []string{"provenance"}, sbom, false},
		{"built with --no-sbom, now with --sbom-scanner", []string{"provenance"}, sbomRef, false},
		{"built with --no-sbom, again", []string{"provenance"}, prov, true},
		{"built with a scanner, now --no-sbom", []string{"provenance", "sbom"}, prov, true},
		{"built with a scanner, again", []string{"provenance", "sbom"}, sbom, true},
		{"built with neither, now provenance", []string{}, prov, false},
		{"built with neither, again", []string{}, none, true},
		{"an older result.json, provenance asked for", nil, prov, false},
		{"an older result.json, nothing asked for", nil, none, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			recorded(c.has)
			b := build.Builder{Options: c.o, Store: store, Reuse: true}
			pl, err := b.Plan([]string{dir})
			if err != nil {
				t.Fatal(err)
			}
			if got := pl.Reused(pl.Packages[0]) != nil; got != c.reused {
				t.Errorf("output with attestations %q, options %+v: reused %v, want %v", c.has, c.o, got, c.reused)
			}
		})
	}
}
