//go:build faults

package faults

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// The concurrency family: four lkpkg processes push one arch each to the
// same tag at the same time, round after round, onto an index that
// already holds two entries no push is about: an amd64 image whose
// platform has os.features [zstd], and an arm64 image with a variant.
// Every round must end with the four arches and both other entries.

var concArches = []string{"amd64", "arm64", "riscv64", "s390x"}

// Platforms of the entries that are in the index before the pushes.
var (
	zstdPlatform    = v1.Platform{OS: "linux", Architecture: "amd64", OSFeatures: []string{"zstd"}}
	variantPlatform = v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v9"}
)

func TestConcurrentPushers(t *testing.T) {
	famConcurrency.start(t)
	famConcurrency.note("rounds with an entry missing", 0)
	reg := testenv.StartRegistry(t)
	dir := pushPackage(t, "conc", false, concArches...)
	rounds := 20
	if n, err := strconv.Atoi(os.Getenv("FAULTS_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	for round := 1; round <= rounds; round++ {
		t.Run(fmt.Sprintf("round-%02d", round), func(t *testing.T) {
			famConcurrency.track(t)
			tag := fmt.Sprintf("r%02d", round)
			want, err := seedOtherEntries(reg.Host, "lkt/conc:"+tag)
			if err != nil {
				t.Fatal(err)
			}
			outs := map[string]string{}
			for _, a := range concArches {
				outs[a] = t.TempDir()
				d, err := testenv.BuildOutput(outs[a], "lkt/conc", tag, []string{a}, 1, 2048, uint64(round))
				if err != nil {
					t.Fatal(err)
				}
				want["linux/"+a] = d[a]
			}
			var wg sync.WaitGroup
			runs := make([]run, len(concArches))
			for i, a := range concArches {
				wg.Add(1)
				go func() {
					defer wg.Done()
					runs[i] = lkpkg(t, runOpts{}, "push", "--hermetic", "--progress", "quiet", "--input-dir", outs[a], "--registry", reg.Host, dir)
				}()
			}
			wg.Wait()
			for _, r := range runs {
				if r.code != 0 {
					t.Errorf("a concurrent push failed: %v", r)
				}
			}
			c := checkIndex(reg.Host+"/lkt/conc:"+tag, want)
			t.Log(c)
			if !c.ok() {
				famConcurrency.note("rounds with an entry missing", 1)
				t.Errorf("after 4 concurrent pushes: %s", c)
			}
		})
	}
}

// seedOtherEntries writes the index ref with the zstd and the variant
// entries (their images pushed by digest) and returns them by platform.
func seedOtherEntries(host, ref string) (map[string]v1.Hash, error) {
	r, err := name.ParseReference(host+"/"+ref, name.Insecure)
	if err != nil {
		return nil, err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	want := map[string]v1.Hash{}
	for i, p := range []v1.Platform{zstdPlatform, variantPlatform} {
		img, err := testenv.SyntheticImage(p.Architecture, 1, 512, uint64(700+i))
		if err != nil {
			return nil, err
		}
		// The config says the same platform as the index entry.
		if img, err = testenv.WithConfig(img, func(cf *v1.ConfigFile) {
			cf.Variant, cf.OSFeatures = p.Variant, p.OSFeatures
		}); err != nil {
			return nil, err
		}
		d, err := img.Digest()
		if err != nil {
			return nil, err
		}
		if err := remote.Write(r.Context().Digest(d.String()), img); err != nil {
			return nil, err
		}
		plat := p
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &plat}})
		want[platformString(&plat)] = d
	}
	return want, remote.WriteIndex(r, idx)
}
