package gazellebench

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/bazelbuild/bazel-gazelle/language"
	"github.com/rules-linuxkit/rules_linuxkit/gazelle/gazelletest"
)

var (
	packages = flag.Int("packages", 5000, "packages in the generated monorepo")
	// treeDir keeps each binary's tree in <treeDir>/<binary> across
	// processes, so that run.sh can time "full" and "no-change" each in a
	// process of its own, as a user runs the gazelle binary: a fresh heap,
	// not one that earlier runs in the same process already faulted in.
	treeDir = flag.String("tree", "", "keep each binary's tree in `dir`/<binary> (\"full\" replaces it, \"no-change\" reuses it)")
)

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
	fresh := func(ws string) string {
		trees++
		if ws == "" {
			ws = filepath.Join(root, fmt.Sprintf("mono%d", trees))
		} else if err := os.RemoveAll(ws); err != nil {
			b.Fatal(err)
		}
		if err := Generate(ws, *packages); err != nil {
			b.Fatal(err)
		}
		return ws
	}
	for _, bin := range binaries {
		b.Run(bin.name, func(b *testing.B) {
			var ws, kept string
			if *treeDir != "" {
				kept = filepath.Join(*treeDir, bin.name)
			}
			b.Run("full", func(b *testing.B) {
				var cpu, floor time.Duration
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					ws = fresh(kept)
					b.StartTimer()
					cpu += update(b, ws, bin.langs())
					b.StopTimer()
					floor += writeFloor(b, ws, fresh(""))
				}
				b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
				b.ReportMetric(float64(floor.Milliseconds())/float64(b.N), "write-floor-ms/op")
				b.ReportMetric(float64(*packages), "packages")
				b.ReportMetric(float64(len(buildFiles(b, ws))), "BUILD-files")
			})
			b.Run("no-change", func(b *testing.B) {
				if ws == "" && kept != "" && updated(kept) {
					ws = kept
				}
				if ws == "" {
					ws = fresh(kept)
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

// writeFloor is what the kernel alone takes to create the BUILD files
// that the full run wrote into ws: the same bytes at the same paths of
// another fresh tree, twin, written as Gazelle writes a file (os.MkdirAll,
// then os.WriteFile) and in its order. No Gazelle can write these files for
// less on this machine. twin is removed afterwards.
func writeFloor(b *testing.B, ws, twin string) time.Duration {
	files := buildFiles(b, ws)
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	start := time.Now()
	for _, p := range paths {
		rel, _ := filepath.Rel(ws, p)
		dst := filepath.Join(twin, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o777); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(dst, []byte(files[p]), 0o666); err != nil {
			b.Fatal(err)
		}
	}
	took := time.Since(start)
	if err := os.RemoveAll(twin); err != nil {
		b.Fatal(err)
	}
	return took
}

// updated reports whether a full run has already written ws's BUILD files:
// the first package has one.
func updated(ws string) bool {
	_, err := os.Stat(filepath.Join(ws, filepath.FromSlash(PkgDir(0)), "BUILD.bazel"))
	return err == nil
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
