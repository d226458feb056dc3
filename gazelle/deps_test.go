package gazelle_test

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestNoBuildKit: the extension is linked into every user's gazelle
// binary, so it reads Dockerfiles with tools/dockerfile, not BuildKit's
// parser (which brings BuildKit utilities and containerd's typeurl).
func TestNoBuildKit(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH (as in a Bazel sandbox)")
	}
	if mod, err := exec.Command(goTool, "env", "GOMOD").Output(); err != nil || strings.TrimSpace(string(mod)) == "" || strings.TrimSpace(string(mod)) == "/dev/null" {
		t.Skip("not inside the Go module")
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/rules-linuxkit/rules_linuxkit/gazelle/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps ./gazelle/...: %v\n%s", err, out)
	}
	re := regexp.MustCompile(`^github\.com/(moby/buildkit|containerd)/`)
	var bad []string
	for _, p := range strings.Fields(string(out)) {
		if re.MatchString(p) {
			bad = append(bad, p)
		}
	}
	if len(bad) > 0 {
		t.Errorf("go list -deps ./gazelle/... includes %d BuildKit or containerd packages: %s", len(bad), strings.Join(bad, ", "))
	}
}
