package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// chooseSBOM's precedence: --no-sbom, --sbom-scanner, --sbom-scanner-layout,
// the default layout (not with --hermetic), else a warning naming the fix.
func TestChooseSBOM(t *testing.T) {
	dir := t.TempDir()
	have := filepath.Join(dir, "have")
	if err := os.MkdirAll(have, 0o755); err != nil {
		t.Fatal(err)
	}
	index := `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:` + strings.Repeat("a", 64) + `","size":1}]}`
	if err := os.WriteFile(filepath.Join(have, "index.json"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(dir, "mine")
	if err := os.MkdirAll(mine, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mine, "index.json"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(empty, "index.json"), []byte(`{"schemaVersion":2,"manifests":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	ref := "127.0.0.1:5000/lkpkg/sbom-scanner:latest"
	for _, c := range []struct {
		name       string
		f          attestFlags
		hermetic   bool
		def        string
		ref, lay   string
		warn, fail string
	}{
		{name: "no-sbom wins over everything", f: attestFlags{noSBOM: true, scanner: ref, layout: mine}, def: have},
		{name: "no-sbom, no default: no warning", f: attestFlags{noSBOM: true}, def: missing},
		{name: "ref wins over a layout", f: attestFlags{scanner: ref, layout: mine}, def: have, ref: ref},
		{name: "explicit layout wins over the default", f: attestFlags{layout: mine}, def: have, lay: mine},
		{name: "explicit layout under hermetic", f: attestFlags{layout: mine}, hermetic: true, def: missing, lay: mine},
		{name: "explicit layout that is missing is refused", f: attestFlags{layout: missing}, def: have, fail: "--sbom-scanner-layout: no SBOM scanner image at " + missing},
		{name: "the default layout", def: have, lay: have},
		{name: "hermetic never looks at the default", hermetic: true, def: have},
		{name: "hermetic, nothing: no warning", hermetic: true, def: missing},
		{name: "no default layout: warning", def: missing, warn: "no SBOM attestation: no scanner image at " + missing + "; run scripts/sbom-scanner-setup, or pass --sbom-scanner REF / --sbom-scanner-layout DIR; --no-sbom silences this"},
		{name: "a default layout with no image: warning", def: empty, warn: "no SBOM attestation: " + filepath.Join(empty, "index.json") + " lists no image"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := chooseSBOM(c.f, c.hermetic, c.def)
			if c.fail != "" {
				if err == nil || !strings.Contains(err.Error(), c.fail) {
					t.Fatalf("error %v, want one containing %q", err, c.fail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ref != c.ref || got.layout != c.lay {
				t.Errorf("ref %q layout %q, want ref %q layout %q", got.ref, got.layout, c.ref, c.lay)
			}
			if c.warn == "" && got.warning != "" || !strings.HasPrefix(got.warning, c.warn) {
				t.Errorf("warning %q, want %q", got.warning, c.warn)
			}
		})
	}
}
