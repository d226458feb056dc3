package push_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
)

// TestReleaseNeverOverwritten: a release tag is written once. Pushing the
// same images again leaves it alone; anything that would change the
// images it names is refused before the registry changes at all.
func TestReleaseNeverOverwritten(t *testing.T) {
	host, dir := startRegistryIn(t)
	ctx := context.Background()
	o := opts(host)
	o.Release = "v1.0"
	a := output(t, "r1", []string{"amd64"}, 1)
	if _, err := push.Push(ctx, a, o); err != nil {
		t.Fatal(err)
	}
	relRef := mustRef(t, host+"/lkt/pkg:v1.0")
	d1, err := remote.Head(relRef)
	if err != nil {
		t.Fatal(err)
	}
	// The same push again is fine (nothing changes).
	rep, err := push.Push(ctx, a, o)
	if err != nil {
		t.Fatalf("re-push of the same release: %v", err)
	}
	if len(rep.Written) != 0 {
		t.Errorf("re-push wrote %v", rep.Written)
	}

	refused := func(what string, p *push.Package, o push.Options) {
		t.Helper()
		before := snapshot(t, dir)
		var progress strings.Builder
		o.Progress = &progress
		_, err := push.Push(ctx, p, o)
		if err == nil {
			t.Fatalf("%s: the push took release v1.0", what)
		}
		for _, want := range []string{"release " + host + "/lkt/pkg:v1.0 already exists", "never overwritten", "nothing was pushed", "pick a new release name", "lkpkg manifest --release v1.0"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not say %q", what, err, want)
			}
		}
		sameSnapshot(t, before, snapshot(t, dir))
		if strings.Contains(progress.String(), "pushed") || strings.Contains(progress.String(), "written") {
			t.Errorf("%s: progress shows writes:\n%s", what, progress.String())
		}
	}
	// Adding an arch would change what the release names.
	refused("adding arm64", output(t, "r1", []string{"arm64"}, 1), o)
	// A forced rebuild of the released tag: refused before the arch tag
	// and the index are rewritten.
	forced := o
	forced.Force = true
	refused("forced rebuild", output(t, "r1", []string{"amd64"}, 3), forced)
	// A different package (new content, new tag) must not take v1.0.
	refused("another tag", output(t, "r2", []string{"amd64"}, 3), o)

	d2, err := remote.Head(relRef)
	if err != nil {
		t.Fatal(err)
	}
	if d2.Digest != d1.Digest {
		t.Error("the release changed")
	}
}

// TestReleaseSameImagesLeftAlone: a release that names the same images as
// the pushed index, in another order (another digest), is left as it is.
func TestReleaseSameImagesLeftAlone(t *testing.T) {
	host, _ := startRegistryIn(t)
	ctx := context.Background()
	for _, a := range []string{"amd64", "arm64"} {
		if _, err := push.Push(ctx, output(t, "r3", []string{a}, 1), opts(host)); err != nil {
			t.Fatal(err)
		}
	}
	d, err := remote.Get(mustRef(t, host+"/lkt/pkg:r3"))
	if err != nil {
		t.Fatal(err)
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		t.Fatal(err)
	}
	im.Manifests[0], im.Manifests[1] = im.Manifests[1], im.Manifests[0]
	rel := mustRef(t, host+"/lkt/pkg:v3")
	if err := remote.Put(rel, rawIndex{im}); err != nil {
		t.Fatal(err)
	}
	before, err := remote.Head(rel)
	if err != nil {
		t.Fatal(err)
	}
	o := opts(host)
	o.Release = "v3"
	var progress strings.Builder
	o.Progress = &progress
	rep, err := push.Push(ctx, output(t, "r3", []string{"amd64"}, 1), o)
	if err != nil {
		t.Fatalf("release naming the same images: %v", err)
	}
	after, err := remote.Head(rel)
	if err != nil {
		t.Fatal(err)
	}
	if after.Digest != before.Digest || len(rep.Written) != 0 || rep.Release.Digest != before.Digest {
		t.Errorf("the release was rewritten (wrote %v)", rep.Written)
	}
	if !strings.Contains(progress.String(), "already names the same images") {
		t.Errorf("progress does not say the release is left alone:\n%s", progress.String())
	}
	// lkpkg manifest --release with the same images: fine too.
	if _, err := push.Manifest(ctx, "lkt/pkg", "r3", o); err != nil {
		t.Errorf("manifest --release v3: %v", err)
	}
}

type rawIndex struct{ im *v1.IndexManifest }

func (r rawIndex) RawManifest() ([]byte, error)        { return json.Marshal(r.im) }
func (r rawIndex) MediaType() (types.MediaType, error) { return types.OCIImageIndex, nil }
