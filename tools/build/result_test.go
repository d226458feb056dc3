package build_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
)

// editResult rewrites the result.json of the build output dir.
func editResult(t *testing.T, dir string, edit func(r map[string]any)) {
	t.Helper()
	file := filepath.Join(dir, "result.json")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	edit(r)
	if b, err = json.Marshal(r); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func arch0(r map[string]any) map[string]any { return r["arches"].([]any)[0].(map[string]any) }

// A result.json is input: its arch and layout names become paths, so they
// must stay inside the output directory.
func TestReadResultRejectsEscapingPaths(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		edit        func(r map[string]any)
	}{
		{"arch dotdot", "arches[0].arch", func(r map[string]any) { arch0(r)["arch"] = "../../x" }},
		{"arch unknown", "arches[0].arch", func(r map[string]any) { arch0(r)["arch"] = "x86_64" }},
		{"arch layout dotdot", "arches[0].layout", func(r map[string]any) { arch0(r)["layout"] = "../../../etc" }},
		{"arch layout absolute", "arches[0].layout", func(r map[string]any) { arch0(r)["layout"] = "/etc" }},
		{"index layout dotdot", "layout", func(r map[string]any) { r["layout"] = "index/../../x" }},
		{"index layout absolute", "layout", func(r map[string]any) { r["layout"] = "/tmp/x" }},
		{"index layout dot", "layout", func(r map[string]any) { r["layout"] = "." }},
		{"no arches", "arches", func(r map[string]any) { r["arches"] = []any{} }},
		{"digest", "arches[0].digest", func(r map[string]any) { arch0(r)["digest"] = "sha256:../../x" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := archOutput(t, "amd64")
			editResult(t, dir, tc.edit)
			_, err := build.ReadResult(dir)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range []string{filepath.Join(dir, "result.json"), tc.field, "lkpkg build"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

// lkpkg merge-outputs used to create <out>/../../x from an arch of "../../x".
func TestMergeDoesNotWriteOutsideOutput(t *testing.T) {
	root := t.TempDir()
	in := archOutput(t, "amd64")
	editResult(t, in, func(r map[string]any) { arch0(r)["arch"] = "../../escaped" })
	out := filepath.Join(root, "a", "b", "out")
	if _, err := build.Merge(out, []string{in}); err == nil {
		t.Error("Merge of a result.json with arch ../../escaped succeeded")
	}
	if _, err := os.Stat(filepath.Join(root, "a", "escaped")); err == nil {
		t.Error("Merge wrote outside its output directory")
	}
}
