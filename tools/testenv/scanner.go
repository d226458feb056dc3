package testenv

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/scannerimage"
)

// SBOMScanner pushes the SBOM scanner image that scripts/sbom-scanner-setup
// wrote (an OCI layout under the machine cache) to reg and returns its
// reference, pinned by digest: <host>/lkpkg/sbom-scanner:latest@sha256:...,
// what BuildKit's attest:sbom=generator=REF takes. Tests skip (fail under
// CI=true) when the layout is missing.
func SBOMScanner(tb testing.TB, reg *Registry) string {
	tb.Helper()
	dir := scannerimage.DefaultLayout()
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		unavailable(tb, "no SBOM scanner image at %s (run scripts/sbom-scanner-setup)", dir)
	}
	ref, err := scannerimage.Push(dir, scannerimage.DefaultRef(reg.Host))
	if err != nil {
		tb.Fatal(err)
	}
	return ref
}

// SBOMScannerLayout returns the directory of the SBOM scanner's OCI layout
// that scripts/sbom-scanner-setup wrote (what lkpkg build uses by
// default). Tests skip (fail under CI=true) when it is missing.
func SBOMScannerLayout(tb testing.TB) string {
	tb.Helper()
	dir := scannerimage.DefaultLayout()
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		unavailable(tb, "no SBOM scanner image at %s (run scripts/sbom-scanner-setup)", dir)
	}
	return dir
}
