package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// A new release keeps the older ones versions.bzl names: write, read back, compare.
func TestVersionsRoundTrip(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	releases := map[string]map[string]archive{
		"0.1.0": {"linux_amd64": {File: "lkpkg-0.1.0-linux-amd64.tar.gz", SHA256: sha}},
		"0.2.0": {
			"darwin_arm64": {File: "lkpkg-0.2.0-darwin-arm64.tar.gz", SHA256: sha},
			"linux_arm64":  {File: "lkpkg-0.2.0-linux-arm64.tar.gz", SHA256: sha},
		},
	}
	path := filepath.Join(t.TempDir(), "versions.bzl")
	data := formatVersions("0.2.0", releases)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readVersions(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, releases) {
		t.Errorf("read back %v, wrote %v:\n%s", got, releases, data)
	}
	if !strings.Contains(string(data), `LKPKG_VERSION = "0.2.0"`) {
		t.Errorf("versions.bzl does not make 0.2.0 the default:\n%s", data)
	}
}

// Two archives of the same entries are the same bytes, whatever the order given, with
// zero times and root owners.
func TestTarGzReproducible(t *testing.T) {
	dir := t.TempDir()
	a, err := writeTarGz(dir, "a.tar.gz", []entry{{"p/x", 0o644, []byte("x")}, {"p/bin", 0o755, []byte("b")}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := writeTarGz(dir, "b.tar.gz", []entry{{"p/bin", 0o755, []byte("b")}, {"p/x", 0o644, []byte("x")}})
	if err != nil {
		t.Fatal(err)
	}
	if a.SHA256 != b.SHA256 {
		t.Fatalf("same entries, different archives: %s, %s", a.SHA256, b.SHA256)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "a.tar.gz"))
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" {
		t.Errorf("gzip header has time %v, name %q", zr.ModTime, zr.Name)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.ModTime.Unix() != 0 || h.Uid != 0 || h.Gid != 0 || h.Uname != "" {
			t.Errorf("%s: time %v, owner %d:%d %q", h.Name, h.ModTime, h.Uid, h.Gid, h.Uname)
		}
		names = append(names, h.Name)
	}
	if want := []string{"p/", "p/bin", "p/x"}; !reflect.DeepEqual(names, want) {
		t.Errorf("entries %v, want %v", names, want)
	}
}

func TestSetModuleVersion(t *testing.T) {
	got, err := setModuleVersion([]byte("module(\n    name = \"rules_linuxkit\",\n    version = \"0.0.0\",\n)\n"), "1.2.3")
	if err != nil || !strings.Contains(string(got), `    version = "1.2.3",`) {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := setModuleVersion([]byte("module(name = \"x\")\n"), "1.2.3"); err == nil || !strings.Contains(err.Error(), "MODULE.bazel") {
		t.Errorf("no version line: err %v, want one naming MODULE.bazel", err)
	}
}

// The release sets lkpkg's version and revision in tools/version, the
// file lkpkg reads them from.
func TestSetVersionFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", versionGoPath))
	if err != nil {
		t.Fatal(err)
	}
	got, err := versionStamp{version: "1.2.3", revision: "0123abc"}.setVersionFile(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\tVersion = \"1.2.3\"\n", "\tRevision = \"0123abc\"\n"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("the stamped file lacks %q:\n%s", want, got)
		}
	}
	if _, err := (versionStamp{}).setVersionFile([]byte("package version\n")); err == nil || !strings.Contains(err.Error(), versionGoPath) {
		t.Errorf("no lines to set: err %v, want one naming %s", err, versionGoPath)
	}
}
