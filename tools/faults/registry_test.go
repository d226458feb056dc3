//go:build faults

package faults

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// The registry family: a push of two arches (arm64, s390x) to a tag whose
// index already holds amd64, with the registry SIGKILLed at one request of
// the push (see killPlan), started again on the same port and storage, and
// the push rerun if it failed. After every kill point the index must hold
// all three arches, amd64 with its old digest, every child resolvable.

const killImage = "lkt/killme"

// killSetup is the registry, the proxy and the package every kill point
// pushes.
type killSetup struct {
	reg   *regProc
	proxy *killProxy
	pkg   string
	pre   map[string]v1.Hash // digest of the amd64 image already in each index
}

func TestRegistryKillPoints(t *testing.T) {
	famRegistry.start(t)
	famRegistry.note("incomplete indexes", 0)
	famRegistry.note("entries lost", 0)
	s := &killSetup{reg: startRegProc(t)}
	s.proxy = startKillProxy(t, s.reg)
	s.pkg = pushPackage(t, "killme", false, "amd64", "arm64", "s390x")

	// A fault-free push of the same shape gives the requests to kill at.
	if err := s.round(t, "rec", 99, nil); err != nil {
		t.Fatalf("fault-free push: %v", err)
	}
	counts, bodies := s.proxy.seen()
	plans := killPlans(counts, bodies)
	t.Logf("a push makes these requests: %v; %d kill points", counts, len(plans))
	if len(plans) < 30 {
		t.Errorf("only %d kill points, want at least 30", len(plans))
	}
	for i, plan := range plans {
		t.Run(strings.ReplaceAll(plan.String(), " ", "_"), func(t *testing.T) {
			famRegistry.track(t)
			if err := s.round(t, fmt.Sprintf("k%02d", i), uint64(100+i), &plan); err != nil {
				t.Error(err)
			}
		})
	}
}

// round pushes amd64 to tag straight to the registry, then arm64 and s390x
// (new blobs: seed) through the proxy with plan, rerunning the push once
// if it failed, and checks the index.
func (s *killSetup) round(t *testing.T, tag string, seed uint64, plan *killPlan) error {
	preOut := t.TempDir()
	pre, err := testenv.BuildOutput(preOut, killImage, tag, []string{"amd64"}, 1, 4096, 1)
	if err != nil {
		return err
	}
	if r := lkpkg(t, runOpts{}, "push", "--hermetic", "--progress", "quiet", "--input-dir", preOut, "--registry", s.reg.host, s.pkg); r.code != 0 {
		return fmt.Errorf("pushing the amd64 image that was there before: %v", r)
	}
	out := t.TempDir()
	pushed, err := testenv.BuildOutput(out, killImage, tag, []string{"arm64", "s390x"}, 2, 64<<10, seed)
	if err != nil {
		return err
	}
	args := []string{"push", "--hermetic", "--progress", "quiet", "--input-dir", out, "--registry", s.proxy.host, s.pkg}
	s.proxy.arm(plan)
	first := lkpkg(t, runOpts{}, args...)
	s.proxy.revive()
	fired, startErr := s.proxy.result()
	s.proxy.disarm()
	if startErr != nil {
		return fmt.Errorf("the registry did not start again: %v", startErr)
	}
	if plan != nil && !fired {
		return fmt.Errorf("kill point %v never reached (%v)", plan, first)
	}
	if plan != nil && plan.stayDown && first.code == 0 {
		return fmt.Errorf("the push succeeded with the registry down: %v", first)
	}
	how := "push survived the kill"
	if first.code != 0 {
		how = "push failed (exit " + strconv.Itoa(first.code) + "), rerun"
		if r := lkpkg(t, runOpts{}, args...); r.code != 0 {
			return fmt.Errorf("the rerun after the kill failed: %v\nfirst run: %v", r, first)
		}
	}
	want := map[string]v1.Hash{"linux/amd64": pre["amd64"], "linux/arm64": pushed["arm64"], "linux/s390x": pushed["s390x"]}
	c := checkIndex(s.reg.host+"/"+killImage+":"+tag, want)
	t.Logf("%s; %s", how, c)
	if plan != nil {
		if _, ok := c.entries["linux/amd64"]; !ok || c.entries["linux/amd64"] != pre["amd64"] {
			famRegistry.note("entries lost", 1)
		}
		if !c.ok() {
			famRegistry.note("incomplete indexes", 1)
		}
	}
	if !c.ok() {
		return fmt.Errorf("after the kill: %s", c)
	}
	return nil
}

// killPlans turns the requests of a push into kill points: for each
// request key its first and last request (and the middle one of writes),
// each killed before it is forwarded, after the registry answered, and
// (for requests with a body) half-way through the body.
// $FAULTS_KILLPOINTS caps the number: the manifest and index writes are
// always kept, the others thinned evenly. A few more leave the registry
// down until the push fails, so that the rerun finds what a crashed push
// left behind: half an upload, an arch tag without an index entry, an
// index written but never acknowledged.
func killPlans(counts map[string]int, bodies map[string]bool) []killPlan {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var writes, others []killPlan
	for _, key := range keys {
		c := counts[key]
		write := strings.HasPrefix(key, "PUT ") || strings.HasPrefix(key, "PATCH ")
		ks := []int{1}
		if write && c > 2 {
			ks = append(ks, (c+1)/2)
		}
		if c > 1 {
			ks = append(ks, c)
		}
		modes := []string{"before", "after"}
		if bodies[key] {
			modes = append(modes, "mid")
		}
		for _, k := range ks {
			for _, m := range modes {
				p := killPlan{key: key, k: k, mode: m}
				if strings.HasPrefix(key, "PUT manifest") {
					writes = append(writes, p)
				} else {
					others = append(others, p)
				}
			}
		}
	}
	if max, err := strconv.Atoi(os.Getenv("FAULTS_KILLPOINTS")); err == nil && max > len(writes) && len(writes)+len(others) > max {
		n := max - len(writes)
		thin := make([]killPlan, 0, n)
		for i := 0; i < n; i++ {
			thin = append(thin, others[i*len(others)/n])
		}
		others = thin
	}
	plans := append(others, writes...)
	for _, p := range []killPlan{
		{key: "PATCH upload", k: 1, mode: "mid"},
		{key: "PUT manifest-arch", k: 1, mode: "after"},
		{key: "PUT manifest-index", k: 1, mode: "before"},
		{key: "PUT manifest-index", k: 1, mode: "after"},
	} {
		if counts[p.key] >= p.k {
			p.stayDown = true
			plans = append(plans, p)
		}
	}
	return plans
}
