//go:build faults

package faults

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sandbox is a temp dir for one hostile case: lkpkg runs in dir (root/a/b)
// with HOME, caches and TMPDIR inside it, so a path that escapes with
// ../.. lands in root, where escapes finds it.
type sandbox struct {
	root, dir string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	root := t.TempDir()
	s := &sandbox{root: root, dir: filepath.Join(root, "a", "b")}
	for _, d := range []string{"home", "cache", "tmp", "docker"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// path joins slash-separated elements onto dir.
func (s *sandbox) path(elem ...string) string {
	return filepath.Join(append([]string{s.dir}, elem...)...)
}

func (s *sandbox) opts(timeout time.Duration) runOpts {
	return runOpts{dir: s.dir, timeout: timeout, env: []string{
		"HOME=" + s.path("home"),
		"XDG_CACHE_HOME=" + s.path("cache"),
		"TMPDIR=" + s.path("tmp"),
		"DOCKER_CONFIG=" + s.path("docker"),
	}}
}

// escapes lists what exists in root outside dir: files lkpkg wrote
// outside the temp dir it was given.
func (s *sandbox) escapes() []string {
	var out []string
	_ = filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		switch {
		case p == s.root || p == filepath.Join(s.root, "a"):
			return nil
		case p == s.dir || strings.HasPrefix(p, s.dir+string(filepath.Separator)):
			return filepath.SkipDir
		}
		out = append(out, p)
		return nil
	})
	return out
}

// expect is what a hostile case must end with.
type expect struct {
	code int
	// anyOf: the error (stderr) names at least one of these.
	anyOf []string
	// within: lkpkg must be done in this time (default 10s).
	within time.Duration
}

// check fails t unless r matches e and nothing escaped the sandbox.
func (s *sandbox) check(t *testing.T, r run, e expect) {
	t.Helper()
	if e.within == 0 {
		e.within = 10 * time.Second
	}
	t.Logf("%s", r)
	if r.timedOut || r.elapsed > e.within {
		t.Errorf("lkpkg took %v, want under %v (it must not hang)", r.elapsed.Round(time.Millisecond), e.within)
	}
	if r.code != e.code {
		t.Errorf("exit status %d, want %d", r.code, e.code)
	}
	if len(e.anyOf) > 0 && !r.stderrHas(e.anyOf...) {
		t.Errorf("the error does not name any of %q", e.anyOf)
	}
	if esc := s.escapes(); len(esc) > 0 {
		t.Errorf("written outside the temp dir: %v", esc)
	}
}
