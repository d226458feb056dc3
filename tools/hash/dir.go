package hash

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Ignorer decides which paths Dir skips. rel is slash-separated and relative
// to the root; isDir is true for directories. *gitignore.Matcher is one.
type Ignorer interface {
	Match(rel string, isDir bool) bool
}

// Option configures Dir.
type Option func(*dirOptions)

type dirOptions struct {
	ignore Ignorer
	follow bool
}

// WithIgnore makes Dir skip paths m matches; an ignored directory is not
// entered at all.
func WithIgnore(m Ignorer) Option {
	return func(o *dirOptions) { o.ignore = m }
}

// WithFollowSymlinks makes Dir see through the symlinks Bazel makes.
//
// Bazel's sandboxes, execroots and runfiles trees present every declared
// input as a symlink with an absolute target into the source tree or output
// base; hashing those links would give a machine-dependent id. With this
// option a symlink with an absolute target is followed (through any chain
// of absolute links) to what it points at, while a symlink with a relative
// target is the package's own symlink and is hashed as git records it. So a
// package hashes as in git as long as its own symlinks are relative, which
// any symlink that survives a checkout elsewhere is. A dangling absolute
// link and a directory cycle are errors.
func WithFollowSymlinks() Option {
	return func(o *dirOptions) { o.follow = true }
}

// Dir returns the git tree id of the directory root, as `git add -A && git
// write-tree` would record it in a fresh repository whose work tree is root:
//   - regular files are blobs, 100755 if the owner execute bit is set (as
//     git does with core.filemode=true), else 100644;
//   - symlinks are 120000 blobs of their target and are never followed
//     (unless WithFollowSymlinks);
//   - directories without any file beneath them vanish, as in git;
//   - ".git" is skipped, as are sockets, FIFOs and devices; another case of
//     it (".GIT") is an error unless ignored, as git add refuses it.
//
// Files are read and hashed in parallel on runtime.NumCPU workers.
// Differences from git, which knows things a plain directory doesn't: files
// that are tracked although ignored, .gitattributes filters and eol
// conversion, and nested repositories (hashed here as plain directories).
func Dir(root string, opts ...Option) (string, error) {
	var o dirOptions
	for _, opt := range opts {
		opt(&o)
	}
	// The root itself is always resolved: it is where git would run.
	fi, err := os.Stat(root)
	if err != nil {
		return "", fmt.Errorf("hash dir: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("hash dir: %s: not a directory", root)
	}
	w := &walker{opts: o, pool: newPool(o.follow)}
	top := &node{isDir: true, mode: ModeDir}
	var ancestors []os.FileInfo
	if o.follow {
		ancestors = []os.FileInfo{fi}
	}
	if err := w.walk(root, "", top, ancestors); err != nil && err != errStopped {
		w.pool.fail(err) // stop the workers; reported by wait
	}
	if err := w.pool.wait(); err != nil {
		return "", fmt.Errorf("hash dir: %w", err)
	}
	return rootID(top), nil
}

type walker struct {
	opts dirOptions
	pool *pool
}

// errStopped aborts the walk after a worker failed; the worker's error is
// the one reported.
var errStopped = fmt.Errorf("stopped")

// walk reads directory abs (rel to the root) into dir, queueing its files
// for hashing and descending into subdirectories. ancestors holds the
// FileInfos of the directories above when following symlinks, to detect
// cycles.
func (w *walker) walk(abs, rel string, dir *node, ancestors []os.FileInfo) error {
	f, err := os.Open(abs)
	if err != nil {
		return err
	}
	// Unsorted: the tree writer sorts in git order anyway.
	ents, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return err
	}
	for _, e := range ents {
		name := e.Name()
		if name == ".git" {
			continue // the repository, a gitdir link, or a nested repository
		}
		cabs := filepath.Join(abs, name)
		crel := name
		if rel != "" {
			crel = rel + "/" + name
		}
		typ := e.Type()
		if strings.EqualFold(name, ".git") && !w.ignored(crel, typ.IsDir()) {
			// git add fails on ".GIT" & co. ("invalid path"), so no id exists.
			return fmt.Errorf("%s: git refuses paths named .git in any case", cabs)
		}
		var target fs.FileInfo // set when following a symlink
		if typ&fs.ModeSymlink != 0 {
			link, err := os.Readlink(cabs)
			if err != nil {
				return err
			}
			if w.opts.follow && filepath.IsAbs(link) {
				link, err = ownLink(cabs, link)
				if err != nil {
					return err
				}
			}
			if link != "" {
				if w.ignored(crel, false) {
					continue
				}
				n := &node{name: name, mode: ModeSymlink}
				hs := hasherPool.Get().(*hasher)
				hs.bytesBlob(link, &n.id)
				hasherPool.Put(hs)
				dir.kids = append(dir.kids, n)
				continue
			}
			target, err = os.Stat(cabs)
			if err != nil {
				return fmt.Errorf("following symlink: %w", err)
			}
			typ = target.Mode().Type()
		}
		switch {
		case typ.IsDir():
			if w.ignored(crel, true) {
				continue
			}
			var anc []os.FileInfo
			if w.opts.follow {
				if target == nil {
					if target, err = os.Stat(cabs); err != nil {
						return err
					}
				}
				for _, a := range ancestors {
					if os.SameFile(a, target) {
						return fmt.Errorf("%s: symlink cycle", cabs)
					}
				}
				anc = append(ancestors[:len(ancestors):len(ancestors)], target)
			}
			sub := &node{name: name, isDir: true, mode: ModeDir}
			dir.kids = append(dir.kids, sub)
			if err := w.walk(cabs, crel, sub, anc); err != nil {
				return err
			}
		case typ.IsRegular():
			if w.ignored(crel, false) {
				continue
			}
			n := &node{name: name, abs: cabs}
			dir.kids = append(dir.kids, n)
			if !w.pool.submit(n) {
				return errStopped
			}
		default:
			// git add skips sockets, FIFOs and devices silently.
		}
	}
	return nil
}

// ownLink follows a chain of absolute symlinks starting at path (whose
// target is first) and returns the relative target that ends it, if any:
// that link is the package's own and is hashed as a symlink. It returns ""
// when the chain ends at a file or directory, which is then hashed instead.
func ownLink(path, first string) (string, error) {
	link := first
	for range 64 {
		if !filepath.IsAbs(link) {
			return link, nil
		}
		fi, err := os.Lstat(link)
		if err != nil {
			return "", fmt.Errorf("following symlink %s: %w", path, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return "", nil
		}
		next, err := os.Readlink(link)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(next) {
			return next, nil
		}
		link = next
	}
	return "", fmt.Errorf("following symlink %s: too many levels of symbolic links", path)
}

func (w *walker) ignored(rel string, isDir bool) bool {
	return w.opts.ignore != nil && w.opts.ignore.Match(rel, isDir)
}
