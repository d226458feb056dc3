package hash

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
)

// node is a file or directory of the tree being hashed. Files get their id
// filled in by a worker; directories get theirs when the tree is encoded.
type node struct {
	name  string
	mode  Mode
	isDir bool
	id    [sha1.Size]byte
	kids  []*node

	// Set for files still to be hashed.
	open func() (io.ReadCloser, error) // Tree entries
	size int64                         // Tree entries
	abs  string                        // Dir: path on disk
	rel  string                        // slash path for error messages
}

// gitLess orders tree entries as git does: by bytes of the name, where a
// directory compares as if its name ended in '/'. So "a.b" < "a/" < "a0"
// although "a" < "a.b" for plain names.
func gitCompare(a, b *node) int {
	n := min(len(a.name), len(b.name))
	if c := strings.Compare(a.name[:n], b.name[:n]); c != 0 {
		return c
	}
	ca, cb := nextByte(a, n), nextByte(b, n)
	switch {
	case ca < cb:
		return -1
	case ca > cb:
		return 1
	}
	return 0
}

func nextByte(x *node, i int) byte {
	if i < len(x.name) {
		return x.name[i]
	}
	if x.isDir {
		return '/'
	}
	return 0
}

// treeWriter encodes tree objects, reusing one buffer for all of them.
type treeWriter struct {
	hs  *hasher
	buf []byte
}

// finish computes the ids of dir and all directories below it, and reports
// whether dir has any content: git has no empty trees except the root, so
// a directory without files anywhere beneath it is dropped.
func (tw *treeWriter) finish(dir *node) bool {
	kids := dir.kids[:0]
	for _, k := range dir.kids {
		if !k.isDir || tw.finish(k) {
			kids = append(kids, k)
		}
	}
	dir.kids = kids
	if len(kids) == 0 {
		return false
	}
	slices.SortFunc(kids, gitCompare)
	b := tw.buf[:0]
	for _, k := range kids {
		b = append(b, k.mode.String()...)
		b = append(b, ' ')
		b = append(b, k.name...)
		b = append(b, 0)
		b = append(b, k.id[:]...)
	}
	tw.buf = b
	tw.hs.header("tree", int64(len(b)))
	tw.hs.h.Write(b)
	tw.hs.h.Sum(dir.id[:0])
	return true
}

// rootID returns the id of the root tree, the empty tree if it has no files.
func rootID(root *node) string {
	hs := hasherPool.Get().(*hasher)
	defer hasherPool.Put(hs)
	tw := &treeWriter{hs: hs}
	if !tw.finish(root) {
		return EmptyTree
	}
	return hex.EncodeToString(root.id[:])
}

// checkName rejects path components git cannot store in a tree.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty path component")
	case name == "." || name == "..":
		return fmt.Errorf("%q path component", name)
	case strings.EqualFold(name, ".git"):
		// git refuses .git in any case (verify_path); such a tree could
		// never come from git add.
		return fmt.Errorf("%q path component", name)
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("NUL byte in path")
	}
	return nil
}

// Tree returns the git tree id of the given files. Directories are implied
// by the paths; entries may come in any order. Paths must be relative,
// slash-separated and clean: "", ".", "..", a leading or trailing "/",
// "a//b", a ".git" component, duplicates, or a path that is both a file and
// a directory are errors naming the path. Contents are hashed in parallel.
func Tree(entries []Entry) (string, error) {
	root := &node{isDir: true, mode: ModeDir}
	byPath := make(map[string]*node, len(entries))
	var files []*node
	for i := range entries {
		e := &entries[i]
		n, err := insert(root, byPath, e.Path)
		if err != nil {
			return "", fmt.Errorf("hash tree: path %q: %w", e.Path, err)
		}
		n.mode = e.Mode
		switch e.Mode {
		case ModeSymlink:
			hs := hasherPool.Get().(*hasher)
			hs.bytesBlob(e.Target, &n.id)
			hasherPool.Put(hs)
		case ModeRegular, ModeExecutable:
			if e.Open == nil {
				return "", fmt.Errorf("hash tree: path %q: no Open func", e.Path)
			}
			if e.Size < 0 {
				return "", fmt.Errorf("hash tree: path %q: negative size %d", e.Path, e.Size)
			}
			n.open, n.size = e.Open, e.Size
			files = append(files, n)
		default:
			return "", fmt.Errorf("hash tree: path %q: unsupported mode %s", e.Path, e.Mode)
		}
	}
	if err := hashAll(files); err != nil {
		return "", fmt.Errorf("hash tree: %w", err)
	}
	return rootID(root), nil
}

// insert adds a file node for path under root, creating directories.
func insert(root *node, byPath map[string]*node, path string) (*node, error) {
	if path == "" {
		return nil, fmt.Errorf("empty path")
	}
	if path[0] == '/' {
		return nil, fmt.Errorf("absolute path")
	}
	if old, dup := byPath[path]; dup {
		if old.isDir {
			return nil, fmt.Errorf("is a directory, and also a file")
		}
		return nil, fmt.Errorf("duplicate path")
	}
	parent := root
	rest := path
	for {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			break
		}
		name := rest[:i]
		if err := checkName(name); err != nil {
			return nil, err
		}
		dirPath := path[:len(path)-len(rest)+i]
		d := byPath[dirPath]
		if d == nil {
			d = &node{name: name, isDir: true, mode: ModeDir}
			byPath[dirPath] = d
			parent.kids = append(parent.kids, d)
		} else if !d.isDir {
			return nil, fmt.Errorf("%q is a file, and also a directory", dirPath)
		}
		parent = d
		rest = rest[i+1:]
	}
	if err := checkName(rest); err != nil {
		return nil, err
	}
	n := &node{name: rest, rel: path}
	byPath[path] = n
	parent.kids = append(parent.kids, n)
	return n, nil
}
