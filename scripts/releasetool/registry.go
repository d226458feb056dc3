package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The GitHub repository releases are published from (the Go module's path).
const (
	owner    = "rules-linuxkit"
	repoName = "rules_linuxkit"
)

// writeRegistryEntry fills in .bcr/'s templates as the Bazel Central Registry's
// publishing tooling does, checks them against the source archive (files: its files below
// the top directory) as the registry would, and writes out/bcr, a registry with this one
// module version: what a BCR pull request would add, and a registry tests can point
// --registry at.
func writeRegistryEntry(root, out, version string, src archive, files map[string][]byte) error {
	fill := strings.NewReplacer("{OWNER}", owner, "{REPO}", repoName, "{VERSION}", version, "{TAG}", "v"+version)
	read := func(name string) ([]byte, error) {
		data, err := os.ReadFile(filepath.Join(root, ".bcr", name))
		if err != nil {
			return nil, fmt.Errorf(".bcr/%s: %w (the registry entry is made from it)", name, err)
		}
		return data, nil
	}
	modDir := filepath.Join(out, "bcr", "modules", repoName)
	verDir := filepath.Join(modDir, version)
	if err := os.MkdirAll(verDir, 0o755); err != nil {
		return err
	}

	tmpl, err := read("source.template.json")
	if err != nil {
		return err
	}
	var source map[string]any
	if err := json.Unmarshal([]byte(fill.Replace(string(tmpl))), &source); err != nil {
		return fmt.Errorf(".bcr/source.template.json: %w", err)
	}
	source["integrity"] = "sha256-" + base64.StdEncoding.EncodeToString(src.Sum[:])
	if want := repoName + "-" + version; source["strip_prefix"] != want {
		return fmt.Errorf(".bcr/source.template.json: strip_prefix %v, but the source archive's top directory is %s", source["strip_prefix"], want)
	}
	if url, _ := source["url"].(string); !strings.HasSuffix(url, "/"+src.File) {
		return fmt.Errorf(".bcr/source.template.json: url %q does not name the source archive %s", url, src.File)
	}

	meta, err := read("metadata.template.json")
	if err != nil {
		return err
	}
	var metadata map[string]any
	if err := json.Unmarshal([]byte(fill.Replace(string(meta))), &metadata); err != nil {
		return fmt.Errorf(".bcr/metadata.template.json: %w", err)
	}
	metadata["versions"] = []string{version}
	if err := checkMetadata([]byte(fill.Replace(string(meta))), source["url"].(string)); err != nil {
		return err
	}

	presubmit, err := read("presubmit.yml")
	if err != nil {
		return err
	}
	if err := checkPresubmit(presubmit, files); err != nil {
		return err
	}
	module, err := os.ReadFile(filepath.Join(root, "MODULE.bazel"))
	if err != nil {
		return err
	}
	if module, err = setModuleVersion(module, version); err != nil {
		return err
	}

	outputs := map[string][]byte{
		filepath.Join(out, "bcr", "bazel_registry.json"): []byte("{}\n"),
		filepath.Join(modDir, "metadata.json"):           indentJSON(metadata),
		filepath.Join(verDir, "source.json"):             indentJSON(source),
		filepath.Join(verDir, "presubmit.yml"):           presubmit,
		filepath.Join(verDir, "MODULE.bazel"):            module,
	}
	for path, data := range outputs {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func indentJSON(v any) []byte {
	data, _ := json.MarshalIndent(v, "", "    ")
	return append(data, '\n')
}
