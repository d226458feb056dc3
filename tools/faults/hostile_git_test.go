//go:build faults

package faults

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// hostileGit adds the hostile cases that need a git checkout or BuildKit.
func hostileGit(t *testing.T, hostile func(string, func(*testing.T, *sandbox))) {
	// `a*` is a directory name, not a pattern: editing ab/ must not make
	// a*/ dirty, and its tag is git's tree id for it.
	hostile("package dir a* next to ab", func(t *testing.T, s *sandbox) {
		repo := gitRepo(t, s, map[string]string{
			"a*/build.yml": "image: star\norg: lkt\n", "a*/Dockerfile": "FROM scratch\n",
			"ab/build.yml": "image: ab\norg: lkt\n", "ab/Dockerfile": "FROM scratch\n",
		})
		writeFile(t, filepath.Join(repo, "ab", "Dockerfile"), "FROM scratch\nLABEL edited=yes\n")
		o := s.opts(30 * time.Second)
		o.dir = repo
		r := lkpkg(t, o, "show-tag", "a*")
		s.check(t, r, expect{code: 0})
		if want := "lkt/star:" + gitOut(t, s, repo, "rev-parse", "HEAD:a*"); strings.TrimSpace(r.stdout) != want {
			t.Errorf("show-tag a* printed %q, want %q (clean: only ab/ was edited)", strings.TrimSpace(r.stdout), want)
		}
		// The edit itself is seen: ab is dirty.
		if r := lkpkg(t, o, "show-tag", "ab"); r.code != 0 || !strings.Contains(r.stdout, "dirty") {
			t.Errorf("show-tag ab after editing ab/Dockerfile is not dirty: %v", r)
		}
	})

	// File and directory names that are not UTF-8: the tag is still git's
	// tree id, from git and from the files on disk (--hermetic).
	hostile("non-UTF-8 file names", func(t *testing.T, s *sandbox) {
		dir := "p\xe9"
		repo := gitRepo(t, s, map[string]string{
			dir + "/build.yml": "image: latin\norg: lkt\n", dir + "/Dockerfile": "FROM scratch\n",
			dir + "/caf\xe9.txt": "x\n", dir + "/\xff\xfe/n\x80.txt": "y\n",
		})
		want := "lkt/latin:" + gitOut(t, s, repo, "rev-parse", "HEAD:"+dir)
		o := s.opts(30 * time.Second)
		o.dir = repo
		for _, args := range [][]string{{"show-tag", dir}, {"show-tag", "--hermetic", dir}} {
			r := lkpkg(t, o, args...)
			s.check(t, r, expect{code: 0})
			if got := strings.TrimSpace(r.stdout); got != want {
				t.Errorf("lkpkg %s printed %q, want %q", strings.Join(args, " "), got, want)
			}
		}
	})

	// --output-dir that holds a file lkpkg did not write: refused, and the
	// file is still there.
	hostile("build --output-dir holding a user file", func(t *testing.T, s *sandbox) {
		bk := testenv.BuildKit(t)
		writeFiles(t, s.dir, map[string]string{
			"pkg/build.yml":  "image: outdir\norg: lkt\narches: [amd64]\n",
			"pkg/Dockerfile": "FROM scratch\nCOPY hello.txt /hello.txt\n",
			"pkg/hello.txt":  "hello\n",
			"out/notes.txt":  "my notes\n",
		})
		out := s.path("out")
		r := lkpkg(t, s.opts(3*time.Minute), "build", "--builder-addr", bk.Address(), "--progress", "quiet",
			"--platforms", "linux/amd64", "--output-dir", out, s.path("pkg"))
		s.check(t, r, expect{code: 1, anyOf: []string{out, "output-dir"}, within: 3 * time.Minute})
		if b, err := os.ReadFile(filepath.Join(out, "notes.txt")); err != nil || string(b) != "my notes\n" {
			t.Errorf("the user's file in --output-dir is gone or changed: %q %v", b, err)
		}
	})
}

// gitRepo makes a git repository in the sandbox with files committed.
func gitRepo(t *testing.T, s *sandbox, files map[string]string) string {
	t.Helper()
	repo := s.path("repo")
	writeFiles(t, repo, files)
	gitOut(t, s, repo, "init", "-q")
	gitOut(t, s, repo, "add", "-A")
	gitOut(t, s, repo, "commit", "-q", "-m", "packages")
	return repo
}

// gitOut runs git in dir with the sandbox's HOME and returns its output.
func gitOut(t *testing.T, s *sandbox, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(s.opts(0).env, "PATH="+os.Getenv("PATH"),
		"GIT_AUTHOR_NAME=faults", "GIT_AUTHOR_EMAIL=faults@example.com",
		"GIT_COMMITTER_NAME=faults", "GIT_COMMITTER_EMAIL=faults@example.com",
		"GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
