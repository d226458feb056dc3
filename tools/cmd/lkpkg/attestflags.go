package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/scannerimage"
)

// attestFlags choose the attestations BuildKit attaches to each image:
// SLSA provenance (mode=min, deterministic) and an SPDX SBOM from a
// scanner image (linuxkit's --sbom-scanner and --no-sbom, plus
// --sbom-scanner-layout and the default layout: chooseSBOM).
type attestFlags struct {
	noProvenance, noSBOM bool
	scanner, layout      string
}

func (f *attestFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.noProvenance, "no-provenance", false, "attach no SLSA provenance attestation (BuildKit's mode=min, without timestamps) to the images")
	fs.BoolVar(&f.noSBOM, "no-sbom", false, "attach no SBOM attestation to the images (wins over --sbom-scanner and --sbom-scanner-layout)")
	fs.StringVar(&f.scanner, "sbom-scanner", "", "the SBOM generator image BuildKit runs on each image (BuildKit's SBOM generator protocol), pulled from a registry the daemon reaches, e.g. 127.0.0.1:5000/lkpkg/sbom-scanner:latest (scripts/sbom-scanner-setup); wins over --sbom-scanner-layout")
	fs.StringVar(&f.layout, "sbom-scanner-layout", "", "an OCI layout directory holding the SBOM generator image (its index.json's one entry, or the one tagged latest): lkpkg serves it to BuildKit from a read-only registry on 127.0.0.1 for the build's duration, so the daemon must run on this machine (default, except with --hermetic: "+scannerimage.DefaultLayout()+", written by scripts/sbom-scanner-setup, when it exists)")
}

// apply sets o's attestation options, and warns on stderr when no scanner
// is found where one is looked for by default.
func (f *attestFlags) apply(o *build.Options, hermetic bool, stderr io.Writer) error {
	o.NoProvenance = f.noProvenance
	c, err := chooseSBOM(*f, hermetic, scannerimage.DefaultLayout())
	if err != nil {
		return err
	}
	if c.warning != "" {
		fmt.Fprintln(stderr, "warning: "+c.warning)
	}
	o.SBOMScanner, o.SBOMScannerLayout = c.ref, c.layout
	return nil
}

// sbomChoice is where the SBOM generator comes from: a registry reference
// (ref), an OCI layout lkpkg serves (layout), or nothing (both empty, with
// warning saying why when the user did not ask for that).
type sbomChoice struct {
	ref, layout, warning string
}

// chooseSBOM decides the SBOM generator; first match wins:
//
//  1. --no-sbom: none
//  2. --sbom-scanner REF
//  3. --sbom-scanner-layout DIR (refused when DIR holds no image)
//  4. defaultLayout, when it exists, except with hermetic (a Bazel action
//     reads only its declared inputs: it passes the layout explicitly)
//  5. none, with a warning naming the fix (not with hermetic)
//
// linuxkit attaches an SBOM by default (its scanner comes from Docker
// Hub); lkpkg does too when the project's scanner is set up, and warns
// rather than refuses when it is not.
func chooseSBOM(f attestFlags, hermetic bool, defaultLayout string) (sbomChoice, error) {
	switch {
	case f.noSBOM:
		return sbomChoice{}, nil
	case f.scanner != "":
		return sbomChoice{ref: f.scanner}, nil
	case f.layout != "":
		abs, err := filepath.Abs(f.layout)
		if err != nil {
			return sbomChoice{}, err
		}
		if _, err := scannerimage.Root(abs); err != nil {
			return sbomChoice{}, fmt.Errorf("--sbom-scanner-layout: %w", err)
		}
		return sbomChoice{layout: abs}, nil
	case hermetic:
		return sbomChoice{}, nil
	}
	if _, err := os.Stat(filepath.Join(defaultLayout, "index.json")); errors.Is(err, os.ErrNotExist) {
		return sbomChoice{warning: fmt.Sprintf("no SBOM attestation: no scanner image at %s; run scripts/sbom-scanner-setup, or pass --sbom-scanner REF / --sbom-scanner-layout DIR; --no-sbom silences this", defaultLayout)}, nil
	}
	if _, err := scannerimage.Root(defaultLayout); err != nil {
		return sbomChoice{warning: fmt.Sprintf("no SBOM attestation: %v; run scripts/sbom-scanner-setup, or pass --sbom-scanner REF / --sbom-scanner-layout DIR; --no-sbom silences this", err)}, nil
	}
	return sbomChoice{layout: defaultLayout}, nil
}
