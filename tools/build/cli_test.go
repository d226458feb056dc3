package build_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

var lkpkgBin struct {
	once sync.Once
	path string
	err  error
}

// lkpkgBinary builds the CLI once per test process.
func lkpkgBinary(t *testing.T) string {
	t.Helper()
	lkpkgBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "lkpkg-bin")
		if err != nil {
			lkpkgBin.err = err
			return
		}
		lkpkgBin.path = filepath.Join(dir, "lkpkg")
		out, err := exec.Command("go", "build", "-o", lkpkgBin.path, "github.com/rules-linuxkit/rules_linuxkit/tools/cmd/lkpkg").CombinedOutput()
		if err != nil {
			lkpkgBin.err = fmt.Errorf("go build lkpkg: %v\n%s", err, out)
		}
	})
	if lkpkgBin.err != nil {
		t.Fatal(lkpkgBin.err)
	}
	return lkpkgBin.path
}

// cli runs lkpkg with the local daemon in daemonDir and no BUILDKIT_HOST.
type cli struct {
	t         *testing.T
	bin       string
	daemonDir string
	// env is added to lkpkg's environment.
	env []string
}

func (c *cli) run(args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	env := []string{"RULES_LINUXKIT_BUILDKIT_DIR=" + c.daemonDir, "XDG_CACHE_HOME=" + filepath.Join(c.daemonDir, "cache")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BUILDKIT_HOST=") && !strings.HasPrefix(kv, "SOURCE_DATE_EPOCH=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, c.env...)
	err = cmd.Run()
	return o.String(), e.String(), err
}

func (c *cli) mustRun(args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("lkpkg %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func readResult(t *testing.T, out string) build.Result {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r build.Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCLIHermeticBuilderLifecycle drives the CLI as a Bazel action would:
// no registry at all (the base image comes from an OCI layout through
// --context-from), the daemon started outside the "action" with
// `lkpkg builder start`, then status, prune (same digest after it) and stop.
func TestCLIHermeticBuilderLifecycle(t *testing.T) {
	testenv.RequireBuildKit(t)
	daemonDir, err := os.MkdirTemp("", "bkcli")
	if err != nil {
		t.Fatal(err)
	}
	c := &cli{t: t, bin: lkpkgBinary(t), daemonDir: daemonDir}
	t.Cleanup(func() {
		c.run("builder", "stop")
		os.RemoveAll(daemonDir)
	})

	baseLayout := filepath.Join(t.TempDir(), "busybox")
	testenv.BusyboxLayout(t, baseLayout)
	pkgDir := writePkg(t, t.TempDir(), map[string]string{
		"build.yml":  "image: hermetic\norg: example\narches:\n  - amd64\n",
		"Dockerfile": "ARG BASE=nowhere.invalid/busybox:1\nFROM ${BASE}\nCOPY f /f\nRUN cat /f > /g\n",
		"f":          "f\n",
	})
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"build", "--hermetic", "--platforms", "linux/amd64", "--progress", "plain",
		"--output-dir", out, "--context-from", "nowhere.invalid/busybox:1=" + baseLayout, pkgDir}

	// A hermetic build never starts a daemon.
	if _, errOut, err := c.run(args...); err == nil || !strings.Contains(errOut, "bazel run @rules_linuxkit//:buildkitd") {
		t.Fatalf("hermetic build without a daemon: err %v, stderr %q; want the one command that starts one, bazel run @rules_linuxkit//:buildkitd", err, errOut)
	}

	// Two concurrent starts give one daemon.
	var wg sync.WaitGroup
	addrs := make([]string, 2)
	for i := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addrs[i] = strings.TrimSpace(c.mustRun("builder", "start"))
		}()
	}
	wg.Wait()
	if addrs[0] != addrs[1] || !strings.HasPrefix(addrs[0], "unix://"+daemonDir) {
		t.Fatalf("builder start printed %q and %q", addrs[0], addrs[1])
	}
	if n := countDaemons(t, daemonDir); n != 1 {
		t.Fatalf("%d buildkitd processes for %s, want 1", n, daemonDir)
	}
	status := c.mustRun("builder", "status")
	if !strings.Contains(status, "running:   yes") || !strings.Contains(status, "linux/amd64") {
		t.Errorf("status:\n%s", status)
	}

	// Bazel actions read result.json; a hermetic build prints nothing on
	// stdout, which Bazel would echo after every action.
	stdout := c.mustRun(args...)
	first := readResult(t, out)
	if stdout != "" || first.Ref != "example/hermetic:"+first.Tag {
		t.Errorf("stdout %q (want none), result %+v", stdout, first)
	}
	if got := mustReadFile(t, filepath.Join(out, "amd64"), "g"); got != "f\n" {
		t.Errorf("g = %q", got)
	}

	// A failing build leaves the previous output untouched.
	if err := os.WriteFile(filepath.Join(pkgDir, "Dockerfile"), []byte("FROM nowhere.invalid/busybox:1\nRUN exit 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := c.run(args...)
	if err == nil || !strings.Contains(errOut, "Dockerfile:2") {
		t.Errorf("failing build: err %v, stderr tail %q", err, tailString(errOut, 300))
	}
	if r := readResult(t, out); r.Digest != first.Digest {
		t.Errorf("a failed build changed the output")
	}
	if err := os.WriteFile(filepath.Join(pkgDir, "Dockerfile"), []byte("ARG BASE=nowhere.invalid/busybox:1\nFROM ${BASE}\nCOPY f /f\nRUN cat /f > /g\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// Same digest after builder prune (nothing cached).
	if p := c.mustRun("builder", "prune"); !strings.HasPrefix(p, "freed ") {
		t.Errorf("prune printed %q", p)
	}
	c.mustRun(args...)
	if second := readResult(t, out); second.Digest != first.Digest {
		t.Errorf("digest after builder prune %s, before %s", second.Digest, first.Digest)
	}

	c.mustRun("builder", "stop")
	if n := countDaemons(t, daemonDir); n != 0 {
		t.Errorf("%d buildkitd processes left after stop", n)
	}
	if st, _, err := c.run("builder", "status"); err == nil || !strings.Contains(st, "running:   no") {
		t.Errorf("status after stop: %q, %v", st, err)
	}
}

// countDaemons counts live buildkitd processes whose command line names dir.
func countDaemons(t *testing.T, dir string) int {
	t.Helper()
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	n := 0
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || len(b) == 0 {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if strings.HasSuffix(args[0], "buildkitd") && strings.Contains(string(b), dir) {
			n++
		}
	}
	return n
}

func tailString(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
