package push_test

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// tarOutput writes a build output whose arch layouts are tars (as `lkpkg
// build --output-format tar` writes them) and returns the package.
func tarOutput(t *testing.T, tag string, arches []string, seed uint64) *push.Package {
	t.Helper()
	dir := t.TempDir()
	if _, err := testenv.BuildOutput(dir, "lkt/pkg", tag, arches, 2, 4096, seed); err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	for _, a := range res["arches"].([]any) {
		m := a.(map[string]any)
		layout := m["layout"].(string)
		tarDir(t, filepath.Join(dir, layout), filepath.Join(dir, layout+".tar"))
		m["layout"] = layout + ".tar"
	}
	b, _ = json.Marshal(res)
	if err := os.WriteFile(filepath.Join(dir, "result.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	p, _, err := push.FromBuild(dir, "lkt/pkg")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func tarDir(t *testing.T, dir, out string) {
	t.Helper()
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	if err := tw.AddFS(os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

// emptyTmp points TMPDIR at a new directory and returns a check that it
// is empty again.
func emptyTmp(t *testing.T) func(what string) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	return func(what string) {
		t.Helper()
		var left []string
		_ = filepath.WalkDir(tmp, func(path string, d fs.DirEntry, err error) error {
			if path != tmp {
				left = append(left, strings.TrimPrefix(path, tmp+"/"))
			}
			return nil
		})
		if len(left) > 0 {
			t.Errorf("%s: push left %v in TMPDIR", what, left)
			_ = os.RemoveAll(tmp)
			_ = os.Mkdir(tmp, 0o700)
		}
	}
}

// panicSigner panics when asked to sign: a bug in a signer must not leave
// the extracted layouts behind.
type panicSigner struct{}

func (panicSigner) Name() string                                   { return "panic" }
func (panicSigner) Prepare(context.Context, name.Repository) error { return nil }
func (panicSigner) Sign(context.Context, []sign.Target) error      { panic("signer bug") }

// TestTempDirRemoved: push extracts layout tars into a temporary
// directory; however the push ends, nothing is left in TMPDIR.
func TestTempDirRemoved(t *testing.T) {
	reg := testenv.StartRegistry(t)
	check := emptyTmp(t)
	ctx := context.Background()

	// A successful push.
	if _, err := push.Push(ctx, tarOutput(t, "tmp1", []string{"amd64", "arm64"}, 1), opts(reg.Host)); err != nil {
		t.Fatal(err)
	}
	check("a successful push")

	// The second arch's tar is not a layout: the first one's extraction
	// and the second's half-extracted directory go.
	bad := tarOutput(t, "tmp2", []string{"amd64", "arm64"}, 1)
	if err := os.WriteFile(bad.Arches[1].Layout, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := push.Push(ctx, bad, opts(reg.Host)); err == nil {
		t.Fatal("a push of an empty layout tar succeeded")
	}
	check("an unreadable layout")

	// The registry is down.
	down := opts("127.0.0.1:" + strconv.Itoa(testenv.FreePort(t)))
	if _, err := push.Push(ctx, tarOutput(t, "tmp3", []string{"amd64"}, 1), down); err == nil {
		t.Fatal("a push to a stopped registry succeeded")
	}
	check("a stopped registry")

	// The manifest can never be written (after the blobs were uploaded).
	p := tarOutput(t, "tmp4", []string{"amd64"}, 2)
	if _, err := faultPush(t, reg, p, isManifestPut("tmp4-amd64"), testenv.Fault{Status: http.StatusInternalServerError}, 0); err == nil {
		t.Fatal("the push succeeded although its manifest PUT failed")
	}
	check("a failing manifest PUT")

	// Cancelled (Ctrl-C) while uploading.
	proxy := testenv.StartFaultProxy(t, reg.Host)
	cctx, cancel := context.WithCancel(ctx)
	var once sync.Once
	proxy.SetFault(func(r *http.Request, _ int) testenv.Fault {
		if isUpload(r) {
			once.Do(cancel)
			return testenv.Fault{Delay: 200 * time.Millisecond}
		}
		return testenv.Fault{}
	})
	_, err := push.Push(cctx, tarOutput(t, "tmp5", []string{"amd64"}, 3), opts(proxy.Host))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled push returned %v", err)
	}
	check("a cancelled push")

	// A panic inside the push.
	o := opts(reg.Host)
	o.Signer = panicSigner{}
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Error("the signer's panic did not reach the caller")
			}
		}()
		_, _ = push.Push(ctx, tarOutput(t, "tmp6", []string{"amd64"}, 4), o)
	}()
	check("a panic while signing")
}
