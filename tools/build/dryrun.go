package build

import (
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
)

// DryRun writes to w what Run would do with the plan, and does nothing
// else: no BuildKit, no output written (linuxkit's --dry-run prints the
// build command it would run). For each package: reused from the store,
// or built for which platforms, into which directory, from which
// Dockerfile, with which build args (resolved, as BuildKit would get
// them), labels, network, named contexts and SBOM generator.
func (b *Builder) DryRun(w io.Writer, pl *Plan) error {
	built := map[string]string{}
	for _, p := range pl.Packages {
		out := pl.out[p]
		if res := pl.reused[p]; res != nil {
			fmt.Fprintf(w, "%s: found in %s: would not be rebuilt (--force rebuilds)\n", p.Ref(), out)
			built[p.Ref()] = filepath.Join(out, res.Layout)
			continue
		}
		o := b.Options
		o.OutputDir = out
		var err error
		if o.Contexts, err = b.contexts(p, built); err != nil {
			return err
		}
		if err := describe(w, p, o, pl.arches[p]); err != nil {
			return err
		}
		built[p.Ref()] = filepath.Join(out, "index")
	}
	return nil
}

func describe(w io.Writer, p *pkg.Package, o Options, arches []string) error {
	plats := make([]string, len(arches))
	for i, a := range arches {
		plats[i] = "linux/" + a
	}
	df, err := o.dockerfile(p)
	if err != nil {
		return err
	}
	args, err := BuildArgs(p, o)
	if err != nil {
		return err
	}
	labels, err := Labels(p, o)
	if err != nil {
		return err
	}
	network := "none"
	if p.Spec.Network {
		network = "default"
	}
	fmt.Fprintf(w, "%s: would build for %s into %s\n", p.Ref(), strings.Join(plats, ","), o.OutputDir)
	fmt.Fprintf(w, "  dockerfile: %s\n", filepath.Join(p.Dir, filepath.FromSlash(df)))
	fmt.Fprintf(w, "  network: %s, cache: %s\n", network, map[bool]string{true: "disabled", false: "enabled"}[p.Spec.DisableCache])
	for _, a := range args {
		fmt.Fprintf(w, "  build-arg: %s\n", a)
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		fmt.Fprintf(w, "  label: %s=%s\n", k, labels[k])
	}
	for _, ref := range slices.Sorted(maps.Keys(o.Contexts)) {
		fmt.Fprintf(w, "  FROM %s: served from %s\n", ref, o.Contexts[ref])
	}
	switch {
	case o.SBOMScanner != "":
		fmt.Fprintf(w, "  sbom: generator %s\n", o.SBOMScanner)
	case o.SBOMScannerLayout != "":
		fmt.Fprintf(w, "  sbom: generator served from the OCI layout %s\n", o.SBOMScannerLayout)
	default:
		fmt.Fprintf(w, "  sbom: none\n")
	}
	return nil
}
