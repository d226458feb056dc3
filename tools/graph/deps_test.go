package graph

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// buildkitClientRE matches what a BuildKit solve pulls in: the client, its
// session and solver, containerd's stores. (The Gazelle extension links
// no BuildKit at all: gazelle/deps_test.go checks that.)
var buildkitClientRE = regexp.MustCompile(`^github\.com/(moby/buildkit/(client|session|solver|exporter|util/progress)|containerd/containerd|tonistiigi/fsutil)(/|$)`)

// listDeps returns `go list -deps` of pkgs, or skips when there is no go
// tool or module (as in a Bazel sandbox).
func listDeps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	mod, err := exec.Command(goTool, "env", "GOMOD").Output()
	if m := strings.TrimSpace(string(mod)); err != nil || m == "" || m == "/dev/null" {
		t.Skip("not inside the Go module")
	}
	out, err := exec.Command(goTool, append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", strings.Join(pkgs, " "), err, out)
	}
	return strings.Fields(string(out))
}

// The package graph and the Gazelle extension must not need BuildKit's
// client: Gazelle runs on every `bazel run //:gazelle`, with no daemon.
func TestNoBuildKitClient(t *testing.T) {
	const mod = "github.com/rules-linuxkit/rules_linuxkit/"
	for _, pkgs := range [][]string{{mod + "tools/graph"}, {mod + "gazelle/..."}} {
		var bad []string
		for _, d := range listDeps(t, pkgs...) {
			if buildkitClientRE.MatchString(d) {
				bad = append(bad, d)
			}
		}
		if len(bad) > 0 {
			t.Errorf("go list -deps %s includes BuildKit's client or containerd: %s\n(import tools/graph, not tools/build)", pkgs[0], strings.Join(bad, ", "))
		}
	}
	// tools/graph reads build.yml files only: nothing of BuildKit at all.
	for _, d := range listDeps(t, mod+"tools/graph") {
		if strings.HasPrefix(d, "github.com/moby/buildkit/") || strings.HasPrefix(d, "github.com/containerd/") {
			t.Errorf("tools/graph depends on %s", d)
		}
	}
}
