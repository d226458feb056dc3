package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/dockerload"
	"github.com/rules-linuxkit/rules_linuxkit/tools/gitrepo"
	"github.com/rules-linuxkit/rules_linuxkit/tools/graph"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// lkBuildFlags are the flags of `linuxkit pkg build` (and of push, its
// alias with --push) that choose what is built and pushed. What each one
// does lives in build.Builder and push; here they are only read.
type lkBuildFlags struct {
	nobuild, dryRun, ignoreCached bool
	pull, docker                  bool
	skipPlatforms, dockerfile     string
	argFiles                      stringList
	inputDir                      string
}

func (f *lkBuildFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.nobuild, "nobuild", false, "with --push (lkpkg push): build nothing, push the outputs already built; conflicts with --force")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print what would be built and pushed (resolved build args, labels, tags) and do nothing: no BuildKit, no registry")
	fs.BoolVar(&f.pull, "pull", false, "when the store lacks a package and the registry has its tag for every arch, pull it into the store instead of building it (without --pull it is neither built nor pulled, as in linuxkit); conflicts with --force")
	fs.BoolVar(&f.docker, "docker", false, "also load each built (or pulled, or reused) image into the docker engine at $DOCKER_HOST (default "+dockerload.DefaultHost+") as org/image:<tag>-<arch>, and the machine's own arch as org/image:<tag>; implies --pull, as in linuxkit")
	fs.BoolVar(&f.ignoreCached, "ignore-cached", false, "serve FROM lines only from packages built in this run, never from earlier outputs in the store: they are pulled from the registry")
	fs.StringVar(&f.skipPlatforms, "skip-platforms", "", "comma-separated platforms (linux/<arch>) not to build even if build.yml lists them; a package left with none is skipped; not with --platforms")
	fs.StringVar(&f.dockerfile, "dockerfile", "", "Dockerfile to build with instead of build.yml's, relative to the package directory (and inside it)")
	fs.Var(&f.argFiles, "build-arg-file", "FILE of NAME=VALUE lines, one build arg each, overriding build.yml's (@lkt:pkg:/@lkt:pkgs: paths relative to FILE's directory); repeatable; --build-arg overrides it")
	fs.StringVar(&f.inputDir, "input-dir", "", "with --push (lkpkg push): the build output to push, built by lkpkg build or Bazel; nothing is built (default: the package's in the store)")
}

// check refuses the combinations linuxkit refuses, and those that make no
// sense here, before anything is loaded.
func (f *lkBuildFlags) check(doPush, force bool, platforms string) error {
	switch {
	case f.nobuild && force:
		// linuxkit: "flags -force and -nobuild conflict".
		return errors.New("--force and --nobuild conflict: --nobuild pushes what is built, --force rebuilds it")
	case f.pull && force:
		// linuxkit (pkgBuilder.checkFlagConflicts): "flags -force and -pull conflict".
		return errors.New("--force and --pull conflict: --pull takes the registry's image, --force builds it")
	case f.skipPlatforms != "" && platforms != "":
		return errors.New("--skip-platforms and --platforms may not be used together (as in linuxkit): give one of them")
	case f.docker && f.nobuild:
		return errors.New("--docker loads what is built: it does not go with --nobuild")
	case f.inputDir != "" && !doPush:
		return errors.New("--input-dir names a build output to push: use it with lkpkg push (or build --push)")
	}
	return nil
}

// apply sets the build options and the builder from the flags.
func (f *lkBuildFlags) apply(b *build.Builder, force bool, outputDir string) error {
	if f.skipPlatforms != "" {
		skip, err := build.SkipArches(strings.Split(f.skipPlatforms, ","))
		if err != nil {
			return err
		}
		b.Options.SkipPlatforms = skip
	}
	b.Options.Dockerfile = f.dockerfile
	b.IgnoreStore = f.ignoreCached
	// As linuxkit without --force: what is already built is not rebuilt.
	// Only the store counts; an --output-dir is always written.
	b.Reuse = !force && outputDir == "" && !b.Options.PkgOptions.Hermetic
	return nil
}

// remote is where a package the store lacks is looked for before it is
// built, as linuxkit's Pkg.Build looks in the registry: reg's registry.
// Pushing (and loading into docker) needs the output in the store, so it
// pulls, as linuxkit's WithBuildTargetDockerCache sets pull.
func (f *lkBuildFlags) remote(reg registry.Registry, doPush bool) *build.Remote {
	return &build.Remote{Registry: reg, Pull: f.pull || doPush || f.docker}
}

// argFileArgs reads the --build-arg-file files, in order, and returns
// their build args (@lkt: references resolved) and the packages those
// name, to serve FROM lines from the store.
func (f *lkBuildFlags) argFileArgs(opts pkg.Options) ([]spec.BuildArg, []*pkg.Package, error) {
	var args []spec.BuildArg
	var deps []*pkg.Package
	for _, file := range f.argFiles {
		af, err := graph.ReadArgFile(file, opts)
		if err != nil {
			return nil, nil, err
		}
		args = append(args, af.Args...)
		deps = append(deps, af.Deps...)
	}
	return args, deps, nil
}

// storeContexts serves the packages deps (named by --build-arg-file) from
// their outputs in store, as the Builder does for build.yml's references.
func storeContexts(b *build.Builder, deps []*pkg.Package) {
	if b.Store == "" || b.IgnoreStore {
		return
	}
	for _, d := range deps {
		l := filepath.Join(build.StorePath(b.Store, d), "index")
		if _, err := build.ReadResult(filepath.Dir(l)); err != nil {
			continue
		}
		if _, ok := b.Options.Contexts[d.Ref()]; !ok {
			b.Options.Contexts[d.Ref()] = l
		}
	}
}

// releaseOptions completes o for pushing p: when no --release is given
// and the package is in a git work tree whose HEAD has a tag, the tag is
// the release, as linuxkit does (git tag -l --points-at HEAD). Bazel
// actions (hermetic) never ask git.
func releaseOptions(o *push.Options, p *pkg.Package, hermetic, quiet bool, stderr io.Writer) error {
	if o.Release != "" || hermetic {
		return nil
	}
	rel, err := gitrepo.ReleaseFromTag(p.Dir)
	if err != nil || rel == "" {
		return err
	}
	if _, err := p.ReleaseRef(rel); err != nil {
		return fmt.Errorf("the git tag %s on HEAD would be the release (as in linuxkit): %w; give --release", rel, err)
	}
	o.Release = rel
	if !quiet {
		fmt.Fprintf(stderr, "%s: releasing as %s, the git tag on HEAD (as linuxkit; --release overrides)\n", p.Ref(), rel)
	}
	return nil
}

// describePush prints what pushing p's arches would write (--dry-run).
func describePush(w io.Writer, p *pkg.Package, tag string, arches []string, o push.Options) error {
	repo, err := o.Registry.Repository(p.Image())
	if err != nil {
		return err
	}
	var tags []string
	for _, a := range arches {
		tags = append(tags, repo.String()+":"+tag+"-"+a)
	}
	fmt.Fprintf(w, "%s: would push %s, then the index %s:%s", p.Ref(), strings.Join(tags, ", "), repo, tag)
	if o.Release != "" {
		fmt.Fprintf(w, ", then the release %s:%s", repo, o.Release)
	}
	if o.Signer != nil {
		fmt.Fprintf(w, ", signed with %s\n", o.Signer.Name())
	} else {
		fmt.Fprintln(w, ", unsigned")
	}
	return nil
}
