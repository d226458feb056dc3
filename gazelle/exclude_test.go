package gazelle_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/gazelle/gazelletest"
)

// TestExcludedGitignore: the extension knows which directories hold a
// .gitignore from Gazelle's directory listings; a .gitignore that a Gazelle
// exclusion keeps out of those listings must still be applied to srcs.
func TestExcludedGitignore(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"none": {},
		"directive": {
			"BUILD.bazel": "# gazelle:exclude **/.gitignore\n",
		},
		"directive in the package": {
			"pkg/p/BUILD.bazel": "# gazelle:exclude .gitignore\n",
		},
		"bazelignore": {
			".bazelignore": "pkg/p/.gitignore\n",
		},
	} {
		t.Run(name, func(t *testing.T) {
			ws := t.TempDir()
			tree := map[string]string{
				"MODULE.bazel":     "module(name = \"x\")\n",
				"pkg/p/build.yml":  "image: p\n",
				"pkg/p/Dockerfile": "FROM scratch\n",
				"pkg/p/.gitignore": "*.tmp\n",
				"pkg/p/a.tmp":      "x\n",
				"pkg/p/keep.txt":   "x\n",
			}
			for rel, text := range files {
				tree[rel] = text
			}
			for rel, text := range tree {
				p := filepath.Join(ws, filepath.FromSlash(rel))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if logs, err := gazelletest.UpdateWith(ws, gazelletest.LinuxKitLanguages()); err != nil {
				t.Fatalf("gazelle: %v\n%s", err, logs)
			}
			data, err := os.ReadFile(filepath.Join(ws, "pkg/p/BUILD.bazel"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), `exclude = ["a.tmp"]`) {
				t.Errorf("pkg/p/.gitignore ignores a.tmp; srcs should exclude it:\n%s", data)
			}
		})
	}
}
