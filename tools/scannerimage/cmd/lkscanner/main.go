// Command lkscanner makes the SBOM scanner image from static binaries and
// pushes it (scripts/sbom-scanner-setup runs it):
//
//	lkscanner make [--layout DIR] ARCH=BINARY...   write the OCI layout, print its digest
//	lkscanner push [--layout DIR] REF              push it, print REF@DIGEST
//
// DIR defaults to $RULES_LINUXKIT_CACHE/sbom-scanner/layout.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/scannerimage"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "lkscanner:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: lkscanner make|push [--layout DIR] ARGS...")
	}
	fs := flag.NewFlagSet("lkscanner "+args[0], flag.ContinueOnError)
	dir := fs.String("layout", scannerimage.DefaultLayout(), "the OCI layout")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "make":
		bins := map[string]string{}
		for _, a := range fs.Args() {
			arch, bin, ok := strings.Cut(a, "=")
			if !ok || arch == "" || bin == "" {
				return fmt.Errorf("make: %q: want ARCH=BINARY", a)
			}
			bins[arch] = bin
		}
		idx, err := scannerimage.Make(bins)
		if err != nil {
			return err
		}
		if err := scannerimage.WriteLayout(*dir, idx); err != nil {
			return err
		}
		d, err := idx.Digest()
		if err != nil {
			return err
		}
		fmt.Println(d)
		return nil
	case "push":
		if fs.NArg() != 1 {
			return fmt.Errorf("push: want one REF")
		}
		ref, err := scannerimage.Push(*dir, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Println(ref)
		return nil
	}
	return fmt.Errorf("unknown command %q: want make or push", args[0])
}
