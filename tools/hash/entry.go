package hash

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// FileEntry returns the tree entry named rel for the file at path, applying
// the rule of Dir's WithFollowSymlinks mode: a symlink with an absolute
// target (how Bazel's sandboxes and execroots present declared inputs) is
// followed, through any chain of absolute links, to the file it points at;
// a symlink with a relative target, at path or at the end of such a chain,
// is the package's own and becomes a ModeSymlink entry, as git records it.
// Regular files are ModeExecutable if the owner execute bit is set, else
// ModeRegular. A directory is an error: list its files instead.
//
// So hash.Tree over FileEntry(rel, path) for every file of a directory gives
// the same id as hash.Dir(dir, WithFollowSymlinks()), without walking the
// directory: the entries are exactly the files the caller declares.
func FileEntry(rel, path string) (Entry, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return Entry{}, fmt.Errorf("%s: %w", rel, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		link, err := os.Readlink(path)
		if err != nil {
			return Entry{}, fmt.Errorf("%s: %w", rel, err)
		}
		if filepath.IsAbs(link) {
			if link, err = ownLink(path, link); err != nil {
				return Entry{}, fmt.Errorf("%s: %w", rel, err)
			}
		}
		if link != "" {
			return Entry{Path: rel, Mode: ModeSymlink, Target: link}, nil
		}
		if fi, err = os.Stat(path); err != nil {
			return Entry{}, fmt.Errorf("%s: following symlink: %w", rel, err)
		}
	}
	switch {
	case fi.IsDir():
		return Entry{}, fmt.Errorf("%s: %s is a directory, not a file", rel, path)
	case !fi.Mode().IsRegular():
		return Entry{}, fmt.Errorf("%s: %s is not a regular file or symlink", rel, path)
	}
	mode := ModeRegular
	if fi.Mode()&0o100 != 0 {
		mode = ModeExecutable
	}
	return Entry{
		Path: rel,
		Mode: mode,
		Size: fi.Size(),
		Open: func() (io.ReadCloser, error) { return os.Open(path) },
	}, nil
}
