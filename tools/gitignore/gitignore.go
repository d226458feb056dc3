// Package gitignore decides which paths of a directory tree git would
// ignore, following gitignore(5) and git's own matching code: a
// .gitignore per directory (patterns relative to it, deeper files taking
// precedence), .git/info/exclude at the root, "!" negation, "dir/" for
// directories only, anchoring by a leading or inner "/", "**", backslash
// escapes, trailing-space trimming and bracket classes. A path inside an
// excluded directory is excluded, whatever later patterns say, because git
// never looks inside such a directory.
//
// Configuration outside the tree is deliberately not read (core.excludesFile,
// .gitignore files above root) so that results are hermetic.
package gitignore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/rules-linuxkit/rules_linuxkit/tools/smallfile"
)

// Matcher matches paths below one root directory. .gitignore files are
// read lazily, the first time a path in their directory is matched, and
// cached; so only directories that are actually visited cost a read, and
// files inside excluded directories are never read (as in git). A Matcher
// is safe for concurrent use.
type Matcher struct {
	root    string
	follow  bool
	listed  func(dir string) (has, known bool)
	exclude []pattern // .git/info/exclude: lowest precedence

	mu     sync.Mutex
	dirs   map[string]*dirState
	err    error
	reader smallfile.Reader // reads .gitignore files, under mu
}

// dirState is what is known about one directory below the root.
type dirState struct {
	parent   *dirState
	pats     []pattern // from its .gitignore
	excluded bool      // the directory itself or an ancestor is excluded
}

// Option configures New.
type Option func(*Matcher)

// WithFollowSymlinks reads .gitignore files that are symlinks. git itself
// ignores those (it opens them with O_NOFOLLOW); in a Bazel sandbox, though,
// every input, .gitignore included, is a symlink to the real file.
func WithFollowSymlinks() Option { return func(m *Matcher) { m.follow = true } }

// WithListing lets the caller, who has already listed the directories (a
// Gazelle extension, from Gazelle's walk), say whether a directory holds a
// .gitignore: listed(dir), dir slash-separated relative to the root ("" for
// the root), returns has, and known = false when it cannot tell. A directory
// known to have none is not looked into (no system call); else its
// .gitignore is read as without the option. Most directories of a tree have
// no .gitignore, so this saves a failed lookup per directory.
func WithListing(listed func(dir string) (has, known bool)) Option {
	return func(m *Matcher) { m.listed = listed }
}

// New returns a Matcher for the tree at root. It reads root/.gitignore and
// root/.git/info/exclude right away, so that errors surface here; deeper
// .gitignore files are read on demand (see Err).
func New(root string, opts ...Option) (*Matcher, error) {
	m := &Matcher{root: root, dirs: map[string]*dirState{}}
	for _, o := range opts {
		o(m)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("gitignore: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("gitignore: %s: not a directory", root)
	}
	data, err := os.ReadFile(filepath.Join(root, ".git", "info", "exclude"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscallENOTDIR) {
		return nil, fmt.Errorf("gitignore: %w", err)
	}
	m.exclude = parseLines(data, "")
	top := &dirState{}
	if top.pats, err = m.read(""); err != nil {
		return nil, fmt.Errorf("gitignore: %w", err)
	}
	m.dirs[""] = top
	return m, nil
}

// Err returns the first error met reading a .gitignore file below the root
// during Match (git warns and goes on without that file; so does Match).
func (m *Matcher) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// read parses dir/.gitignore; a missing file is no error.
func (m *Matcher) read(dir string) ([]pattern, error) {
	name := filepath.Join(m.root, filepath.FromSlash(dir), ".gitignore")
	var data []byte
	var err error
	if m.follow {
		data, err = m.reader.ReadFile(name)
	} else {
		data, err = m.reader.ReadRegularNoFollow(name)
	}
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscallENOTDIR), errors.Is(err, smallfile.ErrNotRegular):
		return nil, nil
	default:
		return nil, err
	}
	base := ""
	if dir != "" {
		base = dir + "/"
	}
	return parseLines(data, base), nil
}

// hasIgnoreFile asks the caller's listing, if any, about dir.
func (m *Matcher) hasIgnoreFile(dir string) (has, known bool) {
	if m.listed == nil {
		return false, false
	}
	return m.listed(dir)
}

// Match reports whether git would ignore the path rel (slash-separated,
// relative to the root); isDir tells whether it is a directory (a symlink
// to one is not). The root itself ("" or ".") is never ignored.
func (m *Matcher) Match(rel string, isDir bool) bool {
	rel = strings.TrimSuffix(rel, "/")
	if rel == "" || rel == "." {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	parent := ""
	base := rel
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		parent, base = rel[:i], rel[i+1:]
	}
	d := m.dir(parent)
	if d.excluded {
		return true
	}
	return m.excluded(d, rel, base, isDir)
}

// excluded evaluates rel against the patterns of d (rel's directory) and
// its ancestors, deepest file first and last line first within a file,
// then info/exclude; the first pattern that matches decides.
func (m *Matcher) excluded(d *dirState, rel, base string, isDir bool) bool {
	for ; d != nil; d = d.parent {
		for i := len(d.pats) - 1; i >= 0; i-- {
			if p := &d.pats[i]; p.matches(rel, base, isDir) {
				return !p.negative
			}
		}
	}
	for i := len(m.exclude) - 1; i >= 0; i-- {
		if p := &m.exclude[i]; p.matches(rel, base, isDir) {
			return !p.negative
		}
	}
	return false
}

// dir returns the state of directory rel, creating it (and its ancestors)
// on first use. Called with m.mu held.
func (m *Matcher) dir(rel string) *dirState {
	if d, ok := m.dirs[rel]; ok {
		return d
	}
	parentRel, base := "", rel
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		parentRel, base = rel[:i], rel[i+1:]
	}
	parent := m.dir(parentRel)
	d := &dirState{parent: parent}
	if parent.excluded || m.excluded(parent, rel, base, true) {
		// git neither looks into an excluded directory nor reads its
		// .gitignore, so nothing below it can be re-included.
		d.excluded = true
	} else if has, known := m.hasIgnoreFile(rel); known && !has {
		// Listed by the caller: no .gitignore to read.
	} else {
		pats, err := m.read(rel)
		if err != nil && m.err == nil {
			m.err = fmt.Errorf("gitignore: %w", err)
		}
		d.pats = pats
	}
	m.dirs[rel] = d
	return d
}
