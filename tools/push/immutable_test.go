package push_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// TestHashTagNotRewritten: a rebuild with other content under the same
// tag leaves <tag>-<arch> and <tag> as the registry has them, says so,
// and writes nothing; --force overwrites.
func TestHashTagNotRewritten(t *testing.T) {
	reg := testenv.StartRegistry(t)
	proxy := testenv.StartFaultProxy(t, reg.Host)
	ctx := context.Background()
	first := output(t, "im", []string{"amd64", "arm64"}, 1)
	if _, err := push.Push(ctx, first, opts(proxy.Host)); err != nil {
		t.Fatal(err)
	}
	idx1, err := remote.Head(mustRef(t, reg.Host+"/lkt/pkg:im"))
	if err != nil {
		t.Fatal(err)
	}

	// amd64 rebuilt with other content, arm64 the same.
	rebuilt := output(t, "im", []string{"amd64"}, 2)
	rebuilt.Arches = append(rebuilt.Arches, first.Arches[1])
	proxy.Reset()
	var progress strings.Builder
	o := opts(proxy.Host)
	o.Progress = &progress
	rep, err := push.Push(ctx, rebuilt, o)
	if err != nil {
		t.Fatal(err)
	}
	if n := proxy.Count(http.MethodPut, ""); n != 0 {
		t.Errorf("the push without --force made %d PUTs", n)
	}
	if n := proxy.Count("", "upload"); n != 0 {
		t.Errorf("the push without --force made %d upload requests", n)
	}
	old := digestOf(t, first, "amd64")
	wantLines := []string{
		fmt.Sprintf("%s/lkt/pkg:im-amd64: the registry already has %s, not this build's %s: skipping (a hash tag is never rewritten; --force overwrites)", proxy.Host, old.String()[:19], digestOf(t, rebuilt, "amd64").String()[:19]),
		proxy.Host + "/lkt/pkg:im-arm64: up to date",
		proxy.Host + "/lkt/pkg:im: no new platforms to push",
	}
	for _, w := range wantLines {
		if !strings.Contains(progress.String(), w) {
			t.Errorf("progress lacks %q:\n%s", w, progress.String())
		}
	}
	if fmt.Sprint(rep.Skipped) != "[amd64]" || rep.Arches["amd64"].Digest != old || rep.Index.Digest != idx1.Digest {
		t.Errorf("report: skipped %v, amd64 %s, index %s", rep.Skipped, rep.Arches["amd64"].Digest, rep.Index.Digest)
	}
	if got := index(t, reg.Host, "im"); got["amd64"] != old {
		t.Errorf("index amd64 = %s, want the registry's %s", got["amd64"], old)
	}

	// --force overwrites the arch tag and its index entry.
	o.Force = true
	progress.Reset()
	rep, err = push.Push(ctx, rebuilt, o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "/lkt/pkg:im-amd64: overwriting "+old.String()[:19]) {
		t.Errorf("progress does not say it overwrites:\n%s", progress.String())
	}
	if got := index(t, reg.Host, "im"); got["amd64"] != digestOf(t, rebuilt, "amd64") || len(got) != 2 {
		t.Errorf("after --force: index %v", got)
	}
	if len(rep.Skipped) != 0 {
		t.Errorf("--force skipped %v", rep.Skipped)
	}
}

// TestIndexEntryNotRewritten: the index names an image for the arch but
// there is no <tag>-<arch> (another tool pushed it): the arch is skipped
// too, and the index left as it is.
func TestIndexEntryNotRewritten(t *testing.T) {
	reg := testenv.StartRegistry(t)
	ctx := context.Background()
	// The index names linux/amd64, pushed by digest: no ie-amd64 tag.
	img, err := testenv.SyntheticImage("amd64", 2, 4096, 1)
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(mustRef(t, reg.Host+"/lkt/pkg@"+d.String()), img); err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	if err := remote.WriteIndex(mustRef(t, reg.Host+"/lkt/pkg:ie"), idx); err != nil {
		t.Fatal(err)
	}
	first := output(t, "ie", []string{"amd64"}, 1)
	var progress strings.Builder
	o := opts(reg.Host)
	o.Progress = &progress
	rep, err := push.Push(ctx, output(t, "ie", []string{"amd64"}, 2), o)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%s/lkt/pkg:ie: the index already names %s for linux/amd64", reg.Host, digestOf(t, first, "amd64").String()[:19])
	if !strings.Contains(progress.String(), want) || fmt.Sprint(rep.Skipped) != "[amd64]" {
		t.Errorf("skipped %v; progress lacks %q:\n%s", rep.Skipped, want, progress.String())
	}
	if got := index(t, reg.Host, "ie"); got["amd64"] != digestOf(t, first, "amd64") {
		t.Errorf("index %v", got)
	}
	if _, err := remote.Head(mustRef(t, reg.Host+"/lkt/pkg:ie-amd64")); !registry.IsNotFound(err) {
		t.Errorf("ie-amd64 was written (HEAD: %v)", err)
	}
}
