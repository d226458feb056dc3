//go:build faults

package faults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// run is one lkpkg invocation and what it printed.
type run struct {
	args           []string
	code           int
	stdout, stderr string
	elapsed        time.Duration
	timedOut       bool
}

func (r run) String() string {
	s := fmt.Sprintf("lkpkg %s: exit %d in %v", strings.Join(r.args, " "), r.code, r.elapsed.Round(time.Millisecond))
	if r.timedOut {
		s += " (killed: timeout)"
	}
	return s + "\nstdout: " + clip(r.stdout) + "\nstderr: " + clip(r.stderr)
}

// testDirRE matches the test temp dirs (t.TempDir), whose names hold the
// test's name: keywords are looked for in messages with them taken out,
// so that a test named after a file cannot find that file's name there.
var testDirRE = regexp.MustCompile(regexp.QuoteMeta(os.TempDir()) + `/Test[^/\s]*`)

// stderrHas reports whether r's stderr, test dir names taken out, holds
// any of the keywords.
func (r run) stderrHas(keywords ...string) bool {
	msg := testDirRE.ReplaceAllString(r.stderr, "$$TMP")
	for _, k := range keywords {
		if strings.Contains(msg, testDirRE.ReplaceAllString(k, "$$TMP")) {
			return true
		}
	}
	return false
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "..."
	}
	return s
}

// runOpts say how to run lkpkg.
type runOpts struct {
	// dir is the working directory (default: the test's temp dir).
	dir string
	// env is added to a clean environment (see baseEnv).
	env []string
	// timeout kills lkpkg (default 2 minutes).
	timeout time.Duration
	// memLimit caps lkpkg's address space (bytes, via ulimit -v), for
	// inputs that could make it allocate without bound.
	memLimit int64
}

// baseEnv is the environment without anything that would change what
// lkpkg does here: content-trust and docker settings, BuildKit address.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "DOCKER_"), k == "BUILDKIT_HOST", k == "COSIGN_PASSWORD":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// lkpkg runs the lkpkg binary and returns what happened; it never fails
// the test itself.
func lkpkg(t *testing.T, o runOpts, args ...string) run {
	t.Helper()
	if o.timeout == 0 {
		o.timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	var cmd *exec.Cmd
	if o.memLimit > 0 {
		// ulimit -v takes KiB; exec keeps lkpkg the process the context kills.
		script := fmt.Sprintf(`ulimit -v %d && exec "$0" "$@"`, o.memLimit/1024)
		cmd = exec.CommandContext(ctx, "sh", append([]string{"-c", script, lkpkgBin}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, lkpkgBin, args...)
	}
	cmd.WaitDelay = 5 * time.Second
	cmd.Dir = o.dir
	if cmd.Dir == "" {
		cmd.Dir = t.TempDir()
	}
	cmd.Env = append(baseEnv(), o.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := run{args: args, stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		r.code = -1
		r.stderr += "\n(run: " + err.Error() + ")"
	}
	if ctx.Err() != nil {
		r.timedOut = true
		r.code = -1
	}
	return r
}

// writeFiles writes files (slash paths relative to dir).
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pushPackage writes a package directory for org lkt and image, unsigned
// unless trust, for the given arches.
func pushPackage(t *testing.T, image string, trust bool, arches ...string) string {
	t.Helper()
	dir := t.TempDir()
	yml := "image: " + image + "\norg: lkt\narches: [" + strings.Join(arches, ", ") + "]\n"
	if !trust {
		yml += "disable-content-trust: true\n"
	}
	writeFiles(t, dir, map[string]string{"build.yml": yml, "Dockerfile": "FROM scratch\n"})
	return dir
}
