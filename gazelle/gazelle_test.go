package gazelle_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/bazelbuild/bazel-gazelle/testtools"
)

// TestGeneration runs Gazelle, with this language, on each testdata/<case>
// and compares the BUILD files with BUILD.out (and stderr with
// expectedStderr.txt). Under Bazel, GAZELLE_BIN is the gazelle_binary; with
// go test the test builds ./cmd/gazelle.
func TestGeneration(t *testing.T) {
	bin := gazelleBinary(t)
	cases, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no test cases in testdata")
	}
	for _, dir := range cases {
		abs, err := filepath.Abs(dir)
		if err != nil {
			t.Fatal(err)
		}
		testtools.TestGazelleGenerationOnPath(t, &testtools.TestGazelleGenerationArgs{
			Name:                 filepath.Base(dir),
			TestDataPathAbsolute: abs,
			TestDataPathRelative: filepath.Join("gazelle", dir),
			GazelleBinaryPath:    bin,
			Timeout:              time.Minute,
		})
	}
}

func gazelleBinary(t *testing.T) string {
	if p := os.Getenv("GAZELLE_BIN"); p != "" {
		if !filepath.IsAbs(p) {
			// A runfiles path under Bazel.
			if abs, err := filepath.Abs(p); err == nil {
				p = abs
			}
		}
		return p
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build the gazelle binary, and GAZELLE_BIN is not set")
	}
	bin := filepath.Join(t.TempDir(), "gazelle")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/gazelle")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("building the gazelle binary: %v", err)
	}
	return bin
}
