package build_test

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// sbomCLI is lkpkg with its own local daemon, and a package FROM the
// busybox base in a registry on 127.0.0.1 that copies greeting.txt.
func sbomCLI(t *testing.T) (c *cli, pkgDir, base string) {
	t.Helper()
	testenv.RequireBuildKit(t)
	daemonDir, err := os.MkdirTemp("", "bksbom")
	if err != nil {
		t.Fatal(err)
	}
	c = &cli{t: t, bin: lkpkgBinary(t), daemonDir: daemonDir}
	t.Cleanup(func() {
		c.run("builder", "stop")
		os.RemoveAll(daemonDir)
	})
	base = testenv.Busybox(t, testenv.StartRegistry(t))
	pkgDir = writePkg(t, t.TempDir(), map[string]string{
		"build.yml":    "image: sbomdefault\norg: example\narches:\n  - amd64\n",
		"Dockerfile":   "ARG BASE\nFROM ${BASE}\nCOPY greeting.txt /usr/share/greeting.txt\n",
		"greeting.txt": "hello\n",
	})
	return c, pkgDir, base
}

const noScannerWarning = "warning: no SBOM attestation: no scanner image at "

// TestCLISBOMByDefault: lkpkg build with no scanner flag attaches the SBOM
// of the project's scanner (scripts/sbom-scanner-setup's layout, served to
// BuildKit on 127.0.0.1), which lkpkg sbom reads back: it lists the copied
// file and bin/busybox. Built again after builder prune, with the scanner
// served on another port, it gives the same digests. --no-sbom makes none,
// and no warning.
func TestCLISBOMByDefault(t *testing.T) {
	testenv.SBOMScannerLayout(t)
	c, pkgDir, base := sbomCLI(t)
	out := filepath.Join(t.TempDir(), "out")
	_, errOut, err := c.run("build", "--platforms", "linux/amd64", "--progress", "plain", "--output-dir", out, "--build-arg", "BASE="+base, pkgDir)
	if err != nil {
		t.Fatalf("lkpkg build: %v\n%s", err, tailString(errOut, 3000))
	}
	if strings.Contains(errOut, "warning: no SBOM") {
		t.Errorf("a build with the scanner set up warns: %s", errOut)
	}
	first := readResult(t, out)
	if strings.Join(first.Attestations, ",") != "provenance,sbom" {
		t.Errorf("result.json attestations %q, want provenance and sbom", first.Attestations)
	}
	port := scannerPort(errOut)
	if port == "" {
		t.Fatalf("the progress names no scanner served on 127.0.0.1:\n%s", tailString(errOut, 3000))
	}
	hold, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	c.mustRun("builder", "prune")
	again := filepath.Join(t.TempDir(), "again")
	_, errOut, err = c.run("build", "--platforms", "linux/amd64", "--progress", "plain", "--output-dir", again, "--build-arg", "BASE="+base, pkgDir)
	if err != nil {
		t.Fatalf("lkpkg build again: %v\n%s", err, tailString(errOut, 3000))
	}
	second := readResult(t, again)
	port2 := scannerPort(errOut)
	t.Logf("scanner on port %s: index %s attestation %s; after prune, on port %s: index %s attestation %s", port, first.Digest, first.Arches[0].Attestation, port2, second.Digest, second.Arches[0].Attestation)
	if port2 == "" || port2 == port {
		t.Errorf("second build's scanner port %q, want one other than %s", port2, port)
	}
	if second.Digest != first.Digest || second.Arches[0].Attestation != first.Arches[0].Attestation {
		t.Errorf("index %s attestation %s, then %s %s", first.Digest, first.Arches[0].Attestation, second.Digest, second.Arches[0].Attestation)
	}
	var doc struct {
		Files []struct {
			FileName string `json:"fileName"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("sbom", out)), &doc); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range doc.Files {
		names = append(names, strings.TrimPrefix(f.FileName, "/"))
	}
	list := " " + strings.Join(names, " ") + " "
	for _, want := range []string{"usr/share/greeting.txt", "bin/busybox"} {
		if !strings.Contains(list, " "+want+" ") {
			t.Errorf("lkpkg sbom lists no %s (%d files)", want, len(names))
		}
	}

	none := filepath.Join(t.TempDir(), "none")
	_, errOut, err = c.run("build", "--no-sbom", "--platforms", "linux/amd64", "--progress", "plain", "--output-dir", none, "--build-arg", "BASE="+base, pkgDir)
	if err != nil {
		t.Fatalf("lkpkg build --no-sbom: %v\n%s", err, tailString(errOut, 3000))
	}
	if strings.Contains(errOut, "warning: no SBOM") {
		t.Errorf("--no-sbom warns: %s", errOut)
	}
	if r := readResult(t, none); strings.Join(r.Attestations, ",") != "provenance" {
		t.Errorf("--no-sbom: result.json attestations %q, want provenance only", r.Attestations)
	}
	if _, errOut, err := c.run("sbom", none); err == nil || !strings.Contains(errOut, "no SBOM attestations") {
		t.Errorf("lkpkg sbom of a --no-sbom output: %v, %s; want no SBOM attestations", err, errOut)
	}
}

// TestCLIWarnsWithoutScanner: with no scanner layout where the default is
// looked for, lkpkg build says once how to get one and builds without an
// SBOM: the same images as --no-sbom, which says nothing.
func TestCLIWarnsWithoutScanner(t *testing.T) {
	c, pkgDir, base := sbomCLI(t)
	cache := t.TempDir()
	c.env = []string{"RULES_LINUXKIT_CACHE=" + cache}
	missing := filepath.Join(cache, "sbom-scanner", "layout")
	out := filepath.Join(t.TempDir(), "out")
	_, errOut, err := c.run("build", "--platforms", "linux/amd64", "--progress", "plain", "--output-dir", out, "--build-arg", "BASE="+base, pkgDir)
	if err != nil {
		t.Fatalf("lkpkg build without a scanner: %v\n%s", err, tailString(errOut, 3000))
	}
	want := noScannerWarning + missing + "; run scripts/sbom-scanner-setup, or pass --sbom-scanner REF / --sbom-scanner-layout DIR; --no-sbom silences this\n"
	if n := strings.Count(errOut, "warning: no SBOM"); n != 1 || !strings.Contains(errOut, want) {
		t.Errorf("stderr has %d SBOM warnings, want one line %q:\n%s", n, want, tailString(errOut, 3000))
	}
	r := readResult(t, out)
	if strings.Join(r.Attestations, ",") != "provenance" {
		t.Errorf("result.json attestations %q, want provenance only", r.Attestations)
	}

	none := filepath.Join(t.TempDir(), "none")
	_, errOut, err = c.run("build", "--no-sbom", "--platforms", "linux/amd64", "--progress", "plain", "--output-dir", none, "--build-arg", "BASE="+base, pkgDir)
	if err != nil {
		t.Fatalf("lkpkg build --no-sbom: %v\n%s", err, tailString(errOut, 3000))
	}
	if strings.Contains(errOut, "warning: no SBOM") {
		t.Errorf("--no-sbom warns: %s", errOut)
	}
	if n := readResult(t, none); n.Digest != r.Digest {
		t.Errorf("no scanner gives index %s, --no-sbom %s", r.Digest, n.Digest)
	}
}
