// Package buildbench measures the overhead of `lkpkg build` over raw
// BuildKit: `buildctl build` of the same Dockerfile, with the same frontend
// options and OCI exporter options, on the same daemon. Both are run as
// processes, so the comparison includes what a user or a Bazel action pays
// (process start, loading and hashing the package, splitting the export into
// per-arch and index layouts).
//
// The two are run interleaved, in alternating order (buildctl then lkpkg,
// lkpkg then buildctl, ...), and compared by their medians: the daemon and
// the machine drift over a run (cache and history growth, other jobs), so
// running all of one tool's builds before the other's charges the drift to
// whichever goes second; an earlier version did that and measured lkpkg at
// 1.2-1.4x when, interleaved, it is on par.
//
//	go test -run '^$' -bench . -benchtime 5x ./bench/build
//
// reports, per case (cold, cached), the median time of each tool
// (buildctl-ns, lkpkg-ns) and "ratio": lkpkg's median over buildctl's
// (ns/op is the time of one build by each). run.sh prints just the ratios.
package buildbench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/buildkitd"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
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
	// ref and buildArgs are what lkpkg passes BuildKit: the image name
	// and every build arg (preset PKG_* ones included).
	ref       string
	buildArgs []spec.BuildArg
}

func newSetup(b testing.TB) *setup {
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
	p, err := pkg.Load(s.pkgDir, pkg.Options{Hermetic: true})
	if err != nil {
		b.Fatal(err)
	}
	s.ref = p.Ref()
	if s.buildArgs, err = build.BuildArgs(p, build.Options{BuildArgs: []spec.BuildArg{{Name: "BASE", Value: s.base}}}); err != nil {
		b.Fatal(err)
	}
	return s
}

func (s *setup) lkpkgCmd(out string) *exec.Cmd {
	return exec.Command(s.lkpkg, "build", "--hermetic", "--progress", "quiet",
		"--builder-addr", s.daemon.Address(), "--platforms", "linux/amd64",
		"--build-arg", "BASE="+s.base, "--output-dir", out, s.pkgDir)
}

// buildctlCmd is the same build as lkpkg's: same frontend options (no
// network, the same build args, SOURCE_DATE_EPOCH and the PKG_* ones
// included) and OCI exporter options (same image name).
func (s *setup) buildctlCmd(out string) *exec.Cmd {
	args := []string{"--addr", s.daemon.Address(), "build", "--progress", "quiet",
		"--frontend", "dockerfile.v0",
		"--local", "context=" + s.pkgDir, "--local", "dockerfile=" + s.pkgDir,
		"--opt", "platform=linux/amd64", "--opt", "force-network-mode=none"}
	for _, a := range s.buildArgs {
		args = append(args, "--opt", "build-arg:"+a.Name+"="+a.Value)
	}
	args = append(args, "--output", "type=oci,tar=false,dest="+out+",name="+s.ref+",oci-mediatypes=true,rewrite-timestamp=true,source-date-epoch=0")
	return exec.Command(s.buildctl, args...)
}

func (s *setup) prune(b *testing.B) {
	if _, err := buildkitd.Prune(context.Background(), s.daemon.Address()); err != nil {
		b.Fatal(err)
	}
}

// tool is one way of building: a name and the command that builds into out.
type tool struct {
	name string
	cmd  func(out string) *exec.Cmd
}

// run times b.N builds by each tool, interleaved in alternating order,
// pruning the cache before each when cold, and returns each tool's median.
func (s *setup) run(b *testing.B, cold bool, tools []tool) []time.Duration {
	b.Helper()
	dir := b.TempDir()
	buildOnce := func(t tool) time.Duration {
		out := filepath.Join(dir, t.name)
		if err := os.RemoveAll(out); err != nil {
			b.Fatal(err)
		}
		cmd := t.cmd(out)
		b.StartTimer()
		start := time.Now()
		o, err := cmd.CombinedOutput()
		d := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatalf("%s: %v\n%s", t.name, err, o)
		}
		return d
	}
	b.StopTimer()
	// One untimed warm-up build each: fills the cache for the cached case
	// and the OS page cache for both.
	for _, t := range tools {
		buildOnce(t)
	}
	times := make([][]time.Duration, len(tools))
	for i := 0; i < b.N; i++ {
		for j := range tools {
			k := j
			if i%2 == 1 {
				k = len(tools) - 1 - j
			}
			if cold {
				s.prune(b)
			}
			times[k] = append(times[k], buildOnce(tools[k]))
		}
	}
	med := make([]time.Duration, len(tools))
	for k, ts := range times {
		slices.Sort(ts)
		med[k] = ts[len(ts)/2]
		if len(ts)%2 == 0 {
			med[k] = (ts[len(ts)/2-1] + ts[len(ts)/2]) / 2
		}
	}
	return med
}

func BenchmarkOverhead(b *testing.B) {
	s := newSetup(b)
	tools := []tool{{"buildctl", s.buildctlCmd}, {"lkpkg", s.lkpkgCmd}}
	for _, mode := range []string{"cold", "cached"} {
		b.Run(mode, func(b *testing.B) {
			med := s.run(b, mode == "cold", tools)
			b.ReportMetric(float64(med[0]), "buildctl-ns")
			b.ReportMetric(float64(med[1]), "lkpkg-ns")
			b.ReportMetric(float64(med[1])/float64(med[0]), "ratio")
		})
	}
}
