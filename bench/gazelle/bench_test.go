package gazellebench

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bazelbuild/bazel-gazelle/language"
	"github.com/rules-linuxkit/rules_linuxkit/gazelle/gazelletest"
)

var packages = flag.Int("packages", 5000, "packages in the generated monorepo")

// binaries are the gazelle_binary targets of //gazelle, each timed on a tree
// of its own: gazelle_linuxkit (the LinuxKit language alone, what a tree of
// LinuxKit packages needs; the target is timed on it) and gazelle_bin
// (proto, Go and LinuxKit, the reference: what a repository that also holds
// Go code runs, the same walk and BUILD files with two more languages).
var binaries = []struct {
	name  string
	langs func() []language.Language
}{
	{"gazelle_linuxkit", gazelletest.LinuxKitLanguages},
	{"gazelle_bin", gazelletest.AllLanguages},
}

// BenchmarkGazelle times each binary's languages over a monorepo of
// -packages packages: "full" generates every BUILD file of a fresh tree,
// "no-change" reruns over the result (the tree "full" left, or a fresh one
// updated untimed) and fails if the rerun changes a BUILD file.
func BenchmarkGazelle(b *testing.B) {
	root := b.TempDir()
	trees := 0
	fresh := func() string {
		trees++
		ws := filepath.Join(root, fmt.Sprintf("mono%d", trees))
		if err := Generate(ws, *packages); err != nil {
			b.Fatal(err)
		}
		return ws
	}
	for _, bin := range binaries {
		b.Run(bin.name, func(b *testing.B) {
			var ws string
			b.Run("full", func(b *testing.B) {
				var cpu time.Duration
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					ws = fresh()
					b.StartTimer()
					cpu += update(b, ws, bin.langs())
				}
				b.StopTimer()
				b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
				b.ReportMetric(float64(*packages), "packages")
				b.ReportMetric(float64(len(buildFiles(b, ws))), "BUILD-files")
			})
			b.Run("no-change", func(b *testing.B) {
				if ws == "" {
					ws = fresh()
					update(b, ws, bin.langs())
				}
				before := buildFiles(b, ws)
				var cpu time.Duration
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					cpu += update(b, ws, bin.langs())
				}
				b.StopTimer()
				b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
				after := buildFiles(b, ws)
				for rel, text := range after {
					if before[rel] != text {
						b.Errorf("the rerun is not idempotent: it changed %s:\n%s\nwas:\n%s", rel, text, before[rel])
					}
				}
				if len(after) != len(before) {
					b.Errorf("the rerun is not idempotent: %d BUILD files before, %d after", len(before), len(after))
				}
			})
		})
	}
}

// update runs Gazelle over ws and returns the CPU time (user and system,
// every thread of the process) it took: on a shared machine, a steadier
// figure than wall time.
func update(b *testing.B, ws string, langs []language.Language) time.Duration {
	start := cpuTime(b)
	if logs, err := gazelletest.UpdateWith(ws, langs); err != nil {
		b.Fatalf("gazelle: %v\n%s", err, logs)
	}
	return cpuTime(b) - start
}

// cpuTime is the process's CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// buildFiles maps the path of each BUILD.bazel file under root to its text.
func buildFiles(b *testing.B, root string) map[string]string {
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "BUILD.bazel" {
			return err
		}
		data, err := os.ReadFile(p)
		files[p] = string(data)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return files
}
