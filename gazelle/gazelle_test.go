package gazelle_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
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
			// $(rootpath) under Bazel: relative to the workspace's runfiles.
			p = filepath.Join(os.Getenv("TEST_SRCDIR"), os.Getenv("TEST_WORKSPACE"), p)
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

// TestIdempotent runs Gazelle in -mode diff on each case's expected output
// (BUILD.out as the BUILD files): a second run must change nothing.
func TestIdempotent(t *testing.T) {
	bin := gazelleBinary(t)
	cases, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			ws := t.TempDir()
			err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(dir, p)
				switch {
				case strings.HasSuffix(rel, ".in"):
					return nil
				case strings.HasSuffix(rel, ".out"):
					rel = strings.TrimSuffix(rel, ".out") + ".bazel"
				case strings.HasPrefix(filepath.Base(rel), "expected"):
					return nil
				}
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				dst := filepath.Join(ws, rel)
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					return err
				}
				return os.WriteFile(dst, data, 0o644)
			})
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "-repo_root="+ws, "-mode=diff")
			cmd.Dir = ws
			cmd.Env = append(os.Environ(), "BUILD_WORKSPACE_DIRECTORY="+ws)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("a second run would change BUILD files (%v):\n%s", err, out)
			}
		})
	}
}
