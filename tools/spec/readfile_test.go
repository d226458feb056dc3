package spec

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loadInChild runs Load(dir) in a child test process bounded in time and
// memory, so that a hang or an unbounded read fails this test instead of
// taking the machine down, and returns what Load said.
func loadInChild(t *testing.T, dir string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// ulimit -v: reading /dev/zero would otherwise eat all the memory.
	cmd := exec.CommandContext(ctx, "sh", "-c", `ulimit -v 4000000; exec "$0" "$@"`, os.Args[0], "-test.run=^TestLoadChild$", "-test.v")
	cmd.Env = append(os.Environ(), "SPEC_LOAD_CHILD="+dir)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("Load(%s) did not return within 20s", dir)
	}
	if err != nil {
		t.Fatalf("Load(%s) crashed: %v\n%.2000s", dir, err, out)
	}
	_, msg, ok := strings.Cut(string(out), "LOAD: ")
	if !ok {
		t.Fatalf("no result from the child:\n%.2000s", out)
	}
	msg, _, _ = strings.Cut(msg, "\n--- ")
	return msg
}

// TestLoadChild is the child half of loadInChild.
func TestLoadChild(t *testing.T) {
	dir := os.Getenv("SPEC_LOAD_CHILD")
	if dir == "" {
		t.Skip("run by loadInChild")
	}
	_, err := Load(dir)
	fmt.Printf("LOAD: %v\n", err)
}

func TestLoadRefusesSpecialFiles(t *testing.T) {
	big := "image: big\n# " + strings.Repeat("x", 2<<20) + "\n"
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  []string
	}{
		{"fifo", func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "build.yml"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"build.yml", "named pipe", "not a regular file", "replace it with"}},
		{"link to /dev/zero", func(t *testing.T, dir string) {
			if err := os.Symlink("/dev/zero", filepath.Join(dir, "build.yml")); err != nil {
				t.Fatal(err)
			}
		}, []string{"build.yml", "/dev/zero", "device", "not a regular file"}},
		{"huge", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "build.yml"), []byte(big), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"build.yml", "larger than 1 MiB", "shorten"}},
		{"huge from-file", func(t *testing.T, dir string) {
			for name, data := range map[string]string{
				"build.yml":  "image: big\ndepends:\n  docker-images:\n    from-file: images.lst\n    target: images.tar\n",
				"images.lst": "# " + strings.Repeat("x", 2<<20) + "\n",
				"Dockerfile": "FROM scratch\n",
			} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}, []string{"images.lst", "larger than 1 MiB"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			tc.setup(t, dir)
			msg := loadInChild(t, dir)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("Load error %q does not mention %q", msg, w)
				}
			}
		})
	}
}

// A billion-laughs file and a deeply nested one are refused at once with
// a message that says why, not expanded or recursed into.
func TestParseYAMLBombs(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("image: x\nconfig:\n  env: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&bomb, "  binds: &a%d [", i)
		for j := 0; j < 9; j++ {
			fmt.Fprintf(&bomb, "*a%d, ", i-1)
		}
		bomb.WriteString("]\n")
	}
	bomb.WriteString("buildArgs: *a9\n")
	for _, tc := range []struct {
		name, data string
		want       []string
	}{
		{"billion laughs", bomb.String(), []string{"YAML aliases", "write the value out in full"}},
		{"nested flow sequences", "image: x\nconfig: " + strings.Repeat("[", 100000), []string{"invalid YAML", "max depth"}},
		{"nested flow mappings", "image: x\nconfig: " + strings.Repeat("{a: ", 100000), []string{"invalid YAML", "max depth"}},
		{"nested block sequences", "image: x\nconfig:\n  " + strings.Repeat("- ", 50000) + "x\n", []string{"invalid YAML", "max depth"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse("build.yml", []byte(tc.data))
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Parse took %s", d)
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range append(tc.want, "build.yml") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %.300q does not mention %q", err, w)
				}
			}
		})
	}
}
