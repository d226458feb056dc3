package build

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/moby/buildkit/client"

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
}

// Plan is the packages to build, in build order, and their outputs.
type Plan struct {
	// Packages are in dependency order.
	Packages []*pkg.Package
	out      map[*pkg.Package]string
}

// OutputDir is where p is written.
func (pl *Plan) OutputDir(p *pkg.Package) string { return pl.out[p] }

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
		if err := p.Spec.CheckDockerfile(); err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
	pl := &Plan{out: map[*pkg.Package]string{}}
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
		if err := CheckOutputDir(pl.out[p]); err != nil {
			if base == "" {
				return nil, fmt.Errorf("output directory %w", err)
			}
			return nil, fmt.Errorf("%s %w", name, err)
		}
	}
	return pl, nil
}

// Run builds the plan's packages in order with the BuildKit client c and
// calls done (if not nil) after each build, e.g. to push it; an error from
// done stops the run.
func (b *Builder) Run(ctx context.Context, c *client.Client, pl *Plan, done func(p *pkg.Package, out string, res *Result) error) error {
	built := map[string]string{} // ref -> index layout
	for _, p := range pl.Packages {
		o := b.Options
		o.OutputDir = pl.out[p]
		o.Contexts = map[string]string{}
		deps, err := graph.Deps(p, o.PkgOptions)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if l, ok := built[d.Ref()]; ok {
				o.Contexts[d.Ref()] = l
			} else if b.Store != "" {
				l := filepath.Join(StorePath(b.Store, d), "index")
				if _, err := os.Stat(filepath.Join(l, "index.json")); err == nil {
					o.Contexts[d.Ref()] = l
				}
			}
		}
		for ref, l := range b.Options.Contexts {
			o.Contexts[ref] = l
		}
		res, err := Build(ctx, c, p, o)
		if err != nil {
			return fmt.Errorf("%s: %w", p.Ref(), err)
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
