// Command lkbase makes the busybox base images (linux/amd64 and linux/arm64,
// from the busybox-static .debs scripts/buildkit-setup caches) and pushes
// them as one multi-arch index, or writes them as an OCI layout:
//
//	lkbase [REF]              push (default 127.0.0.1:5000/lkpkg/busybox:latest)
//	lkbase --layout DIR       write an OCI layout instead
//
// This is how the demo registry gets the image the examples' Dockerfiles
// start FROM, since these machines cannot reach Docker Hub.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

func main() {
	layoutDir := flag.String("layout", "", "write an OCI layout to this directory instead of pushing")
	flag.Parse()
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
