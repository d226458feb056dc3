// Package pushbench compares `lkpkg push` (tools/push) with crane's push
// (go-containerregistry's remote.Write, what `crane push` runs) of the same
// OCI layout to the same real registry (Debian's docker-registry), through a
// counting proxy, and measures a re-push of an unchanged package.
//
//	go test ./bench/push -run '^$' -bench . -benchtime 5x
//
// Metrics per op: ns, requests (reqs/op), request body bytes (sent-B/op).
// Each BenchmarkPush iteration pushes to a fresh repository, so every blob
// is uploaded; BenchmarkRepush pushes the same package again and again.
package pushbench

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

const (
	layers    = 8
	layerSize = 1 << 20
)

// fixture writes one build output (amd64 + arm64, `layers` layers of
// `layerSize` incompressible bytes each) and starts a registry and proxy.
func fixture(b *testing.B) (string, *testenv.FaultProxy) {
	b.Helper()
	dir := b.TempDir()
	if _, err := testenv.BuildOutput(dir, "bench/img", "t", []string{"amd64", "arm64"}, layers, layerSize, 1); err != nil {
		b.Fatal(err)
	}
	reg := testenv.StartRegistry(b)
	return dir, testenv.StartFaultProxy(b, reg.Host)
}

func report(b *testing.B, proxy *testenv.FaultProxy) {
	b.ReportMetric(float64(len(proxy.Requests()))/float64(b.N), "reqs/op")
	b.ReportMetric(float64(proxy.BytesSent())/float64(b.N), "sent-B/op")
}

func lkpkgPush(b *testing.B, dir, host, image string) *push.Report {
	p, _, err := push.FromBuild(dir, image)
	if err != nil {
		b.Fatal(err)
	}
	rep, err := push.Push(context.Background(), p, push.Options{Registry: registry.Registry{Prefix: host}})
	if err != nil {
		b.Fatal(err)
	}
	return rep
}

// cranePush pushes the same thing with crane: each arch image under its
// tag, then the index layout under the tag (crane push of an index layout
// writes the children too; they are already there).
func cranePush(b *testing.B, dir, host, image string) {
	for _, a := range []string{"amd64", "arm64"} {
		ii, err := layout.ImageIndexFromPath(filepath.Join(dir, a))
		if err != nil {
			b.Fatal(err)
		}
		im, _ := ii.IndexManifest()
		img, err := ii.Image(im.Manifests[0].Digest)
		if err != nil {
			b.Fatal(err)
		}
		if err := crane.Push(img, host+"/"+image+":t-"+a); err != nil {
			b.Fatal(err)
		}
	}
	ii, err := layout.ImageIndexFromPath(filepath.Join(dir, "index"))
	if err != nil {
		b.Fatal(err)
	}
	im, _ := ii.IndexManifest()
	idx, err := ii.ImageIndex(im.Manifests[0].Digest)
	if err != nil {
		b.Fatal(err)
	}
	ref, err := name.ParseReference(host + "/" + image + ":t")
	if err != nil {
		b.Fatal(err)
	}
	// What `crane push LAYOUT REF --index` does.
	if err := remote.WriteIndex(ref, idx); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkPush(b *testing.B) {
	dir, proxy := fixture(b)
	for _, tool := range []string{"lkpkg", "crane"} {
		b.Run(tool, func(b *testing.B) {
			proxy.Reset()
			for i := 0; i < b.N; i++ {
				image := fmt.Sprintf("bench/%s%d", tool, i)
				if tool == "lkpkg" {
					lkpkgPush(b, dir, proxy.Host, image)
				} else {
					cranePush(b, dir, proxy.Host, image)
				}
			}
			report(b, proxy)
		})
	}
}

func BenchmarkRepush(b *testing.B) {
	dir, proxy := fixture(b)
	for _, tool := range []string{"lkpkg", "crane"} {
		b.Run(tool, func(b *testing.B) {
			image := "bench/re" + tool
			if tool == "lkpkg" {
				lkpkgPush(b, dir, proxy.Host, image)
			} else {
				cranePush(b, dir, proxy.Host, image)
			}
			proxy.Reset()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if tool == "lkpkg" {
					rep := lkpkgPush(b, dir, proxy.Host, image)
					if rep.BlobsUploaded != 0 || len(rep.Written) != 0 {
						b.Fatalf("re-push uploaded %d blobs, wrote %v", rep.BlobsUploaded, rep.Written)
					}
				} else {
					cranePush(b, dir, proxy.Host, image)
				}
			}
			report(b, proxy)
		})
	}
}
