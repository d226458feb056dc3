// Command lkbase makes the busybox base images (linux/amd64 and linux/arm64,
// from the busybox-static .debs scripts/buildkit-setup caches) and pushes
// them as one multi-arch index, or writes them as an OCI layout:
//
//	lkbase [REF]              push (default 127.0.0.1:5000/lkpkg/busybox:latest)
//	lkbase --layout DIR       write an OCI layout instead
//	lkbase --synthetic REF    push a small linux/amd64 + linux/arm64 index of
//	                          synthetic images whose digest never changes
//	                          (scripts/depends-bazel-test pins it in MODULE.bazel)
//	lkbase --fixture-scanner REF
//	                          push the fixture SBOM scanner (busybox sh that
//	                          lists the scanned files as SPDX) for linux/amd64
//
// This is how the demo registry gets the image the examples' Dockerfiles
// start FROM, since these machines cannot reach Docker Hub.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

func main() {
	layoutDir := flag.String("layout", "", "write an OCI layout to this directory instead of pushing")
	synthetic := flag.Bool("synthetic", false, "push a fixed synthetic two-arch index to REF and print REF@digest")
	scanner := flag.Bool("fixture-scanner", false, "push the fixture SBOM scanner image to REF")
	flag.Parse()
	if *scanner {
		if err := testenv.PushFixtureScanner(flag.Arg(0)); err != nil {
			fmt.Fprintln(os.Stderr, "lkbase:", err)
			os.Exit(1)
		}
		fmt.Println(flag.Arg(0))
		return
	}
	if *synthetic {
		if err := pushSynthetic(flag.Arg(0)); err != nil {
			fmt.Fprintln(os.Stderr, "lkbase:", err)
			os.Exit(1)
		}
		return
	}
	if *layoutDir != "" {
		d, err := testenv.WriteBusyboxLayout(*layoutDir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "lkbase:", err)
			os.Exit(1)
		}
		fmt.Println(d)
		return
	}
	ref := testenv.DefaultBaseRef
	if flag.NArg() > 0 {
		ref = flag.Arg(0)
	}
	if err := testenv.PushBusybox(ref); err != nil {
		fmt.Fprintln(os.Stderr, "lkbase:", err)
		os.Exit(1)
	}
	fmt.Println(ref)
}

// pushSynthetic pushes an index of one small synthetic image per base arch:
// its digest depends on nothing but this code.
func pushSynthetic(ref string) error {
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return err
	}
	idx := v1.ImageIndex(empty.Index)
	for _, arch := range testenv.BaseArches {
		img, err := testenv.SyntheticImage(arch, 1, 64, 11)
		if err != nil {
			return err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	if err := remote.WriteIndex(r, idx); err != nil {
		return err
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Println(ref + "@" + d.String())
	return nil
}
