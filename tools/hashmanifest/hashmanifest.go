// Package hashmanifest reads and writes linuxkit's hash manifests: one
// small YAML file per package, <hash-dir>/<package dir's name>.hash, that
// records the package's tag (org/image:tag), the build yml it was computed
// from, the arch and the tags of the dependencies it consumed. `lkpkg
// update-hashes` writes them; with --hash-dir every command reads a
// dependency's tag from its manifest instead of computing it.
//
// The format and file names are linuxkit's (HashManifest, readHashManifest
// and writeHashManifest in src/cmd/linuxkit/pkglib/hashmanifest.go), so
// either tool reads the other's files. What linuxkit accepts, Parse accepts
// (unknown keys are ignored, an empty file has no tag); a manifest linuxkit
// would misread (a list where a string goes, a duplicate key) is an error
// naming the file, the line, the field and the fix.
package hashmanifest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"
)

// File is one manifest, linuxkit's HashManifest.
type File struct {
	// Tag is the package's full reference, org/image:tag, as
	// `linuxkit pkg show-tag` prints it; what @lkt:pkg: args resolve to.
	Tag string
	// BuildYML names the package's spec file (build.yml, build-2.3.yml).
	BuildYML string
	// Arch is the target arch update-hashes was given, or "".
	Arch string
	// Deps are the dependencies (path relative to where update-hashes ran,
	// and tag) the tag was computed with.
	Deps []Dep
}

// Dep is one dependency a manifest records, linuxkit's DepEntry.
type Dep struct {
	Path, Tag string
}

// Ext is the manifests' file name extension.
const Ext = ".hash"

// PathFor returns the manifest file of the package in pkgDir: named after
// the directory's last element, so two packages with the same directory
// name share one (as in linuxkit; update-hashes refuses that).
func PathFor(hashDir, pkgDir string) string {
	return filepath.Join(hashDir, filepath.Base(pkgDir)+Ext)
}

// Error is a problem in a manifest file.
type Error struct {
	File string
	// Line is 1-based; 0 when unknown.
	Line    int
	Field   string
	Problem string
	Fix     string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Problem)
	if e.Fix != "" {
		b.WriteString("; " + e.Fix)
	}
	return b.String()
}

// fixRewrite is the fix for a manifest lkpkg cannot read.
const fixRewrite = "hash manifests are written by `lkpkg update-hashes` (or linuxkit's): remove the file and run update-hashes again"

// Parse reads a manifest. Only the first YAML document counts, as with
// linuxkit's yaml.Unmarshal.
func Parse(file string, data []byte) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: file, Problem: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: "), Fix: fixRewrite}
	}
	m := &File{}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return m, nil
	}
	root := doc.Content[0]
	if isNull(root) {
		return m, nil
	}
	p := parser{file: file}
	if root.Kind != yaml.MappingNode {
		return nil, p.bad(root, "", "the file is not a mapping of tag, build-yml, arch and deps")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind == yaml.AliasNode || v.Kind == yaml.AliasNode {
			return nil, p.bad(v, k.Value, "YAML aliases are not used in hash manifests")
		}
		if seen[k.Value] {
			return nil, p.bad(k, k.Value, "key defined twice")
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "tag":
			m.Tag, err = p.str(v, "tag")
		case "build-yml":
			m.BuildYML, err = p.str(v, "build-yml")
		case "arch":
			m.Arch, err = p.str(v, "arch")
		case "deps":
			m.Deps, err = p.deps(v)
		default:
			// linuxkit's yaml.Unmarshal ignores unknown keys: a field a
			// newer linuxkit adds must not make its manifests unreadable.
		}
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

type parser struct{ file string }

func (p parser) bad(n *yaml.Node, field, problem string) error {
	return &Error{File: p.file, Line: n.Line, Field: field, Problem: problem, Fix: fixRewrite}
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// str reads a string field: any scalar is its text (as yaml.v3 decodes
// 1 or true into a string), null is "".
func (p parser) str(n *yaml.Node, field string) (string, error) {
	switch {
	case n.Kind == yaml.AliasNode:
		return "", p.bad(n, field, "YAML aliases are not used in hash manifests")
	case n.Kind != yaml.ScalarNode:
		return "", p.bad(n, field, "want a string, got a "+kind(n))
	case isNull(n):
		return "", nil
	case strings.ContainsFunc(n.Value, unicode.IsControl):
		// No tag, file name or arch holds one, and yaml.v3 writes some
		// (a lone newline) in a form it reads back differently.
		return "", p.bad(n, field, fmt.Sprintf("%q contains a control character", n.Value))
	}
	return n.Value, nil
}

func (p parser) deps(n *yaml.Node) ([]Dep, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.bad(n, "deps", "want a list of {path, tag}, got a "+kind(n))
	}
	deps := make([]Dep, 0, len(n.Content))
	for i, item := range n.Content {
		field := fmt.Sprintf("deps[%d]", i)
		if isNull(item) {
			deps = append(deps, Dep{})
			continue
		}
		if item.Kind != yaml.MappingNode {
			return nil, p.bad(item, field, "want a mapping of path and tag, got a "+kind(item))
		}
		var d Dep
		seen := map[string]bool{}
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := item.Content[j], item.Content[j+1]
			if seen[k.Value] {
				return nil, p.bad(k, field+"."+k.Value, "key defined twice")
			}
			seen[k.Value] = true
			var err error
			switch k.Value {
			case "path":
				d.Path, err = p.str(v, field+".path")
			case "tag":
				d.Tag, err = p.str(v, field+".tag")
			}
			if err != nil {
				return nil, err
			}
		}
		deps = append(deps, d)
	}
	if len(deps) == 0 {
		return nil, nil
	}
	return deps, nil
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "scalar"
}

// shape is linuxkit's HashManifest with its YAML keys: Marshal writes what
// yaml.v3 writes for it, byte for byte.
type shape struct {
	Tag      string      `yaml:"tag"`
	BuildYML string      `yaml:"build-yml"`
	Arch     string      `yaml:"arch,omitempty"`
	Deps     []shapeDeps `yaml:"deps,omitempty"`
}

type shapeDeps struct {
	Path string `yaml:"path"`
	Tag  string `yaml:"tag"`
}

// Marshal returns the manifest's bytes as linuxkit writes them.
func Marshal(m File) []byte {
	s := shape{Tag: m.Tag, BuildYML: m.BuildYML, Arch: m.Arch}
	for _, d := range m.Deps {
		s.Deps = append(s.Deps, shapeDeps(d))
	}
	b, err := yaml.Marshal(&s)
	if err != nil {
		// Strings always marshal; a failure is a bug.
		panic(err)
	}
	return b
}

// Read returns the manifest of the package in pkgDir, or nil without an
// error when there is none.
func Read(hashDir, pkgDir string) (*File, error) {
	file := PathFor(hashDir, pkgDir)
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("hash manifest: %w", err)
	}
	return Parse(file, data)
}

// Matches reports whether an existing manifest stands for m: the same tag,
// build yml and arch, an arch of "" matching any (linuxkit's
// manifestMatch). Deps are not compared.
func Matches(existing, m File) bool {
	if existing.Tag != m.Tag || existing.BuildYML != m.BuildYML {
		return false
	}
	return m.Arch == "" || existing.Arch == "" || existing.Arch == m.Arch
}

// Write writes m as the manifest of the package in pkgDir, creating
// hashDir, and reports whether it wrote. As linuxkit's writeHashManifest:
// a matching manifest is left alone (its mtime too, so make does not
// rebuild), and a written one gets the Unix epoch as its mtime, older than
// any source, so that make's recipe runs and touches it after the build.
// Unlike linuxkit, a file there that is not a manifest is never replaced,
// and the new file appears whole (written aside, then renamed).
func Write(hashDir, pkgDir string, m File) (bool, error) {
	if err := os.MkdirAll(hashDir, 0o755); err != nil {
		return false, fmt.Errorf("hash dir: %w", err)
	}
	file := PathFor(hashDir, pkgDir)
	existing, err := Read(hashDir, pkgDir)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			c := *e
			c.Fix = "it is not a hash manifest lkpkg can read, so lkpkg does not replace it: remove it if it is a stale manifest, or pass another --hash-dir"
			return false, &c
		}
		return false, err
	}
	if existing != nil && Matches(*existing, m) {
		return false, nil
	}
	tmp, err := os.CreateTemp(hashDir, "."+filepath.Base(file)+".*")
	if err != nil {
		return false, fmt.Errorf("hash manifest: %w", err)
	}
	_, err = tmp.Write(Marshal(m))
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	epoch := time.Unix(0, 0)
	if err == nil {
		err = os.Chtimes(tmp.Name(), epoch, epoch)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		os.Remove(tmp.Name()) // our own temporary file
		return false, fmt.Errorf("hash manifest %s: %w", file, err)
	}
	return true, nil
}
