package push_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// rawBytes is a manifest given as bytes.
type rawBytes struct {
	b  []byte
	mt types.MediaType
}

func (r rawBytes) RawManifest() ([]byte, error)        { return r.b, nil }
func (r rawBytes) MediaType() (types.MediaType, error) { return r.mt, nil }

// entryFor pushes a synthetic image by digest and returns its index entry
// with the given platform and annotations JSON (either may be empty).
func entryFor(t *testing.T, host string, seed uint64, platform, annotations string) (string, v1.Hash) {
	t.Helper()
	img, err := testenv.SyntheticImage("amd64", 1, 512, seed)
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	size, err := img.Size()
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(mustRef(t, host+"/lkt/pkg@"+d.String()), img); err != nil {
		t.Fatal(err)
	}
	e := fmt.Sprintf(`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":%q,"size":%d`, d, size)
	if platform != "" {
		e += `,"platform":` + platform
	}
	if annotations != "" {
		e += `,"annotations":` + annotations
	}
	return e + "}", d
}

func attestation(of v1.Hash) string {
	return fmt.Sprintf(`{"vnd.docker.reference.digest":%q,"vnd.docker.reference.type":"attestation-manifest"}`, of)
}

// TestMergeKeepsForeignEntries: the registry's index has entries this
// package does not push (a zstd os.features variant of amd64, an entry
// without a platform, attestations); pushes keep them byte for byte, in
// their order, and a forced amd64 replaces only the plain linux/amd64
// entry, with the attestation that refers to it.
func TestMergeKeepsForeignEntries(t *testing.T) {
	reg := testenv.StartRegistry(t)
	ctx := context.Background()
	host := reg.Host
	zstd, zstdD := entryFor(t, host, 10, `{"architecture":"amd64","os":"linux","os.features":["zstd"]}`, `{"org.example.note":"zstd build"}`)
	noPlat, _ := entryFor(t, host, 11, "", `{"org.example.kind":"no platform"}`)
	attZstd, _ := entryFor(t, host, 12, `{"architecture":"unknown","os":"unknown"}`, attestation(zstdD))
	oldAmd, oldAmdD := entryFor(t, host, 13, `{"architecture":"amd64","os":"linux"}`, "")
	attOld, _ := entryFor(t, host, 14, `{"architecture":"unknown","os":"unknown"}`, attestation(oldAmdD))
	foreign := []string{zstd, noPlat, attZstd}
	cur := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s],"annotations":{"org.example.index":"kept"}}`,
		strings.Join(append(append([]string(nil), foreign...), oldAmd, attOld), ","))
	if err := remote.Put(mustRef(t, host+"/lkt/pkg:mx"), rawBytes{[]byte(cur), types.OCIImageIndex}); err != nil {
		t.Fatal(err)
	}
	read := func() string {
		t.Helper()
		d, err := remote.Get(mustRef(t, host+"/lkt/pkg:mx"))
		if err != nil {
			t.Fatal(err)
		}
		index(t, host, "mx") // every child exists
		return string(d.Manifest)
	}

	// A new arch is appended; everything else stays as it was.
	arm := output(t, "mx", []string{"arm64"}, 1)
	if _, err := push.Push(ctx, arm, opts(host)); err != nil {
		t.Fatal(err)
	}
	got := read()
	if !strings.Contains(got, "["+strings.Join(append(append([]string(nil), foreign...), oldAmd, attOld), ",")+",") ||
		!strings.Contains(got, digestOf(t, arm, "arm64").String()) || !strings.Contains(got, `"annotations":{"org.example.index":"kept"}`) {
		t.Fatalf("after pushing arm64, the index is:\n%s", got)
	}

	// amd64: the index already names one, so it is skipped...
	amd := output(t, "mx", []string{"amd64"}, 1)
	rep, err := push.Push(ctx, amd, opts(host))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rep.Skipped) != "[amd64]" || read() != got {
		t.Fatalf("amd64 without --force: skipped %v, index now:\n%s", rep.Skipped, read())
	}
	// ...unless forced: only the plain linux/amd64 entry and its
	// attestation go.
	o := opts(host)
	o.Force = true
	if _, err := push.Push(ctx, amd, o); err != nil {
		t.Fatal(err)
	}
	got = read()
	if !strings.Contains(got, "["+strings.Join(foreign, ",")+",") {
		t.Errorf("the foreign entries were not kept byte for byte, in order:\n%s", got)
	}
	if strings.Contains(got, oldAmdD.String()) {
		t.Errorf("the replaced amd64 image or its attestation is still in the index:\n%s", got)
	}
	arches := index(t, host, "mx")
	if arches["arm64"] != digestOf(t, arm, "arm64") || !strings.Contains(got, digestOf(t, amd, "amd64").String()) {
		t.Errorf("index %v lacks the pushed arches:\n%s", arches, got)
	}
	if n := strings.Count(got, `"digest"`); n != 5 {
		t.Errorf("index has %d entries, want 5 (zstd, no platform, attestation, amd64, arm64):\n%s", n, got)
	}
}
