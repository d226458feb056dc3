// Package gittest runs git for this module's tests in a hermetic
// configuration, so that what the tests compare against is git's own
// behaviour and not the machine's: no system or global config, no global
// excludes file, no GIT_* variables from the caller, the C locale.
package gittest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Need skips the test when git is not installed: differential tests have
// nothing to compare against without it.
func Need(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on PATH; differential test needs it")
	}
}

// Env is the environment git runs with: the caller's, minus every GIT_*
// variable, HOME and XDG_CONFIG_HOME, plus a fresh empty home.
func Env(t testing.TB) []string {
	t.Helper()
	home := t.TempDir()
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull, "LC_ALL=C"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			env = append(env, kv)
		}
	}
	return env
}

// Run runs git in dir with stdin (nil for none) and returns its standard
// output and exit status. Status 1 is returned, not fatal, since commands
// such as check-ignore and diff --quiet use it as an answer; any other
// failure ends the test.
func Run(t testing.TB, dir string, stdin []byte, args ...string) ([]byte, int) {
	t.Helper()
	out, stderr, err := run(t, dir, stdin, args)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return out, 1
	}
	if err != nil {
		t.Fatalf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderr)
	}
	return out, 0
}

// Git runs git in dir and returns its output without surrounding white
// space; any failure, exit status 1 included, ends the test.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, stderr, err := run(t, dir, nil, args)
	if err != nil {
		t.Fatalf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderr)
	}
	return strings.TrimSpace(string(out))
}

func run(t testing.TB, dir string, stdin []byte, args []string) (stdout []byte, stderr string, err error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = Env(t)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	out, err := cmd.Output()
	return out, errBuf.String(), err
}

// Commit stages everything in the work tree at dir and commits it, with a
// fixed identity and no background maintenance (newer gits run it detached
// after a commit, writing into .git while the test removes it).
func Commit(t testing.TB, dir, message string) {
	t.Helper()
	Git(t, dir, "add", "-A")
	Git(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
		"-c", "maintenance.auto=false", "-c", "gc.auto=0", "commit", "-q", "--allow-empty", "-m", message)
}
