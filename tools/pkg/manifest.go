package pkg

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/rules-linuxkit/rules_linuxkit/tools/hash"
)

// Manifest lists a package's files explicitly: what a Bazel action declares
// as its inputs. With Options.SrcsManifest the package hash is the tree of
// exactly these files (hash.Tree over hash.FileEntry), whatever else the
// directory holds and however the spawn strategy presents the inputs
// (sandbox symlinks, the execroot, plain files under remote execution), and
// `lkpkg build` makes the build context of exactly these files.
//
// The JSON form, written by the Bazel rules:
//
//	{"srcs": [["Dockerfile", "pkg/foo/Dockerfile"], ...],
//	 "extra_srcs": [{"src": "../common", "srcs": [["a.txt", "pkg/common/a.txt"]]}]}
//
// Each pair is [path relative to the package (or extra source) directory,
// path of the file relative to the working directory or absolute].
type Manifest struct {
	Srcs      []SourceFile  `json:"srcs"`
	ExtraSrcs []ExtraSource `json:"extra_srcs,omitempty"`
}

// SourceFile is one declared file: Rel in the tree, Path on disk.
type SourceFile struct {
	Rel, Path string
}

// MarshalJSON writes the pair form [rel, path].
func (f SourceFile) MarshalJSON() ([]byte, error) { return json.Marshal([2]string{f.Rel, f.Path}) }

// UnmarshalJSON reads the pair form [rel, path].
func (f *SourceFile) UnmarshalJSON(b []byte) error {
	var p [2]string
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("want [\"rel/path\", \"file path\"]: %w", err)
	}
	f.Rel, f.Path = p[0], p[1]
	return nil
}

// ExtraSource is the files of one build.yml extra-sources entry; Src is the
// entry's source directory as written in build.yml.
type ExtraSource struct {
	Src  string       `json:"src"`
	Srcs []SourceFile `json:"srcs"`
}

// ReadManifest reads a manifest file.
func ReadManifest(file string) (*Manifest, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("srcs manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("srcs manifest %s: %w", file, err)
	}
	return &m, nil
}

// Extra returns the files of the extra source src, comparing cleaned paths.
func (m *Manifest) Extra(src string) ([]SourceFile, bool) {
	for _, e := range m.ExtraSrcs {
		if e.Src == src || path.Clean(e.Src) == path.Clean(src) {
			return e.Srcs, true
		}
	}
	return nil, false
}

// TreeHash returns the git tree id of files.
func TreeHash(files []SourceFile) (string, error) {
	entries := make([]hash.Entry, 0, len(files))
	for _, f := range files {
		e, err := hash.FileEntry(f.Rel, filepath.FromSlash(f.Path))
		if err != nil {
			return "", err
		}
		entries = append(entries, e)
	}
	return hash.Tree(entries)
}
