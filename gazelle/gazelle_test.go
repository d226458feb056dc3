package gazelle_test

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/gazelle/gazelletest"
)

var update = flag.Bool("update", false, "rewrite the BUILD.out and expectedStderr.txt files of testdata/<case> from this run")

// Each testdata/<case> is a repository: BUILD.in files are the BUILD files
// before the run, BUILD.out files the BUILD files expected after it,
// expectedStderr.txt what the run logs (the workspace path written
// %WORKSPACEPATH%), and MODULE.bazel marks the case for
// gazelle_generation_test, which runs the real gazelle_binary on the same
// files under Bazel.
const (
	inSuffix   = ".in"
	outSuffix  = ".out"
	stderrFile = "expectedStderr.txt"
)

// runUpdate runs Gazelle over the repository at ws and returns its log.
func runUpdate(t *testing.T, ws string) string {
	t.Helper()
	logs, err := gazelletest.Update(ws)
	if err != nil {
		t.Fatalf("gazelle: %v\n%s", err, logs)
	}
	return logs
}

func testCases(t *testing.T) []string {
	t.Helper()
	cases, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no test cases in testdata")
	}
	return cases
}

// TestGeneration runs Gazelle with this language on each case's BUILD.in
// files and compares the BUILD files with BUILD.out, and the log with
// expectedStderr.txt.
func TestGeneration(t *testing.T) {
	for _, dir := range testCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			ws := copyCase(t, dir, inSuffix)
			logs := strings.ReplaceAll(runUpdate(t, ws), ws, "%WORKSPACEPATH%")
			if *update {
				writeGoldens(t, dir, ws, logs)
				return
			}
			want, err := os.ReadFile(filepath.Join(dir, stderrFile))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if strings.TrimSpace(logs) != strings.TrimSpace(string(want)) {
				t.Errorf("logged:\n%s\nwant (%s):\n%s", logs, filepath.Join(dir, stderrFile), want)
			}
			got := buildFiles(t, ws)
			for rel, text := range goldens(t, dir, outSuffix) {
				if g, ok := got[rel]; !ok {
					t.Errorf("%s: not written, want:\n%s", rel, text)
				} else if g != text {
					t.Errorf("%s:\n%s\nwant (%s%s):\n%s", rel, g, strings.TrimSuffix(rel, ".bazel"), outSuffix, text)
				}
				delete(got, rel)
			}
			for rel, text := range got {
				t.Errorf("%s: written but no %s%s expects it:\n%s", rel, strings.TrimSuffix(rel, ".bazel"), outSuffix, text)
			}
		})
	}
}

// TestIdempotent runs Gazelle on each case's expected output (BUILD.out as
// the BUILD files): a second run must change no BUILD file and log the same.
func TestIdempotent(t *testing.T) {
	for _, dir := range testCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			ws := copyCase(t, dir, outSuffix)
			before := buildFiles(t, ws)
			runUpdate(t, ws)
			after := buildFiles(t, ws)
			for rel, text := range after {
				if b, ok := before[rel]; !ok {
					t.Errorf("%s: created by the second run:\n%s", rel, text)
				} else if b != text {
					t.Errorf("%s: changed by the second run:\n%s\nwas:\n%s", rel, text, b)
				}
			}
			for rel := range before {
				if _, ok := after[rel]; !ok {
					t.Errorf("%s: deleted by the second run", rel)
				}
			}
		})
	}
}

// copyCase copies testdata/<case> to a new directory, the files ending in
// buildSuffix becoming the BUILD.bazel files and the other golden files
// left out.
func copyCase(t *testing.T, dir, buildSuffix string) string {
	t.Helper()
	ws := t.TempDir()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(rel, buildSuffix):
			rel = strings.TrimSuffix(rel, buildSuffix) + ".bazel"
		case strings.HasSuffix(rel, inSuffix), strings.HasSuffix(rel, outSuffix), rel == stderrFile:
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
	return ws
}

// buildFiles maps the path of each BUILD.bazel file under root to its text.
func buildFiles(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "BUILD.bazel" {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// goldens maps the BUILD.bazel path each file of dir ending in suffix stands
// for to its text.
func goldens(t *testing.T, dir, suffix string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, suffix) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(strings.TrimSuffix(rel, suffix)+".bazel")] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// writeGoldens replaces dir's BUILD.out files and expectedStderr.txt with
// what the run in ws wrote and logged.
func writeGoldens(t *testing.T, dir, ws, logs string) {
	t.Helper()
	for rel := range goldens(t, dir, outSuffix) {
		if err := os.Remove(filepath.Join(dir, strings.TrimSuffix(rel, ".bazel")+outSuffix)); err != nil {
			t.Fatal(err)
		}
	}
	for rel, text := range buildFiles(t, ws) {
		if err := os.WriteFile(filepath.Join(dir, strings.TrimSuffix(rel, ".bazel")+outSuffix), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stderr := filepath.Join(dir, stderrFile)
	if logs == "" {
		if err := os.Remove(stderr); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(stderr, []byte(logs), 0o644); err != nil {
		t.Fatal(err)
	}
}
