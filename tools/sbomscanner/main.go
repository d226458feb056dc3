// Command sbomscanner is an SBOM generator for BuildKit's `attest:sbom`
// attestation (`--attest type=sbom,generator=IMAGE`): BuildKit runs it in
// its image with the image to scan mounted read-only and these variables:
//
//	BUILDKIT_SCAN_SOURCE         the root filesystem to scan (/run/src/core/sbom)
//	BUILDKIT_SCAN_SOURCE_EXTRAS  optional: a directory of further trees to scan
//	                             (the build context, other stages), one per
//	                             sub-directory named sbom-NAME
//	BUILDKIT_SCAN_DESTINATION    an empty directory for the results (/run/out)
//
// It writes one in-toto statement per tree into the destination, named
// after the tree's directory with ".spdx.json" (sbom.spdx.json for the
// image itself, which is how BuildKit tells the core SBOM from the extras),
// with predicate type https://spdx.dev/Document and an SPDX 2.3 document as
// predicate. The statements have no subject: BuildKit fills in the image.
//
// The output depends only on the scanned trees: the SPDX creation time is
// SOURCE_DATE_EPOCH when it is set (in the scanner image's config or the
// environment), else the Unix epoch.
//
// Outside BuildKit: sbomscanner [-o DIR] [-name NAME] SOURCE writes the
// statement for SOURCE to DIR/NAME.spdx.json (default: stdout).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	out := flag.String("o", "", "write NAME.spdx.json into this directory instead of stdout")
	name := flag.String("name", "", "document name (default: the source directory's base name)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [-o DIR] [-name NAME] SOURCE\n"+
			"       (in BuildKit: no arguments; BUILDKIT_SCAN_SOURCE and BUILDKIT_SCAN_DESTINATION set)\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case flag.NArg() == 0 && os.Getenv(envSource) != "":
		err = runBuildKit(ctx, os.Getenv)
	case flag.NArg() == 1:
		err = runOne(ctx, os.Getenv, flag.Arg(0), *name, *out, os.Stdout)
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbomscanner:", err)
		os.Exit(1)
	}
}
