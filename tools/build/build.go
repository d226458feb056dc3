// Package build builds a LinuxKit package's Dockerfile with BuildKit, once
// per architecture, and writes the result as OCI image layouts:
//
//	<out>/<arch>/     the image pushed as org/image:<tag>-<arch>
//	<out>/index/      the multi-arch index pushed as org/image:<tag>
//	<out>/result.json the tag, the digests and the layouts (Result)
//
// (or <out>/<arch>.tar and <out>/index.tar with FormatTar), plus the
// OutputMarker file. The output directory is written atomically: everything
// goes to a temporary sibling that is renamed into place, so a failed build
// leaves no partial output and the earlier one intact. A directory holding
// files lkpkg did not write is refused, never emptied (CheckOutputDir).
//
// Semantics follow linuxkit pkg build: RUN has no network unless build.yml
// says network: true; disable-cache disables BuildKit's cache; build.yml's
// buildArgs (with @lkt:pkg: references resolved to package references) and
// the caller's build args are passed with linuxkit's preset ones; the image
// carries the org.opencontainers.image.source and org.mobyproject.config
// labels. Nothing comes from the checkout's HEAD (no REVISION, no revision
// label): the same package gives the same image from the CLI and Bazel.
// A FROM naming another package's image can be fed from that package's
// local build output (Options.Contexts) as a BuildKit named context, so no
// registry is needed.
//
// Reproducibility: SOURCE_DATE_EPOCH (Options.SourceDateEpoch, default 0:
// from the package, never the clock) sets the image's created time and
// history, and the exporter rewrites layer file timestamps to it, so the same
// inputs give the same digests, cached or on a clean daemon. What can still
// change digests: RUN steps whose output depends on the network or the time
// (downloads, random data, timestamps written into file contents), a base
// image referenced by a moving tag, and a different BuildKit version
// (compression and layer encoding).
package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session"
	"github.com/tonistiigi/fsutil"

	"github.com/rules-linuxkit/rules_linuxkit/tools/depends"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/scannerimage"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// Format is the output format of the layouts.
type Format string

const (
	// FormatDir writes OCI layout directories.
	FormatDir Format = "dir"
	// FormatTar writes OCI layout tar archives.
	FormatTar Format = "tar"
)

// Options configure Build.
type Options struct {
	// OutputDir receives the layouts (see the package comment). Required.
	OutputDir string
	// Format is FormatDir (default) or FormatTar.
	Format Format
	// Platforms restricts the build to these arches (GOARCH names or
	// linux/<arch>); empty means every arch in build.yml.
	Platforms []string
	// SkipPlatforms are arches (GOARCH names, see SkipArches) not to
	// build even if build.yml lists them (linuxkit's --skip-platforms).
	SkipPlatforms []string
	// Dockerfile replaces build.yml's dockerfile: a path inside the
	// package directory (linuxkit's --dockerfile).
	Dockerfile string
	// BuildArgs override build.yml's buildArgs and the preset ones.
	BuildArgs []spec.BuildArg
	// Contexts maps image references (as written in FROM, after ARG
	// expansion) to OCI layouts (a directory, e.g. another package's
	// <out>/index) that BuildKit uses instead of pulling them.
	Contexts map[string]string
	// PkgOptions load the packages that @lkt:pkg: build args refer to.
	PkgOptions pkg.Options
	// SourceDateEpoch is the build's timestamp, in seconds (default 0).
	SourceDateEpoch int64
	// Labels are extra image labels.
	Labels map[string]string
	// Progress receives BuildKit's progress output; nil means none.
	Progress io.Writer
	// ProgressMode is auto (default: tty on a terminal, else plain), plain,
	// tty, quiet or rawjson.
	ProgressMode string
	// Depends gives the images build.yml's depends lists (tools/depends);
	// nil pulls them from their registries (depends.Remote).
	Depends depends.Source
	// Keychain, when set, gives BuildKit's pulls (FROM images) registry
	// credentials, each host only its own; nil gives BuildKit none.
	Keychain authn.Keychain
	// NoProvenance leaves out the SLSA provenance attestation (BuildKit's
	// mode=min, made deterministic: tools/attest) that every image
	// otherwise gets.
	NoProvenance bool
	// SBOMScanner is the SBOM generator image BuildKit runs on each image
	// (BuildKit's SBOM generator protocol) for its SPDX attestation; ""
	// makes none.
	SBOMScanner string
	// SBOMScannerLayout, when SBOMScanner is "", is an OCI layout holding
	// the generator image (scannerimage.Root): Build serves it from a
	// read-only registry on 127.0.0.1 while it builds and passes that
	// reference, so the daemon must run on this machine. The port is in
	// no output: the same build gives the same digests on any port.
	SBOMScannerLayout string
}

// ServedScanner is what the provenance calls a scanner served from an OCI
// layout (Options.SBOMScannerLayout) instead of 127.0.0.1:PORT/...: its
// resolved dependency reads pkg:docker/localhost/lkpkg/sbom-scanner?digest=...
const ServedScanner = "localhost/" + scannerimage.Repository

// Arches returns the arches to build: build.yml's, in its order, restricted
// to platforms when given.
func Arches(s *spec.Spec, platforms []string) ([]string, error) {
	if len(platforms) == 0 {
		return slices.Clone(s.Arches), nil
	}
	want := map[string]bool{}
	for _, p := range platforms {
		a := strings.TrimPrefix(strings.TrimSpace(p), "linux/")
		a, _, _ = strings.Cut(a, "/") // linux/arm64/v8
		if !spec.ValidArch(a) {
			return nil, fmt.Errorf("platform %q is not linux/<GOARCH>", p)
		}
		want[a] = true
	}
	var out []string
	for _, a := range s.Arches {
		if want[a] {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s builds for %s; none of them is in --platforms %s", s.File, strings.Join(s.Arches, ", "), strings.Join(platforms, ","))
	}
	return out, nil
}

// Build builds p with the BuildKit client c.
func Build(ctx context.Context, c *client.Client, p *pkg.Package, o Options) (*Result, error) {
	if o.OutputDir == "" {
		return nil, errors.New("no output directory")
	}
	if o.Format == "" {
		o.Format = FormatDir
	}
	if o.Format != FormatDir && o.Format != FormatTar {
		return nil, fmt.Errorf("output format %q: use dir or tar", o.Format)
	}
	arches, err := o.arches(p.Spec)
	if err != nil {
		return nil, err
	}
	if len(arches) == 0 {
		return nil, fmt.Errorf("%s: every arch is skipped (--skip-platforms): nothing to build", p.Ref())
	}
	df, err := o.dockerfile(p)
	if err != nil {
		return nil, err
	}
	if err := checkPlatforms(ctx, c, arches); err != nil {
		return nil, err
	}
	if hasDepends(p.Spec) && len(arches) > 1 {
		return buildEachArch(ctx, c, p, o, arches)
	}

	out, err := filepath.Abs(o.OutputDir)
	if err != nil {
		return nil, err
	}
	stage, err := stageOutput(out)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	exportDir := filepath.Join(stage, ".export")

	ctxDir, cleanup, err := contextDir(p, stage)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	if hasDepends(p.Spec) {
		if err := placeDepends(ctx, p, o, ctxDir, arches[0]); err != nil {
			return nil, err
		}
	}

	served := ""
	if o.SBOMScanner == "" && o.SBOMScannerLayout != "" {
		srv, err := scannerimage.Serve(o.SBOMScannerLayout)
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		o.SBOMScanner = srv.Ref
		served = srv.Host + "/" + scannerimage.Repository
	}
	attrs, err := frontendAttrs(p, o, arches)
	if err != nil {
		return nil, err
	}
	stores, subst, err := namedContexts(o.Contexts, attrs, arches)
	if err != nil {
		return nil, err
	}
	if served != "" {
		// The provenance lists the scanner among its resolved
		// dependencies, by digest: named without the port, which
		// changes every build.
		if subst == nil {
			subst = map[string]map[string]string{}
		}
		for _, a := range arches {
			if subst[a] == nil {
				subst[a] = map[string]string{}
			}
			subst[a][served] = ServedScanner
		}
	}

	dockerfile := filepath.Join(p.Dir, filepath.FromSlash(df))
	if p.Sources != nil {
		// The copy: the package's own file may be a link out of a sandbox.
		dockerfile = filepath.Join(ctxDir, filepath.FromSlash(df))
	}
	ctxFS, err := fsutil.NewFS(ctxDir)
	if err != nil {
		return nil, err
	}
	dfFS, err := fsutil.NewFS(filepath.Dir(dockerfile))
	if err != nil {
		return nil, err
	}
	attrs["filename"] = filepath.Base(dockerfile)

	epoch := strconv.FormatInt(o.SourceDateEpoch, 10)
	solveOpt := client.SolveOpt{
		Frontend:      "dockerfile.v0",
		FrontendAttrs: attrs,
		LocalMounts:   map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS},
		OCIStores:     stores,
		// Lets BuildKit reuse the previous transfer of this directory.
		SharedKey: p.Dir,
		Exports: []client.ExportEntry{{
			Type: client.ExporterOCI,
			Attrs: map[string]string{
				"tar":               "false",
				"name":              p.Ref(),
				"oci-mediatypes":    "true",
				"rewrite-timestamp": "true",
				"source-date-epoch": epoch,
			},
			OutputDir: exportDir,
		}},
	}

	if o.Keychain != nil {
		solveOpt.Session = []session.Attachable{authAttachable(o.Keychain)}
	}
	if err := solve(ctx, c, solveOpt, o, dockerfile); err != nil {
		return nil, err
	}

	res, err := writeLayouts(exportDir, stage, p, arches, o.Format, o.SourceDateEpoch, subst)
	if err != nil {
		return nil, err
	}
	res.SourceDateEpoch = o.SourceDateEpoch
	if err := os.RemoveAll(exportDir); err != nil {
		return nil, err
	}
	if ctxDir != p.Dir {
		if err := os.RemoveAll(ctxDir); err != nil {
			return nil, err
		}
	}
	if err := finishOutput(stage, out, res); err != nil {
		return nil, err
	}
	return res, nil
}
