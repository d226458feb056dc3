package main

import (
	"flag"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
)

// attestFlags choose the attestations BuildKit attaches to each image:
// SLSA provenance (mode=min, deterministic) and an SPDX SBOM from a
// scanner image (linuxkit's --sbom-scanner and --no-sbom).
type attestFlags struct {
	noProvenance, noSBOM bool
	scanner              string
}

func (f *attestFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.noProvenance, "no-provenance", false, "attach no SLSA provenance attestation (BuildKit's mode=min, without timestamps) to the images")
	fs.BoolVar(&f.noSBOM, "no-sbom", false, "attach no SBOM attestation to the images")
	fs.StringVar(&f.scanner, "sbom-scanner", "", "the SBOM generator image BuildKit runs on each image (BuildKit's SBOM generator protocol), pulled from a registry the daemon reaches, e.g. the project's 127.0.0.1:5000/lkpkg/sbom-scanner:latest (scripts/sbom-scanner-setup); empty: no SBOM")
}

// apply sets o's attestation options.
func (f *attestFlags) apply(o *build.Options) {
	o.NoProvenance = f.noProvenance
	if !f.noSBOM {
		o.SBOMScanner = f.scanner
	}
}
