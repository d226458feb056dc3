package push_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// registryIndex returns the bytes and digest of host/lkt/pkg:tag.
func registryIndex(t *testing.T, host, tag string) ([]byte, v1.Hash) {
	t.Helper()
	d, err := remote.Get(mustRef(t, host+"/lkt/pkg:"+tag))
	if err != nil {
		t.Fatal(err)
	}
	return d.Manifest, d.Digest
}

// TestPushedIndexDigestIsTheLayouts: pushed to a registry that has no
// index for the tag, the index is the build's own bytes, so the digest a
// user sees in the registry is the one in result.json (what bazel build
// printed), whatever serialiser wrote the layout (here
// go-containerregistry's, not lkpkg's).
func TestPushedIndexDigestIsTheLayouts(t *testing.T) {
	reg := testenv.StartRegistry(t)
	dir := t.TempDir()
	if _, err := testenv.BuildOutput(dir, "lkt/pkg", "t1", []string{"amd64", "arm64"}, 1, 256, 7); err != nil {
		t.Fatal(err)
	}
	p, res, err := push.FromBuild(dir, "lkt/pkg")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := push.Push(context.Background(), p, opts(reg.Host))
	if err != nil {
		t.Fatal(err)
	}
	_, got := registryIndex(t, reg.Host, "t1")
	if got.String() != res.Digest || rep.Index.Digest.String() != res.Digest {
		t.Errorf("registry index %s, report %s; the layout's is %s", got, rep.Index.Digest, res.Digest)
	}
}

// TestPushedIndexDigestOfARealBuild: lkpkg build (BuildKit, provenance
// attestation) then push to a fresh registry: the registry's index digest
// is result.json's. Pushed where the registry already has another arch,
// the index is a merge, with another digest, but the entries it adds are
// the build's bytes (deterministic: the same push gives the same index).
func TestPushedIndexDigestOfARealBuild(t *testing.T) {
	d := testenv.BuildKit(t)
	reg := testenv.StartRegistry(t)
	base := testenv.Busybox(t, reg)
	c, err := client.New(context.Background(), d.Address())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	p, res := buildAttested(t, c, base, "digest\n")
	if _, err := push.Push(ctx, p, opts(reg.Host)); err != nil {
		t.Fatal(err)
	}
	_, got := registryIndex(t, reg.Host, p.Tag)
	if got.String() != res.Digest {
		t.Fatalf("registry index %s, the build's (result.json) %s", got, res.Digest)
	}

	// Merging: another registry where the tag already holds an arm64 image.
	reg2 := testenv.StartRegistry(t)
	other := output(t, p.Tag, []string{"arm64"}, 3)
	if _, err := push.Push(ctx, other, opts(reg2.Host)); err != nil {
		t.Fatal(err)
	}
	if _, err := push.Push(ctx, p, opts(reg2.Host)); err != nil {
		t.Fatal(err)
	}
	raw, merged := registryIndex(t, reg2.Host, p.Tag)
	if merged.String() == res.Digest {
		t.Fatal("the merged index has the one-arch build's digest")
	}
	built := layoutIndexBytes(t, p.Index)
	var entries struct{ Manifests []json.RawMessage }
	if err := json.Unmarshal(raw, &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries.Manifests) != 3 { // arm64, amd64, amd64's attestation
		t.Fatalf("merged index: %s", raw)
	}
	for _, e := range entries.Manifests[1:] {
		if !bytes.Contains(built, e) {
			t.Errorf("merged entry %s is not written as the build writes it:\n%s", e, built)
		}
	}
	// Same inputs, same index.
	reg3 := testenv.StartRegistry(t)
	for _, q := range []*push.Package{other, p} {
		if _, err := push.Push(ctx, q, opts(reg3.Host)); err != nil {
			t.Fatal(err)
		}
	}
	if _, again := registryIndex(t, reg3.Host, p.Tag); again != merged {
		t.Errorf("the same merge gave %s, then %s", merged, again)
	}
}

// layoutIndexBytes returns the index blob of the index layout dir.
func layoutIndexBytes(t *testing.T, dir string) []byte {
	t.Helper()
	idx, err := build.ReadIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := idx.Manifests[0].Digest
	b, err := os.ReadFile(filepath.Join(dir, "blobs", h.Algorithm, h.Hex))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
