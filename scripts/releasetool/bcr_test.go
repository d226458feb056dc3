package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The repository's own .bcr/ templates and a source archive of this checkout: the
// registry entry the release writes passes the registry's checks, and the archive has
// the layout source.template.json and presubmit.yml name.
func TestBCRTemplatesMatchSourceArchive(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	const version = "9.8.7"
	versionsBzl := formatVersions(version, map[string]map[string]archive{})
	src, files, err := sourceArchive(root, out, versionStamp{version: version, revision: "test"}, versionsBzl)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeRegistryEntry(root, out, version, src, files); err != nil {
		t.Fatalf("the registry entry of this checkout: %v", err)
	}

	// What the registry would download and unpack: the top directory is strip_prefix, and
	// the url names this file.
	var source struct {
		StripPrefix string `json:"strip_prefix"`
		URL         string `json:"url"`
	}
	data, err := os.ReadFile(filepath.Join(out, "bcr/modules/rules_linuxkit", version, "source.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &source); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(source.URL, "/v"+version+"/"+src.File) {
		t.Errorf("source.json url %s: want the release v%s's %s", source.URL, version, src.File)
	}
	tops := map[string]bool{}
	archived := map[string]bool{}
	f, err := os.Open(filepath.Join(out, src.File))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		top, rest, _ := strings.Cut(h.Name, "/")
		tops[top] = true
		archived[rest] = true
	}
	if len(tops) != 1 || !tops[source.StripPrefix] {
		t.Errorf("archive top directories %v, source.json strip_prefix %q", tops, source.StripPrefix)
	}
	for _, want := range []string{"MODULE.bazel", "rules/defs.bzl", versionsPath, "e2e/smoke/MODULE.bazel", "tools/cmd/lkpkg/main.go", "go.mod"} {
		if !archived[want] {
			t.Errorf("the source archive has no %s/%s", source.StripPrefix, want)
		}
	}
	module, err := os.ReadFile(filepath.Join(out, "bcr/modules/rules_linuxkit", version, "MODULE.bazel"))
	if err != nil {
		t.Fatal(err)
	}
	if string(module) != string(files["MODULE.bazel"]) {
		t.Errorf("the registry's MODULE.bazel differs from the archive's; the registry refuses that")
	}
}

const sourceURL = "https://github.com/rules-linuxkit/rules_linuxkit/releases/download/v1.0.0/rules_linuxkit-1.0.0.tar.gz"

func TestCheckMetadata(t *testing.T) {
	good := `{"homepage": "https://h", "maintainers": [{"name": "A B", "email": "a@b.c"}],
		"repository": ["github:rules-linuxkit/rules_linuxkit"], "versions": [], "yanked_versions": {}}`
	if err := checkMetadata([]byte(good), sourceURL); err != nil {
		t.Errorf("a valid metadata.json: %v", err)
	}
	for _, c := range []struct{ name, json, want string }{
		{"no maintainer", `{"homepage": "h", "maintainers": [], "repository": ["github:rules-linuxkit/rules_linuxkit"], "versions": []}`, "maintainers: empty"},
		{"github without id", `{"homepage": "h", "maintainers": [{"name": "M", "github": "rules-linuxkit"}], "repository": ["github:rules-linuxkit/rules_linuxkit"], "versions": []}`, "github_user_id"},
		{"placeholder", `{"homepage": "h", "maintainers": [{"name": "TODO", "email": "a@b"}], "repository": ["github:rules-linuxkit/rules_linuxkit"], "versions": []}`, "placeholder"},
		{"unknown field", `{"homepage": "h", "owner": "x", "maintainers": [{"name": "M", "email": "a@b"}], "versions": []}`, "owner"},
		{"no way to reach", `{"homepage": "h", "maintainers": [{"name": "M"}], "repository": ["github:rules-linuxkit/rules_linuxkit"], "versions": []}`, "neither email nor github"},
		{"url of another repository", `{"homepage": "h", "maintainers": [{"name": "M", "email": "a@b"}], "repository": ["github:someone/else"], "versions": []}`, "not a release download"},
	} {
		err := checkMetadata([]byte(c.json), sourceURL)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "metadata.template.json") && !strings.Contains(err.Error(), "source.template.json") {
			t.Errorf("%s: err %v, want one naming the file and %q", c.name, err, c.want)
		}
	}
	// A GitHub handle with its user id is fine.
	withID := `{"homepage": "h", "maintainers": [{"name": "M", "github": "octo", "github_user_id": 583231}], "repository": ["github:rules-linuxkit/rules_linuxkit"], "versions": []}`
	if err := checkMetadata([]byte(withID), sourceURL); err != nil {
		t.Errorf("github with github_user_id: %v", err)
	}
}

func TestCheckPresubmit(t *testing.T) {
	files := map[string][]byte{
		"MODULE.bazel":            []byte("module(name = \"rules_linuxkit\")\n"),
		"e2e/smoke/MODULE.bazel":  []byte("bazel_dep(name = \"rules_linuxkit\", version = \"\")\nlocal_path_override(\n    module_name = \"rules_linuxkit\",\n    path = \"../..\",\n)\n"),
		"e2e/deep/x/MODULE.bazel": []byte("bazel_dep(name = \"rules_linuxkit\", version = \"\")\nlocal_path_override(\n    module_name = \"rules_linuxkit\",\n    path = \"../..\",\n)\n"),
	}
	yml := func(path, bazel string) []byte {
		return []byte("bcr_test_module:\n  module_path: " + path + "\n  tasks:\n    t:\n      platform: debian11\n      bazel: " + bazel + "\n      build_targets: [\"//...\"]\n")
	}
	if err := checkPresubmit(yml("e2e/smoke", "7.x"), files); err != nil {
		t.Errorf("valid presubmit: %v", err)
	}
	for _, c := range []struct {
		name string
		yml  []byte
		want string
	}{
		{"missing module", yml("e2e/gone", "7.x"), "no e2e/gone/MODULE.bazel"},
		{"override elsewhere", yml("e2e/deep/x", "7.x"), `use "../../.."`},
		{"no bazel", yml("e2e/smoke", `""`), "no bazel version"},
		{"no tasks", []byte("matrix: {}\n"), "no tasks"},
	} {
		err := checkPresubmit(c.yml, files)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one with %q", c.name, err, c.want)
		}
	}
}
