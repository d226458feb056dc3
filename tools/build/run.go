package build

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/moby/buildkit/client"

	"github.com/rules-linuxkit/rules_linuxkit/tools/depends"
	"github.com/rules-linuxkit/rules_linuxkit/tools/graph"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
)

// Builder builds several packages as `lkpkg build` does: in dependency
// order, each one's output served as a named context to the packages whose
// build args refer to it, so FROM org/image:<tag> needs no registry.
// Plan loads and checks everything before Run builds anything.
type Builder struct {
	// Options are every package's build options; OutputDir is the base
	// output directory (one package: its output; several: OutputDir/<image>;
	// empty: StorePath(Store, p)), Contexts the caller's named contexts
	// (they win over dependency outputs).
	Options Options
	// Store is the default store (DefaultStoreDir): where outputs go when
	// OutputDir is empty, and where dependency outputs not built in this
	// run are looked up. Empty (hermetic builds) means no store.
	Store string
	// OutputDirName is what output directory errors call Options.OutputDir
	// (e.g. "--output-dir"); default "output directory".
	OutputDirName string
	// Log receives notes (packages skipped); nil means none.
	Log io.Writer
	// Reuse does not rebuild a package whose output in the store already
	// holds its tag for every arch to build (and has the format asked
	// for): Run hands that output on as if just built. This is linuxkit
	// pkg build without --force, which skips images in its cache. Only
	// store outputs are reused, never an --output-dir.
	Reuse bool
	// IgnoreStore serves FROM lines only from outputs built in this run
	// (and Options.Contexts), never from earlier outputs in the store:
	// linuxkit's --ignore-cached, which builds without its cache of
	// dependent images, so they come from the registry.
	IgnoreStore bool
	// Remote, with Reuse, is asked for each package the store does not
	// hold before it is built (see Remote); nil builds it.
	Remote *Remote
	// Connect returns the BuildKit client when Run is given none and has
	// something to build: a package the registry has needs no BuildKit. It
	// may change Options.Keychain (the credentials BuildKit gets) and
	// Options.SBOMScannerLayout (which only a daemon on this machine can
	// use).
	Connect func(ctx context.Context) (*client.Client, error)
}

// Plan is the packages to build, in build order, and their outputs.
type Plan struct {
	// Packages are in dependency order.
	Packages []*pkg.Package
	out      map[*pkg.Package]string
	reused   map[*pkg.Package]*Result
	arches   map[*pkg.Package][]string
}

// OutputDir is where p is written.
func (pl *Plan) OutputDir(p *pkg.Package) string { return pl.out[p] }

// Reused returns the store output Run will use instead of building p
// (Builder.Reuse), or nil when p is to be built.
func (pl *Plan) Reused(p *pkg.Package) *Result { return pl.reused[p] }

// Arches are the arches p is built for.
func (pl *Plan) Arches(p *pkg.Package) []string { return pl.arches[p] }

// NeedsBuild reports whether Run builds anything, i.e. needs BuildKit.
func (pl *Plan) NeedsBuild() bool { return len(pl.reused) < len(pl.Packages) }

// AddDepOutput uses the build output out (a directory with result.json)
// for the package in pkgDir, which build args refer to: its tag without
// loading its sources, and its index as a named context.
func (b *Builder) AddDepOutput(pkgDir, out string) error {
	res, err := ReadResult(out)
	if err != nil {
		return err
	}
	absDir, err := filepath.Abs(pkgDir)
	if err != nil {
		return err
	}
	layout, err := filepath.Abs(filepath.Join(out, res.Layout))
	if err != nil {
		return err
	}
	if b.Options.PkgOptions.Refs == nil {
		b.Options.PkgOptions.Refs = map[string]string{}
	}
	b.Options.PkgOptions.Refs[filepath.Clean(absDir)] = res.Ref
	if b.Options.Contexts == nil {
		b.Options.Contexts = map[string]string{}
	}
	b.Options.Contexts[res.Ref] = layout
	return nil
}

// Plan loads the packages in dirs, skips those without arches (as
// linuxkit), orders them and checks their Dockerfiles and output
// directories, so that a refusal comes before anything is built. An empty
// plan is not an error.
func (b *Builder) Plan(dirs []string) (*Plan, error) {
	opts := b.Options.PkgOptions
	if err := opts.CheckBuildCommit(); err != nil {
		return nil, err
	}
	pkgs := make([]*pkg.Package, 0, len(dirs))
	archesOf := map[*pkg.Package][]string{}
	for _, d := range dirs {
		p, err := pkg.Load(d, opts)
		if err != nil {
			return nil, err
		}
		if p.Spec.NoArches() {
			if b.Log != nil {
				fmt.Fprintf(b.Log, "%s: no arches, skipped\n", p.Ref())
			}
			continue
		}
		arches, err := b.Options.arches(p.Spec)
		if err != nil {
			return nil, err
		}
		if len(arches) == 0 {
			// As linuxkit: not an error, the package is left out.
			if b.Log != nil {
				fmt.Fprintf(b.Log, "%s: every arch is in --skip-platforms, skipped\n", p.Ref())
			}
			continue
		}
		if b.Options.Dockerfile == "" {
			if err := p.Spec.CheckDockerfile(); err != nil {
				return nil, err
			}
		} else if _, err := b.Options.dockerfile(p); err != nil {
			return nil, err
		}
		if hasDepends(p.Spec) {
			if _, err := depends.CheckTarget(p.Spec, p.Dir); err != nil {
				return nil, err
			}
		}
		archesOf[p] = arches
		pkgs = append(pkgs, p)
	}
	pl := &Plan{out: map[*pkg.Package]string{}, reused: map[*pkg.Package]*Result{}, arches: archesOf}
	if len(pkgs) == 0 {
		return pl, nil
	}
	pkgs, err := graph.Order(pkgs, opts)
	if err != nil {
		return nil, err
	}
	pl.Packages = pkgs
	base := b.Options.OutputDir
	if base != "" && len(pkgs) > 1 {
		seen := map[string]string{}
		for _, p := range pkgs {
			if other, ok := seen[p.Spec.Image]; ok {
				return nil, fmt.Errorf("%s and %s are both named %s: build them separately", other, p.Dir, p.Spec.Image)
			}
			seen[p.Spec.Image] = p.Dir
		}
	}
	name := b.OutputDirName
	if name == "" {
		name = "output directory"
	}
	for _, p := range pkgs {
		switch {
		case base == "":
			pl.out[p] = StorePath(b.Store, p)
		case len(pkgs) == 1:
			pl.out[p] = base
		default:
			pl.out[p] = filepath.Join(base, p.Spec.Image)
		}
		if b.Reuse && base == "" {
			if res := reusable(pl.out[p], p, archesOf[p], b.Options.Format, b.Options.attestations()); res != nil {
				pl.reused[p] = res
				continue
			}
		}
		if err := CheckOutputDir(pl.out[p]); err != nil {
			if base == "" {
				return nil, fmt.Errorf("output directory %w", err)
			}
			return nil, fmt.Errorf("%s %w", name, err)
		}
	}
	return pl, nil
}

// contexts returns the named contexts p is built with: the index of each
// package its build args refer to, and of each image its Dockerfile builds
// from that names a package output, from this run (built: ref -> layout)
// or, unless IgnoreStore, from the store; the caller's Options.Contexts win.
func (b *Builder) contexts(p *pkg.Package, built map[string]string) (map[string]string, error) {
	ctxs := map[string]string{}
	deps, err := graph.Deps(p, b.Options.PkgOptions)
	if err != nil {
		return nil, err
	}
	for _, d := range deps {
		if l, ok := built[d.Ref()]; ok {
			ctxs[d.Ref()] = l
		} else if b.Store != "" && !b.IgnoreStore {
			l := filepath.Join(StorePath(b.Store, d), "index")
			if _, err := os.Stat(filepath.Join(l, "index.json")); err == nil {
				ctxs[d.Ref()] = l
			}
		}
	}
	// Any image the Dockerfile builds from that is a package built in this
	// run, or (as linuxkit's cache serves it) one in the store: a chained
	// build names the earlier package's tag directly, not as @lkt:pkg:.
	arches, err := b.Options.arches(p.Spec)
	if err != nil {
		return nil, err
	}
	for _, ref := range fromImages(p, b.Options, arches) {
		if _, ok := ctxs[ref]; ok {
			continue
		}
		if l, ok := built[ref]; ok {
			ctxs[ref] = l
		} else if b.Store != "" && !b.IgnoreStore {
			if l := storeLayout(b.Store, ref); l != "" {
				ctxs[ref] = l
			}
		}
	}
	for ref, l := range b.Options.Contexts {
		ctxs[ref] = l
	}
	return ctxs, nil
}

// Run builds the plan's packages in order with the BuildKit client c and
// calls done (if not nil) after each build, e.g. to push it; an error from
// done stops the run.
func (b *Builder) Run(ctx context.Context, c *client.Client, pl *Plan, done func(p *pkg.Package, out string, res *Result) error) error {
	built := map[string]string{} // ref -> index layout
	for _, p := range pl.Packages {
		o := b.Options
		o.OutputDir = pl.out[p]
		var err error
		if o.Contexts, err = b.contexts(p, built); err != nil {
			return err
		}
		res := pl.reused[p]
		if res != nil {
			b.logf("%s: found in %s, not rebuilt (--force rebuilds)\n", p.Ref(), o.OutputDir)
		} else {
			var skip bool
			res, skip, err = b.fromRemote(ctx, pl, p, o)
			if err != nil {
				return fmt.Errorf("%s: %w", p.Ref(), err)
			}
			if skip {
				continue
			}
		}
		if res == nil {
			if c == nil && b.Connect != nil {
				if c, err = b.Connect(ctx); err != nil {
					return err
				}
				// Connect may withdraw the credentials (a daemon reached
				// without TLS over the network) and the served scanner (a
				// daemon on another machine).
				o.Keychain = b.Options.Keychain
				o.SBOMScannerLayout = b.Options.SBOMScannerLayout
			}
			if c == nil {
				return fmt.Errorf("%s: no BuildKit client to build with", p.Ref())
			}
			if res, err = Build(ctx, c, p, o); err != nil {
				return fmt.Errorf("%s: %w", p.Ref(), err)
			}
		}
		if o.Format != FormatTar {
			built[p.Ref()] = filepath.Join(o.OutputDir, res.Layout)
		}
		if done != nil {
			if err := done(p, o.OutputDir, res); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *Builder) logf(format string, args ...any) {
	if b.Log != nil {
		fmt.Fprintf(b.Log, format, args...)
	}
}

// fromRemote asks b.Remote for p, as linuxkit's Pkg.Build does for a
// platform not in its cache: when the registry has every arch, p is pulled
// into its output (res) with Remote.Pull or when a later package of the
// plan builds from it, and otherwise left out (skip). A nil res and no
// skip mean: build it.
func (b *Builder) fromRemote(ctx context.Context, pl *Plan, p *pkg.Package, o Options) (res *Result, skip bool, err error) {
	if b.Remote == nil || !b.Reuse {
		return nil, false, nil
	}
	arches := pl.arches[p]
	ri, why := b.Remote.lookup(ctx, p, arches)
	if ri == nil {
		b.logf("%s: not in the store, and %s: building\n", p.Ref(), why)
		return nil, false, nil
	}
	if !b.Remote.Pull && !b.neededLater(pl, p) {
		b.logf("%s: found in the registry as %s, not built and not pulled (--pull copies it into the store, --force builds it)\n", p.Ref(), ri.ref)
		return nil, true, nil
	}
	if res, err = pull(ctx, ri, p, arches, o, o.OutputDir); err != nil {
		return nil, false, fmt.Errorf("pulling %s: %w", ri.ref, err)
	}
	b.logf("%s: pulled from the registry (%s) into %s, not built (--force builds it)\n", p.Ref(), ri.ref, o.OutputDir)
	return res, false, nil
}

// neededLater reports whether a package after p in the plan builds from p
// (an @lkt:pkg: build arg, or a FROM naming p's tag): p is then pulled, so
// that it is served from the store as if built.
func (b *Builder) neededLater(pl *Plan, p *pkg.Package) bool {
	after := false
	for _, q := range pl.Packages {
		if q == p {
			after = true
			continue
		}
		if !after {
			continue
		}
		deps, err := graph.Deps(q, b.Options.PkgOptions)
		if err == nil {
			for _, d := range deps {
				if d.Ref() == p.Ref() {
					return true
				}
			}
		}
		for _, ref := range fromImages(q, b.Options, pl.arches[q]) {
			if ref == p.Ref() {
				return true
			}
		}
	}
	return false
}
