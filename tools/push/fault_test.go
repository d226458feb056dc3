package push_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// faultPush pushes p through a proxy that injects fault into the requests
// match selects, at most limit times (0: always).
func faultPush(t *testing.T, reg *testenv.Registry, p *push.Package, match func(*http.Request) bool, fault testenv.Fault, limit int) (*testenv.FaultProxy, error) {
	t.Helper()
	proxy := testenv.StartFaultProxy(t, reg.Host)
	var n atomic.Int64
	proxy.SetFault(func(r *http.Request, _ int) testenv.Fault {
		if match(r) && (limit == 0 || n.Add(1) <= int64(limit)) {
			return fault
		}
		return testenv.Fault{}
	})
	_, err := push.Push(context.Background(), p, opts(proxy.Host))
	return proxy, err
}

func isUpload(r *http.Request) bool { return strings.Contains(r.URL.Path, "/blobs/uploads/") }
func isManifestPut(tag string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/manifests/"+tag)
	}
}

func TestFaultTransient5xxRetried(t *testing.T) {
	reg := testenv.StartRegistry(t)
	p := output(t, "f1", []string{"amd64"}, 1)
	proxy, err := faultPush(t, reg, p, isUpload, testenv.Fault{Status: http.StatusServiceUnavailable}, 2)
	if err != nil {
		t.Fatalf("two 503s on uploads were not retried: %v", err)
	}
	if proxy.Count("", "") == 0 {
		t.Fatal("nothing went through the proxy")
	}
	index(t, reg.Host, "f1")
}

func TestFaultDroppedConnectionRetried(t *testing.T) {
	reg := testenv.StartRegistry(t)
	p := output(t, "f2", []string{"amd64"}, 1)
	if _, err := faultPush(t, reg, p, isManifestPut("f2"), testenv.Fault{Drop: true}, 1); err != nil {
		t.Fatalf("a dropped index PUT was not retried: %v", err)
	}
	if got := index(t, reg.Host, "f2"); len(got) != 1 {
		t.Fatalf("index %v", got)
	}
	// A dropped blob upload too.
	p2 := output(t, "f3", []string{"arm64"}, 1)
	if _, err := faultPush(t, reg, p2, isUpload, testenv.Fault{Drop: true}, 1); err != nil {
		t.Fatalf("a dropped upload was not retried: %v", err)
	}
}

func TestFaultSlowRegistry(t *testing.T) {
	reg := testenv.StartRegistry(t)
	p := output(t, "f4", []string{"amd64", "arm64"}, 1)
	all := func(*http.Request) bool { return true }
	start := time.Now()
	if _, err := faultPush(t, reg, p, all, testenv.Fault{Delay: 30 * time.Millisecond}, 0); err != nil {
		t.Fatal(err)
	}
	t.Logf("push with 30ms per request took %v", time.Since(start))
	if got := index(t, reg.Host, "f4"); len(got) != 2 {
		t.Fatalf("index %v", got)
	}
}

func TestFaultPersistentErrorLeavesNoIndex(t *testing.T) {
	reg := testenv.StartRegistry(t)
	p := output(t, "f5", []string{"amd64", "arm64"}, 1)
	// The arm64 manifest can never be written.
	_, err := faultPush(t, reg, p, isManifestPut("f5-arm64"), testenv.Fault{Status: http.StatusInternalServerError}, 0)
	if err == nil {
		t.Fatal("push succeeded although a manifest could not be written")
	}
	msg := err.Error()
	for _, want := range []string{"f5-arm64", "127.0.0.1", "manifest"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
	t.Logf("error: %v", err)
	if _, err := remote.Head(mustRef(t, reg.Host+"/lkt/pkg:f5")); !registry.IsNotFound(err) {
		t.Errorf("the index was written although an arch failed (HEAD: %v)", err)
	}

	// An index whose PUT always fails: clear error, arch tags stay, no index.
	p2 := output(t, "f6", []string{"amd64"}, 1)
	_, err = faultPush(t, reg, p2, isManifestPut("f6"), testenv.Fault{Status: http.StatusBadGateway}, 0)
	if err == nil || !strings.Contains(err.Error(), "index") {
		t.Fatalf("got %v, want an index error", err)
	}
	if _, err := remote.Head(mustRef(t, reg.Host+"/lkt/pkg:f6")); !registry.IsNotFound(err) {
		t.Errorf("HEAD f6: %v", err)
	}
}

// TestMissingManifestDropped: the registry's index names a manifest the
// registry no longer has; the merged index must not keep it.
func TestMissingManifestDropped(t *testing.T) {
	reg := testenv.StartRegistry(t)
	ctx := context.Background()
	amd := output(t, "f7", []string{"amd64"}, 1)
	if _, err := push.Push(ctx, amd, opts(reg.Host)); err != nil {
		t.Fatal(err)
	}
	gone := mustRef(t, reg.Host+"/lkt/pkg@"+digestOf(t, amd, "amd64").String())
	if err := remote.Delete(gone); err != nil {
		t.Fatal(err)
	}
	arm := output(t, "f7", []string{"arm64"}, 1)
	if _, err := push.Push(ctx, arm, opts(reg.Host)); err != nil {
		t.Fatal(err)
	}
	got := index(t, reg.Host, "f7") // fails if any child is missing
	if len(got) != 1 || got["arm64"].Hex == "" {
		t.Fatalf("index %v, want arm64 only", got)
	}
}

// TestFaultRegistryGone: the registry stops answering (connections
// dropped) at a random moment of a push and comes back; rerunning the push
// completes the index, which keeps an unrelated entry and names only
// manifests the registry has. (A real SIGKILL of docker-registry can
// leave empty link files in its storage, which no client can repair, so
// the outage is made in front of it.)
func TestFaultRegistryGone(t *testing.T) {
	reg := testenv.StartRegistry(t)
	proxy := testenv.StartFaultProxy(t, reg.Host)
	host := reg.Host
	zstd, _ := entryFor(t, host, 200, `{"architecture":"amd64","os":"linux","os.features":["zstd"]}`, "")
	seed := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` + zstd + `]}`
	if err := remote.Put(mustRef(t, host+"/lkt/pkg:k1"), rawBytes{[]byte(seed), types.OCIImageIndex}); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var down atomic.Bool
	proxy.SetFault(func(*http.Request, int) testenv.Fault {
		if down.Load() {
			return testenv.Fault{Drop: true}
		}
		return testenv.Fault{}
	})
	for round := 0; round < 8; round++ {
		arch := []string{"amd64", "arm64", "riscv64", "s390x"}[round%4]
		tag := fmt.Sprintf("k%d", 1+round/4)
		if round == 4 {
			if err := remote.Put(mustRef(t, host+"/lkt/pkg:"+tag), rawBytes{[]byte(seed), types.OCIImageIndex}); err != nil {
				t.Fatal(err)
			}
		}
		p := output(t, tag, []string{arch}, 1)
		down.Store(false)
		done := make(chan error, 1)
		go func() { _, err := push.Push(context.Background(), p, opts(proxy.Host)); done <- err }()
		time.Sleep(time.Duration(r.IntN(150)) * time.Millisecond)
		down.Store(true)
		err := <-done
		down.Store(false)
		t.Logf("round %d (%s): interrupted push: %v", round, arch, err)
		if _, err := push.Push(context.Background(), p, opts(proxy.Host)); err != nil {
			t.Fatalf("rerun of %s once the registry is back: %v", arch, err)
		}
		if got := index(t, host, tag); len(got) != round%4+1 {
			t.Fatalf("round %d: index %v", round, got)
		}
		if !strings.Contains(rawIndexOf(t, host, tag), zstd) {
			t.Fatalf("round %d: the zstd entry is gone", round)
		}
	}
}
