// Package buildbench measures the overhead of `lkpkg build` over raw
// BuildKit: `buildctl build` of the same Dockerfile, with the same frontend
// options and OCI exporter options, on the same daemon. Both are run as
// processes, so the comparison includes what a user or a Bazel action pays
// (process start, loading and hashing the package, splitting the export into
// per-arch and index layouts).
//
//	go test -run '^$' -bench . -benchtime 5x ./bench/build
//
// reports ns/op per case and, on the lkpkg cases, a "ratio" metric:
// lkpkg's time over buildctl's. run.sh prints just the ratios.
package buildbench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rules-linuxkit/rules_linuxkit/tools/buildkitd"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

const dockerfile = `ARG BASE
FROM ${BASE} AS build
COPY src/ /src/
RUN mkdir -p /out && for f in /src/*; do tr a-z A-Z < $f > /out/$(basename $f); done
FROM ${BASE}
COPY --from=build /out/ /data/
RUN ls /data > /data.list
`

type setup struct {
	lkpkg, buildctl string
	daemon          *buildkitd.Local
	base            string
	pkgDir          string
}

func newSetup(b *testing.B) *setup {
	b.Helper()
	s := &setup{daemon: testenv.BuildKit(b)}
	reg := testenv.StartRegistry(b)
	s.base = testenv.Busybox(b, reg)
	var err error
	if s.buildctl, err = buildkitd.FindBinary("buildctl"); err != nil {
		b.Fatal(err)
	}
	bin := b.TempDir()
	s.lkpkg = filepath.Join(bin, "lkpkg")
	if out, err := exec.Command("go", "build", "-o", s.lkpkg, "github.com/rules-linuxkit/rules_linuxkit/tools/cmd/lkpkg").CombinedOutput(); err != nil {
		b.Fatalf("go build lkpkg: %v\n%s", err, out)
	}
	s.pkgDir = b.TempDir()
	files := map[string]string{
		"build.yml":  "image: bench\norg: example\narches:\n  - amd64\n",
		"Dockerfile": dockerfile,
	}
	for i := 0; i < 20; i++ {
		files[fmt.Sprintf("src/file%02d.txt", i)] = fmt.Sprintf("file %d of the benchmark package\n", i)
	}
	for name, data := range files {
		p := filepath.Join(s.pkgDir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func (s *setup) lkpkgCmd(out string) *exec.Cmd {
	return exec.Command(s.lkpkg, "build", "--hermetic", "--progress", "quiet",
		"--builder-addr", s.daemon.Address(), "--platforms", "linux/amd64",
		"--build-arg", "BASE="+s.base, "--output-dir", out, s.pkgDir)
}

// buildctlCmd is the same build as lkpkg's: same frontend options (no
// network, SOURCE_DATE_EPOCH) and OCI exporter options.
func (s *setup) buildctlCmd(out string) *exec.Cmd {
	return exec.Command(s.buildctl, "--addr", s.daemon.Address(), "build", "--progress", "quiet",
		"--frontend", "dockerfile.v0",
		"--local", "context="+s.pkgDir, "--local", "dockerfile="+s.pkgDir,
		"--opt", "platform=linux/amd64", "--opt", "force-network-mode=none",
		"--opt", "build-arg:BASE="+s.base, "--opt", "build-arg:SOURCE_DATE_EPOCH=0",
		"--output", "type=oci,tar=false,dest="+out+",name=example/bench:x,oci-mediatypes=true,rewrite-timestamp=true,source-date-epoch=0")
}

func (s *setup) prune(b *testing.B) {
	if _, err := buildkitd.Prune(context.Background(), s.daemon.Address()); err != nil {
		b.Fatal(err)
	}
}

// run times n builds made by mk, pruning the cache before each when cold.
func (s *setup) run(b *testing.B, cold bool, mk func(out string) *exec.Cmd) time.Duration {
	b.Helper()
	var total time.Duration
	// One untimed warm-up build: fills the cache for the cached case and
	// the OS page cache for both.
	if out, err := mk(filepath.Join(b.TempDir(), "warm")).CombinedOutput(); err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if cold {
			s.prune(b)
		}
		out := filepath.Join(b.TempDir(), "out")
		cmd := mk(out)
		b.StartTimer()
		start := time.Now()
		if o, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, o)
		}
		total += time.Since(start)
	}
	b.StopTimer()
	return total / time.Duration(b.N)
}

func BenchmarkOverhead(b *testing.B) {
	s := newSetup(b)
	for _, mode := range []string{"cold", "cached"} {
		cold := mode == "cold"
		var raw time.Duration
		b.Run(mode+"/buildctl", func(b *testing.B) {
			raw = s.run(b, cold, s.buildctlCmd)
		})
		b.Run(mode+"/lkpkg", func(b *testing.B) {
			ours := s.run(b, cold, s.lkpkgCmd)
			if raw > 0 {
				b.ReportMetric(float64(ours)/float64(raw), "ratio")
			}
		})
	}
}
