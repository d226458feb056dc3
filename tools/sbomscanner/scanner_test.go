package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// debCache is where scripts/buildkit-setup keeps the busybox-static .debs
// the project's base images are made from.
var debCache = "/var/cache/rules_linuxkit/debs"

// busyboxRoot makes a small root filesystem like the tests' busybox base
// image: /bin/busybox from the cached .deb, applet links, /etc/passwd.
func busyboxRoot(t *testing.T) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(debCache, "busybox-static_*_amd64.deb"))
	if len(m) == 0 {
		msg := "no busybox-static .deb in " + debCache + "; run scripts/buildkit-setup"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	sort.Strings(m)
	x := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-x", m[len(m)-1], x).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -x: %v: %s", err, out)
	}
	bin, err := os.ReadFile(filepath.Join(x, "bin", "busybox"))
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "rootfs")
	for _, d := range []string{"bin", "etc", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "busybox"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"sh", "ls", "cat"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", a)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// spdxDoc is the part of an SPDX 2.3 JSON document the tests look at.
type spdxDoc struct {
	SPDXVersion       string `json:"spdxVersion"`
	Name              string `json:"name"`
	DocumentNamespace string `json:"documentNamespace"`
	CreationInfo      struct {
		Created  string   `json:"created"`
		Creators []string `json:"creators"`
	} `json:"creationInfo"`
	Packages []struct {
		SPDXID      string `json:"SPDXID"`
		Name        string `json:"name"`
		VersionInfo string `json:"versionInfo"`
	} `json:"packages"`
	Files []struct {
		SPDXID    string `json:"SPDXID"`
		FileName  string `json:"fileName"`
		Checksums []struct {
			Algorithm string `json:"algorithm"`
			Value     string `json:"checksumValue"`
		} `json:"checksums"`
	} `json:"files"`
}

type stmt struct {
	Type          string            `json:"_type"`
	PredicateType string            `json:"predicateType"`
	Subject       []json.RawMessage `json:"subject"`
	Predicate     spdxDoc           `json:"predicate"`
}

func readStatement(t *testing.T, b []byte) stmt {
	t.Helper()
	var s stmt
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("not a JSON statement: %v\n%.500s", err, b)
	}
	return s
}

// scanAsBuildKit runs the BuildKit protocol on root with the given extra
// trees and returns the destination directory.
func scanAsBuildKit(t *testing.T, root string, extras string, env map[string]string) string {
	t.Helper()
	dst := t.TempDir()
	vars := map[string]string{envSource: root, envDestination: dst}
	if extras != "" {
		vars[envExtras] = extras
	}
	for k, v := range env {
		vars[k] = v
	}
	if err := runBuildKit(context.Background(), func(k string) string { return vars[k] }); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestBuildKitProtocolListsBusyboxAndFiles(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "sbom") // BuildKit mounts the image at .../core/sbom
	if err := os.Rename(busyboxRoot(t), root); err != nil {
		t.Fatal(err)
	}
	dst := scanAsBuildKit(t, root, "", nil)
	ents, err := os.ReadDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "sbom.spdx.json" {
		t.Fatalf("destination holds %v, want exactly sbom.spdx.json (BuildKit takes every file there as a statement)", names)
	}
	b, err := os.ReadFile(filepath.Join(dst, "sbom.spdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := readStatement(t, b)
	if s.Type != statementType || s.PredicateType != predicateSPDX {
		t.Errorf("statement _type %q predicateType %q, want %q %q", s.Type, s.PredicateType, statementType, predicateSPDX)
	}
	if len(s.Subject) != 0 {
		t.Errorf("statement has subjects %s; BuildKit fills in the image only when there are none", s.Subject)
	}
	d := s.Predicate
	if d.SPDXVersion != "SPDX-2.3" {
		t.Errorf("spdxVersion %q, want SPDX-2.3", d.SPDXVersion)
	}
	if d.CreationInfo.Created != "1970-01-01T00:00:00Z" {
		t.Errorf("created %q, want the epoch without SOURCE_DATE_EPOCH", d.CreationInfo.Created)
	}
	if !strings.HasPrefix(d.DocumentNamespace, "https://github.com/rules-linuxkit/rules_linuxkit/spdx/sbom-") {
		t.Errorf("documentNamespace %q", d.DocumentNamespace)
	}
	var bb bool
	for _, p := range d.Packages {
		if p.Name == "busybox" {
			bb = true
			if !strings.HasPrefix(p.VersionInfo, "1.") {
				t.Errorf("busybox package version %q, want the binary's 1.x", p.VersionInfo)
			}
		}
	}
	if !bb {
		t.Errorf("no busybox package in %+v", d.Packages)
	}
	files := map[string]bool{}
	for _, f := range d.Files {
		files[f.FileName] = true
		if f.FileName == "bin/busybox" {
			var algs []string
			for _, c := range f.Checksums {
				algs = append(algs, c.Algorithm)
			}
			if strings.Join(algs, ",") != "SHA1,SHA256" {
				t.Errorf("bin/busybox checksums %v, want SHA1,SHA256", algs)
			}
		}
	}
	// Names are relative to the root, as syft writes them; BuildKit finds
	// each file's layer by joining the name to "/".
	for _, want := range []string{"bin/busybox", "etc/passwd", "bin/sh"} {
		if !files[want] {
			t.Errorf("files do not list %s: %v", want, files)
		}
	}
	for _, dir := range []string{".", "bin", "etc", "tmp"} {
		if files[dir] {
			t.Errorf("files list the directory %q: %v", dir, files)
		}
	}
}

func TestSameTreeSameBytes(t *testing.T) {
	a := busyboxRoot(t)
	b := busyboxRoot(t) // the same contents under another path
	read := func(root string) []byte {
		var out bytes.Buffer
		if err := runOne(context.Background(), func(string) string { return "" }, root, "img", "", &out); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	first, second, other := read(a), read(a), read(b)
	if !bytes.Equal(first, second) {
		t.Fatalf("two scans of the same tree differ:\n%s\n%s", first, second)
	}
	if !bytes.Equal(first, other) {
		t.Fatalf("scans of the same contents at two paths differ:\n%s\n%s", first, other)
	}
	// A changed file changes the document and its namespace.
	if err := os.WriteFile(filepath.Join(b, "etc", "passwd"), []byte("root:x:0:0::/:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed := read(b)
	if bytes.Equal(first, changed) {
		t.Fatal("a changed /etc/passwd did not change the SBOM")
	}
	if x, y := readStatement(t, first).Predicate.DocumentNamespace, readStatement(t, changed).Predicate.DocumentNamespace; x == y {
		t.Errorf("namespace %s did not change with the contents", x)
	}
}

func TestSourceDateEpoch(t *testing.T) {
	root := busyboxRoot(t)
	var out bytes.Buffer
	env := map[string]string{envEpoch: "1700000000"}
	if err := runOne(context.Background(), func(k string) string { return env[k] }, root, "img", "", &out); err != nil {
		t.Fatal(err)
	}
	if got := readStatement(t, out.Bytes()).Predicate.CreationInfo.Created; got != "2023-11-14T22:13:20Z" {
		t.Errorf("created %q with SOURCE_DATE_EPOCH=1700000000", got)
	}
	env[envEpoch] = "yesterday"
	err := runOne(context.Background(), func(k string) string { return env[k] }, root, "img", "", &out)
	if err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
		t.Errorf("SOURCE_DATE_EPOCH=yesterday: error %v, want one naming the variable", err)
	}
}

func TestExtrasAreNamedAfterTheirMounts(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "core", "sbom")
	if err := os.MkdirAll(filepath.Dir(root), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(busyboxRoot(t), root); err != nil {
		t.Fatal(err)
	}
	extras := filepath.Join(parent, "extras")
	ctxDir := filepath.Join(extras, "sbom-context")
	if err := os.MkdirAll(ctxDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := scanAsBuildKit(t, root, extras, nil)
	ents, _ := os.ReadDir(dst)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "sbom-context.spdx.json,sbom.spdx.json" {
		t.Fatalf("destination holds %v", names)
	}
	b, _ := os.ReadFile(filepath.Join(dst, "sbom-context.spdx.json"))
	s := readStatement(t, b)
	var found bool
	for _, f := range s.Predicate.Files {
		found = found || f.FileName == "Dockerfile"
	}
	if !found {
		t.Errorf("the context's SBOM does not list Dockerfile: %+v", s.Predicate.Files)
	}
}

func TestMissingVariables(t *testing.T) {
	err := runBuildKit(context.Background(), func(k string) string {
		if k == envSource {
			return "/nonexistent"
		}
		return ""
	})
	if err == nil || !strings.Contains(err.Error(), envDestination) {
		t.Errorf("no destination: error %v, want one naming %s", err, envDestination)
	}
	dst := t.TempDir()
	err = runBuildKit(context.Background(), func(k string) string {
		return map[string]string{envSource: filepath.Join(dst, "missing"), envDestination: dst}[k]
	})
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing source: error %v, want one naming it", err)
	}
	if ents, _ := os.ReadDir(dst); len(ents) != 0 {
		t.Errorf("a failed scan left %d files in the destination", len(ents))
	}
}
