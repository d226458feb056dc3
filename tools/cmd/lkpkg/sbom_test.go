package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// sbomFiles parses lkpkg sbom's output and returns its file names by
// SPDX id prefix (arch).
func sbomFiles(t *testing.T, out string) map[string][]string {
	t.Helper()
	var doc struct {
		SPDXVersion string `json:"spdxVersion"`
		Files       []struct {
			SPDXID   string `json:"SPDXID"`
			FileName string `json:"fileName"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("lkpkg sbom printed no SPDX JSON (%v):\n%.500s", err, out)
	}
	if doc.SPDXVersion != "SPDX-2.3" {
		t.Errorf("spdxVersion %q", doc.SPDXVersion)
	}
	files := map[string][]string{}
	for _, f := range doc.Files {
		arch, _, _ := strings.Cut(strings.TrimPrefix(f.SPDXID, "SPDXRef-"), "-")
		files[arch] = append(files[arch], f.FileName)
	}
	return files
}

// TestSBOM: lkpkg sbom prints the merged SPDX of a build output, of a
// package's output in the store and of the pushed index, the same each way.
func TestSBOM(t *testing.T) {
	d := testenv.BuildKit(t)
	reg := testenv.StartRegistry(t)
	base := testenv.Busybox(t, reg)
	scanner := testenv.FixtureScanner(t, reg)
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"build.yml":  "image: scanned\norg: lkt\narches: [amd64]\ndisable-content-trust: true\n",
		"Dockerfile": "ARG BASE\nFROM $BASE\nCOPY motd /etc/motd\n",
		"motd":       "hi\n",
	})
	out := t.TempDir()
	if code, stdout, stderr := lkpkg(t, "build", "--push", "--builder-addr", d.Address(), "--progress", "quiet", "--hash", "s1",
		"--build-arg", "BASE="+base, "--sbom-scanner", scanner, "--output-dir", out, "--registry", reg.Host, dir); code != 0 {
		t.Fatalf("build --push: %d\n%s\n%s", code, stdout, stderr)
	}

	code, fromDir, stderr := lkpkg(t, "sbom", out)
	if code != 0 {
		t.Fatalf("sbom DIR: %d %s", code, stderr)
	}
	files := sbomFiles(t, fromDir)
	got := " " + strings.Join(files["amd64"], " ") + " "
	for _, want := range []string{"/etc/motd", "/bin/busybox"} {
		if !strings.Contains(got, " "+want+" ") {
			t.Errorf("the SBOM of the output lacks %s: %v", want, files)
		}
	}
	code, fromReg, stderr := lkpkg(t, "sbom", "--registry", reg.Host, "lkt/scanned:s1")
	if code != 0 {
		t.Fatalf("sbom REF: %d %s", code, stderr)
	}
	if a, b := elements(t, fromReg), elements(t, fromDir); a != b {
		t.Errorf("the pushed image's SBOM differs from the output's:\n%.600s\n---\n%.600s", a, b)
	}
	file := filepath.Join(t.TempDir(), "sbom.spdx.json")
	if code, _, stderr := lkpkg(t, "sbom", "-o", file, out); code != 0 {
		t.Fatalf("sbom -o: %s", stderr)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != fromDir {
		t.Errorf("-o wrote %d bytes (%v), stdout had %d", len(b), err, len(fromDir))
	}

	// A package directory: its output in the store (--cache).
	store := t.TempDir()
	if code, _, stderr := lkpkg(t, "build", "--cache", store, "--builder-addr", d.Address(), "--progress", "quiet", "--hash", "s1",
		"--build-arg", "BASE="+base, "--sbom-scanner", scanner, dir); code != 0 {
		t.Fatalf("build into the store: %s", stderr)
	}
	code, fromStore, stderr := lkpkg(t, "sbom", "--cache", store, "--hash", "s1", dir)
	if code != 0 || fromStore != fromDir {
		t.Errorf("sbom PKGDIR: %d %s\n%.300s", code, stderr, fromStore)
	}
	if code, _, stderr := lkpkg(t, "sbom", "--cache", store, "--hash", "other", dir); code == 0 || !strings.Contains(stderr, "is not built") {
		t.Errorf("sbom of a package not built: %d %s", code, stderr)
	}

	// Built with --no-sbom there is no SBOM (without it, the default scanner
	// would make one where its layout is installed): the error says how to get one.
	plain := t.TempDir()
	if code, _, stderr := lkpkg(t, "build", "--builder-addr", d.Address(), "--progress", "quiet", "--hash", "s2", "--build-arg", "BASE="+base, "--no-sbom", "--output-dir", plain, dir); code != 0 {
		t.Fatalf("build: %s", stderr)
	}
	if code, _, stderr := lkpkg(t, "sbom", plain); code == 0 || !strings.Contains(stderr, "--sbom-scanner") {
		t.Errorf("sbom of an output without SBOM: %d %s", code, stderr)
	}
	if code, _, stderr := lkpkg(t, "sbom", filepath.Join(t.TempDir(), "missing")); code == 0 || !strings.Contains(stderr, "neither a directory nor") && !strings.Contains(stderr, "reading") {
		t.Errorf("sbom of nothing: %d %s", code, stderr)
	}
}

// elements is an SPDX document's packages, files and relationships.
func elements(t *testing.T, doc string) string {
	t.Helper()
	var d map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	return string(d["packages"]) + string(d["files"]) + string(d["relationships"]) + string(d["creationInfo"])
}
