package build

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// OutputMarker is the file lkpkg puts in every output directory it writes
// (lkpkg build, lkpkg merge-outputs). An existing output directory is replaced
// only when it holds this marker, holds nothing but empty directories (Bazel
// creates an action's declared output directories beforehand) or is an
// output written before the marker existed (result.json, index and arch
// layouts only): lkpkg never deletes files it did not write.
const OutputMarker = ".lkpkg-output"

// CheckOutputDir returns nil when out may receive a new output (see
// OutputMarker), else an error that starts with out, for the caller to
// prefix with how the directory was given (e.g. "--output-dir ").
func CheckOutputDir(out string) error {
	fi, err := os.Lstat(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%s: %w", out, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symlink: nothing was written; give the directory it points to, or a new or empty directory", out)
	case !fi.IsDir():
		return fmt.Errorf("%s is a file, not a directory: nothing was written; give a new or empty directory", out)
	}
	if _, err := os.Lstat(filepath.Join(out, OutputMarker)); err == nil {
		return nil
	}
	foreign, err := firstFile(out)
	if err != nil {
		return fmt.Errorf("%s: %w", out, err)
	}
	if foreign == "" || unmarkedOutput(out) {
		return nil
	}
	return fmt.Errorf("%s holds %s, which lkpkg did not write (an lkpkg output directory has a %s file): nothing was deleted; give a new or empty directory, or empty this one yourself",
		out, foreign, OutputMarker)
}

// firstFile returns the first non-directory under dir (relative), or "" if
// dir holds only directories.
func firstFile(dir string) (string, error) {
	found := ""
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			found, _ = filepath.Rel(dir, p)
			return fs.SkipAll
		}
		return nil
	})
	return found, err
}

// unmarkedOutput recognises an output written before OutputMarker existed:
// a valid result.json beside index and <arch> layouts, and nothing else.
func unmarkedOutput(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		name := strings.TrimSuffix(e.Name(), ".tar")
		if e.Name() != "result.json" && name != "index" && !spec.ValidArch(name) {
			return false
		}
	}
	_, err = ReadResult(dir)
	return err == nil
}

// stageOutput checks out and creates the temporary sibling that a new
// output is written into before commitOutput renames it into place.
func stageOutput(out string) (string, error) {
	if err := CheckOutputDir(out); err != nil {
		return "", fmt.Errorf("output directory %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-")
}

// commitOutput marks stage as lkpkg's and renames it to out, replacing an
// earlier output: out is the old or the new output at every moment, so an
// interrupted build leaves the old one intact.
func commitOutput(stage, out string) error {
	if err := os.WriteFile(filepath.Join(stage, OutputMarker), []byte("written by lkpkg; lkpkg replaces this directory on its next build\n"), 0o644); err != nil {
		return err
	}
	if err := os.Chmod(stage, 0o755); err != nil {
		return err
	}
	// Again: something may have been put there during the build.
	if err := CheckOutputDir(out); err != nil {
		return fmt.Errorf("output directory %w", err)
	}
	if err := os.Rename(stage, out); err == nil {
		return nil
	}
	// out exists and is not an empty directory: move it aside first.
	old := stage + ".old"
	if err := os.Rename(out, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(stage, out); err != nil {
		_ = os.Rename(old, out)
		return err
	}
	return os.RemoveAll(old)
}
