package push_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// fastRetry keeps fault tests short.
var fastRetry = remote.Backoff{Duration: 50 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 4}

func opts(host string) push.Options {
	return push.Options{Registry: registry.Registry{Prefix: host, Retry: fastRetry}}
}

// output writes a synthetic build output for arches and returns the
// package to push.
func output(t testing.TB, tag string, arches []string, seed uint64) *push.Package {
	t.Helper()
	dir := t.TempDir()
	if _, err := testenv.BuildOutput(dir, "lkt/pkg", tag, arches, 2, 4096, seed); err != nil {
		t.Fatal(err)
	}
	p, _, err := push.FromBuild(dir, "lkt/pkg")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// index reads org/image:tag from the registry and returns arch -> digest.
func index(t testing.TB, host, tag string) map[string]v1.Hash {
	t.Helper()
	ref, err := name.ParseReference(host + "/lkt/pkg:" + tag)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.Get(ref)
	if err != nil {
		t.Fatalf("reading %s: %v", ref, err)
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]v1.Hash{}
	for _, m := range im.Manifests {
		// Every manifest the index names must exist.
		if _, err := remote.Head(ref.Context().Digest(m.Digest.String())); err != nil {
			t.Errorf("index %s names %s, which the registry lacks: %v", ref, m.Digest, err)
		}
		// Plain linux/<arch> images only: what a push writes.
		if p := m.Platform; p != nil && p.OS == "linux" && p.Variant == "" && p.OSVersion == "" && len(p.OSFeatures) == 0 {
			out[p.Architecture] = m.Digest
		}
	}
	return out
}

func digestOf(t testing.TB, p *push.Package, arch string) v1.Hash {
	t.Helper()
	for _, a := range p.Arches {
		if a.Arch == arch {
			ii, err := v1HashOfLayout(a.Layout)
			if err != nil {
				t.Fatal(err)
			}
			return ii
		}
	}
	t.Fatalf("no %s", arch)
	return v1.Hash{}
}

func TestPushArchesFromTwoInvocations(t *testing.T) {
	reg := testenv.StartRegistry(t)
	ctx := context.Background()
	amd := output(t, "t1", []string{"amd64"}, 1)
	arm := output(t, "t1", []string{"arm64"}, 1)
	if _, err := push.Push(ctx, amd, opts(reg.Host)); err != nil {
		t.Fatal(err)
	}
	got := index(t, reg.Host, "t1")
	if len(got) != 1 || got["amd64"] != digestOf(t, amd, "amd64") {
		t.Fatalf("after amd64: index %v", got)
	}
	if _, err := push.Push(ctx, arm, opts(reg.Host)); err != nil {
		t.Fatal(err)
	}
	got = index(t, reg.Host, "t1")
	if len(got) != 2 || got["amd64"] != digestOf(t, amd, "amd64") || got["arm64"] != digestOf(t, arm, "arm64") {
		t.Fatalf("after arm64: index %v", got)
	}
	// A rebuilt amd64 (new content, same tag) is skipped: the hash tag
	// already names an image. --force replaces only the amd64 entry.
	amd2 := output(t, "t1", []string{"amd64"}, 2)
	rep, err := push.Push(ctx, amd2, opts(reg.Host))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rep.Skipped) != "[amd64]" || len(rep.Written) != 0 || rep.Arches["amd64"].Digest != digestOf(t, amd, "amd64") {
		t.Errorf("rebuild without --force: skipped %v, wrote %v, arches %v", rep.Skipped, rep.Written, rep.Arches)
	}
	got = index(t, reg.Host, "t1")
	if len(got) != 2 || got["amd64"] != digestOf(t, amd, "amd64") || got["arm64"] != digestOf(t, arm, "arm64") {
		t.Fatalf("after amd64 rebuild without --force: index %v", got)
	}
	o := opts(reg.Host)
	o.Force = true
	if _, err := push.Push(ctx, amd2, o); err != nil {
		t.Fatal(err)
	}
	got = index(t, reg.Host, "t1")
	if len(got) != 2 || got["amd64"] != digestOf(t, amd2, "amd64") || got["arm64"] != digestOf(t, arm, "arm64") {
		t.Fatalf("after amd64 rebuild with --force: index %v", got)
	}
}

func TestConcurrentArchPushes(t *testing.T) {
	reg := testenv.StartRegistry(t)
	ctx := context.Background()
	arches := []string{"amd64", "arm64", "riscv64", "s390x"}
	for round := 0; round < 3; round++ {
		tag := fmt.Sprintf("c%d", round)
		// An unrelated entry (linux/amd64 with os.features zstd) is in the
		// index already; every round must keep it.
		zstd, _ := entryFor(t, reg.Host, uint64(100+round), `{"architecture":"amd64","os":"linux","os.features":["zstd"]}`, "")
		seed := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` + zstd + `]}`
		if err := remote.Put(mustRef(t, reg.Host+"/lkt/pkg:"+tag), rawBytes{[]byte(seed), types.OCIImageIndex}); err != nil {
			t.Fatal(err)
		}
		var pkgs []*push.Package
		for _, a := range arches {
			pkgs = append(pkgs, output(t, tag, []string{a}, 1))
		}
		var wg sync.WaitGroup
		errs := make([]error, len(pkgs))
		start := make(chan struct{})
		for i, p := range pkgs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = push.Push(ctx, p, opts(reg.Host))
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, %s: %v", round, arches[i], err)
			}
		}
		got := index(t, reg.Host, tag)
		if len(got) != len(arches) {
			t.Fatalf("round %d: index holds %v, want all of %v", round, got, arches)
		}
		if raw := rawIndexOf(t, reg.Host, tag); !strings.Contains(raw, zstd) {
			t.Fatalf("round %d: the zstd entry is gone:\n%s", round, raw)
		}
	}
}

func TestIdempotentRepush(t *testing.T) {
	reg := testenv.StartRegistry(t)
	proxy := testenv.StartFaultProxy(t, reg.Host)
	ctx := context.Background()
	p := output(t, "idem", []string{"amd64", "arm64"}, 1)
	rep, err := push.Push(ctx, p, opts(proxy.Host))
	if err != nil {
		t.Fatal(err)
	}
	if rep.BlobsUploaded != 6 || len(rep.Written) != 3 {
		t.Errorf("first push: %d blobs uploaded, wrote %v; want 6 blobs and 3 tags", rep.BlobsUploaded, rep.Written)
	}
	proxy.Reset()
	rep, err = push.Push(ctx, p, opts(proxy.Host))
	if err != nil {
		t.Fatal(err)
	}
	if n := proxy.Count("", "upload"); n != 0 {
		t.Errorf("re-push made %d blob upload requests", n)
	}
	if n := proxy.Count(http.MethodPut, ""); n != 0 {
		t.Errorf("re-push made %d PUTs", n)
	}
	if rep.BlobsUploaded != 0 || len(rep.Written) != 0 {
		t.Errorf("re-push: uploaded %d blobs, wrote %v", rep.BlobsUploaded, rep.Written)
	}
	t.Logf("re-push: %d requests, %d bytes sent", len(proxy.Requests()), proxy.BytesSent())
}

func TestDirtyRefused(t *testing.T) {
	reg := testenv.StartRegistry(t)
	p := output(t, "dirty", []string{"amd64"}, 1)
	p.Dirty, p.Dir = true, "/src/pkg/foo"
	_, err := push.Push(context.Background(), p, opts(reg.Host))
	if err == nil || !strings.Contains(err.Error(), "dirty") {
		t.Fatalf("got %v, want a dirty-package error", err)
	}
	if _, err := remote.Head(mustRef(t, reg.Host+"/lkt/pkg:dirty-amd64")); err == nil {
		t.Fatal("the dirty package was pushed")
	}
}

func TestManifestFromArchTags(t *testing.T) {
	reg := testenv.StartRegistry(t)
	ctx := context.Background()
	o := opts(reg.Host)
	for _, a := range []string{"amd64", "arm64"} {
		p := output(t, "m1", []string{a}, 1)
		// Push only the arch tags: simulate by pushing, then deleting the
		// index is not possible on every registry, so push to a tag and
		// let manifest rebuild a second index tag below.
		if _, err := push.Push(ctx, p, o); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := push.Manifest(ctx, "lkt/pkg", "m1", o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Written) != 0 {
		t.Errorf("manifest rewrote a complete index: %v", rep.Written)
	}
	if len(rep.Arches) != 2 {
		t.Errorf("manifest found %v", rep.Arches)
	}
	_, err = push.Manifest(ctx, "lkt/pkg", "none", o)
	if err == nil || !strings.Contains(err.Error(), "no none-<arch> tags") {
		t.Errorf("got %v for a tag with no arch tags", err)
	}
}

func v1HashOfLayout(dir string) (v1.Hash, error) {
	idx, err := readLayoutIndex(filepath.Clean(dir))
	if err != nil {
		return v1.Hash{}, err
	}
	return idx, nil
}

func rawIndexOf(t testing.TB, host, tag string) string {
	t.Helper()
	d, err := remote.Get(mustRef(t, host+"/lkt/pkg:"+tag))
	if err != nil {
		t.Fatal(err)
	}
	return string(d.Manifest)
}
