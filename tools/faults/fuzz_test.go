//go:build faults

package faults

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The fuzz family: every Fuzz* target of the packages that read untrusted
// files (build.yml in tools/spec; result.json and index.json in
// tools/build) runs for $FAULTS_FUZZTIME. The corpus stays in Go's fuzz
// cache ($GOCACHE/fuzz), so each run starts where the last one stopped;
// a crasher is written to the package's testdata/fuzz, as go test does.

var fuzzPackages = []string{"./tools/spec", "./tools/build"}

var (
	execsRE = regexp.MustCompile(`execs: (\d+) .*?(?:new interesting: \d+ \(total: (\d+)\))?$`)
)

func TestFuzzers(t *testing.T) {
	famFuzz.start(t)
	fuzztime := os.Getenv("FAULTS_FUZZTIME")
	if fuzztime == "" {
		fuzztime = "15s"
	}
	d, err := time.ParseDuration(fuzztime)
	if err != nil {
		t.Fatalf("FAULTS_FUZZTIME=%q: %v", fuzztime, err)
	}
	n := 0
	for _, pkg := range fuzzPackages {
		for _, fz := range listFuzzers(t, pkg) {
			n++
			t.Run(strings.TrimPrefix(pkg, "./tools/")+"/"+fz, func(t *testing.T) {
				famFuzz.track(t)
				ctx, cancel := context.WithTimeout(context.Background(), d+5*time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-fuzz", "^"+fz+"$", "-fuzztime", fuzztime, pkg)
				cmd.Dir = moduleRoot
				out, err := cmd.CombinedOutput()
				execs, corpus := lastExecs(string(out))
				famFuzz.text(fz + " " + execs + " execs")
				t.Logf("%s: %s execs in %s, corpus %s", fz, execs, fuzztime, corpus)
				if err != nil {
					t.Errorf("go test -fuzz %s %s: %v\n%s", fz, pkg, err, clip(tail(string(out), 3000)))
				}
			})
		}
	}
	if n == 0 {
		t.Error("no Fuzz* targets found in " + strings.Join(fuzzPackages, ", "))
	}
}

// listFuzzers returns the Fuzz* functions of pkg.
func listFuzzers(t *testing.T, pkg string) []string {
	cmd := exec.Command("go", "test", "-list", "^Fuzz", pkg)
	cmd.Dir = moduleRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go test -list ^Fuzz %s: %v", pkg, err)
	}
	var fz []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Fuzz") {
			fz = append(fz, strings.TrimSpace(l))
		}
	}
	return fz
}

// lastExecs returns the exec count and corpus size of the fuzzer's last
// progress line.
func lastExecs(out string) (execs, corpus string) {
	execs, corpus = "?", "?"
	for _, l := range strings.Split(out, "\n") {
		if m := execsRE.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			execs = m[1]
			if m[2] != "" {
				corpus = m[2]
			}
		}
	}
	return execs, corpus
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
