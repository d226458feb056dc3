// Package gitrepo answers the few questions the CLI asks git about a
// package in a checkout: its committed tree hash, whether it is dirty, and a
// content hash for the dirty suffix. It shells out to git, as linuxkit does,
// so the answers are git's own; Bazel actions never use it (they hash
// declared files with package hash instead).
package gitrepo

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Repo is a git work tree that contains a package.
type Repo struct {
	// Top is the absolute path of the work tree's top level.
	Top string
}

// ErrNotRepo is returned by Open when the directory is not in a git work tree
// (or git is not installed): callers fall back to hashing files.
var ErrNotRepo = errors.New("not in a git work tree")

// Open returns the work tree that contains dir.
func Open(dir string) (*Repo, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, ErrNotRepo
	}
	out, err := run(dir, "rev-parse", "--is-inside-work-tree", "--show-toplevel")
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return nil, ErrNotRepo
		}
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || lines[0] != "true" {
		return nil, ErrNotRepo
	}
	top, err := filepath.EvalSymlinks(lines[1])
	if err != nil {
		return nil, err
	}
	return &Repo{Top: top}, nil
}

// rel returns path relative to the top level, slash-separated, or "" for the
// top level itself.
func (r *Repo) rel(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if resolved, err := filepath.EvalSymlinks(abs); err == nil {
		abs = resolved
	}
	rel, err := filepath.Rel(r.Top, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the git work tree %s", path, r.Top)
	}
	if rel == "." {
		return "", nil
	}
	return filepath.ToSlash(rel), nil
}

// TreeHash returns the hash of path's tree in commit (usually HEAD), as
// `git rev-parse <commit>:<path>` prints it. It asks git once: ls-tree
// gives the entry's type along with its hash.
func (r *Repo) TreeHash(path, commit string) (string, error) {
	rel, err := r.rel(path)
	if err != nil {
		return "", err
	}
	notCommitted := func() error {
		shown := rel
		if shown == "" {
			shown = "."
		}
		return fmt.Errorf("%s is not committed in %s at %s: commit it first, or pass --hash", shown, r.Top, commit)
	}
	if rel == "" {
		out, err := run(r.Top, "rev-parse", "--verify", "--quiet", commit+"^{tree}")
		if err != nil {
			return "", notCommitted()
		}
		return strings.TrimSpace(out), nil
	}
	// "<mode> <type> <hash>\t<path>"
	out, err := run(r.Top, "ls-tree", "--full-tree", commit, "--", rel)
	if err != nil {
		return "", err
	}
	meta, _, found := strings.Cut(out, "\t")
	fields := strings.Fields(meta)
	if !found || len(fields) != 3 {
		return "", notCommitted()
	}
	if fields[1] != "tree" {
		return "", fmt.Errorf("%s is a %s in git, not a directory", path, fields[1])
	}
	return fields[2], nil
}

// IsDirty reports whether path differs from commit: a tracked file changed,
// or a file git does not ignore is untracked. Only HEAD can be dirty, as in
// linuxkit: another commit names a fixed tree.
func (r *Repo) IsDirty(path, commit string) (bool, error) {
	if commit != "HEAD" {
		return false, nil
	}
	rel, err := r.rel(path)
	if err != nil {
		return false, err
	}
	spec := pathspec(rel)
	if _, err := run(r.Top, "diff", "--no-ext-diff", "--quiet", commit, "--", spec); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 1 {
			return true, nil
		}
		return false, err
	}
	out, err := run(r.Top, "ls-files", "--exclude-standard", "--others", "--", spec)
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(out) != "", nil
}

// ContentHash returns the hex sha256 of the contents of the files each dir
// lists (see WriteContents), dirs in turn. linuxkit appends its first 7
// digits to a dirty package's hash so that two different dirty states get
// two different tags; for the package directory alone this is its
// git.contentHash (pkglib/git.go).
func (r *Repo) ContentHash(dirs ...string) (string, error) {
	h := sha256.New()
	for _, dir := range dirs {
		if err := r.WriteContents(h, dir); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

// WriteContents writes to w the contents of the files that `git ls-files`
// and then `git ls-files --exclude-standard --others`, run in dir, print,
// read as linuxkit's git.contentHash reads them: one name per line,
// relative to dir, as git prints it. git quotes a name holding a byte
// above 0x7f (unless core.quotePath is false), '"', '\' or a control
// character; no file has the quoted name, so linuxkit leaves it out, and
// so does this. Deleted files, directories (submodules) and symlinks are
// left out too.
func (r *Repo) WriteContents(w io.Writer, dir string) error {
	if _, err := r.rel(dir); err != nil {
		return err
	}
	tracked, err := run(dir, "ls-files")
	if err != nil {
		return err
	}
	untracked, err := run(dir, "ls-files", "--exclude-standard", "--others")
	if err != nil {
		return err
	}
	all := strings.TrimSpace(tracked + "\n" + untracked)
	for _, name := range strings.Split(all, "\n") {
		file := filepath.Join(dir, name)
		info, err := os.Lstat(file)
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		f, err := os.Open(file)
		if err != nil {
			continue // linuxkit skips what it cannot open
		}
		_, err = io.Copy(w, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("hashing %s: %w", file, err)
		}
	}
	return nil
}

func pathspec(rel string) string {
	if rel == "" {
		return "."
	}
	return rel
}

// run runs git in dir. Every path given to git is a literal pathspec: a
// package named a* or [ab] is that directory, not a pattern that takes in
// its siblings' changes. The caller's other pathspec settings go, since git
// refuses to combine them with literal ones (and icase would match PKG for
// pkg).
func run(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(withoutPathspecSettings(os.Environ()), "GIT_LITERAL_PATHSPECS=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if stderr.Len() > 0 {
			return string(out), &gitError{args: args, stderr: strings.TrimSpace(stderr.String()), err: err}
		}
		return string(out), err
	}
	return string(out), nil
}

func withoutPathspecSettings(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS", "GIT_ICASE_PATHSPECS":
			continue
		}
		out = append(out, kv)
	}
	return out
}

type gitError struct {
	args   []string
	stderr string
	err    error
}

func (e *gitError) Error() string {
	return fmt.Sprintf("git %s: %s", strings.Join(e.args, " "), e.stderr)
}

func (e *gitError) Unwrap() error { return e.err }
