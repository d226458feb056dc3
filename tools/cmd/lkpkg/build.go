package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/moby/buildkit/client"
	"github.com/sirupsen/logrus"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/buildkitd"
	"github.com/rules-linuxkit/rules_linuxkit/tools/depends"
	"github.com/rules-linuxkit/rules_linuxkit/tools/dockerload"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

var buildCommand = command{
	name:    "build",
	summary: "build each package for its arches with BuildKit into OCI layouts",
	usage: `[flags] DIR...

Each package is built for the arches in its build.yml (restricted by
--platforms) and written as OCI layouts: OUT/<arch>/ is the image pushed as
org/image:<tag>-<arch>, OUT/index/ the index pushed as org/image:<tag>, and
OUT/result.json lists the tag and digests. OUT is --output-dir (with several
packages: --output-dir/<image>), by default
${XDG_CACHE_HOME:-~/.cache}/rules_linuxkit/images/<org>/<image>/<tag>.
Nothing is pushed unless --push.

As linuxkit pkg build without --force, a package whose output in the store
(--cache, or the default above) already holds its tag for every arch to
build is not rebuilt: that output is used, and BuildKit is not contacted
when nothing needs building. A package the store lacks is then looked up
in the registry (--registry, else its org's), as linuxkit does: when the
registry has its tag with every arch to build, it is not built; with
--pull (and with --push, as pushing needs it) it is pulled into the store
as if built, otherwise nothing is written (a package of the same run that
builds from it still gets it pulled). A registry that cannot be read
counts as not having it. --force rebuilds (not with --pull). An
--output-dir is always built. --skip-platforms linux/<arch>,... leaves arches out (a package left
with none is skipped, not an error); --dockerfile replaces build.yml's
dockerfile; --build-arg-file FILE adds NAME=VALUE lines, @lkt: paths
relative to FILE's directory; --ignore-cached serves FROM lines only from
packages built in this run. --dry-run prints what would be built and pushed
(resolved build args, labels, named contexts, tags) and does nothing else.

--docker also loads the images into the docker engine at $DOCKER_HOST
(default unix:///var/run/docker.sock) as linuxkit does:
org/image:<tag>-<arch> for each arch and org/image:<tag> for this
machine's arch (with --release, the release tags the same way). It
implies --pull.

OUT is written whole into a temporary sibling, then renamed into place; it
gets a .lkpkg-output marker file. An existing OUT is replaced only if it has
that marker (an earlier lkpkg output) or holds no files (only empty
directories); any other OUT is refused and left untouched.

Images that build.yml's depends.docker-images lists (pinned by digest) are
pulled for each arch being built (an index gives its linux/<arch> image)
and saved, as 'docker save' archives that are also OCI layouts, at its
target or in its target-dir in a copy of the package used as the build
context: the package directory itself is never written, so its tag does
not change. A package that already has a file there is refused. Such a
package is built one arch at a time (each arch's context has that arch's
images), then merged. --depends-image IMAGE@DIGEST=LAYOUT takes an image
from an OCI layout instead; with --hermetic nothing else is pulled.

Attestations: each image gets BuildKit's SLSA provenance (mode=min: no
build args or labels; timestamps and the random invocation id removed, so
digests stay reproducible) unless --no-provenance, and an SPDX SBOM made
by a scanner image (BuildKit's SBOM generator protocol), the first of:
--no-sbom (none); --sbom-scanner REF (pulled by BuildKit from a registry);
--sbom-scanner-layout DIR (an OCI layout lkpkg serves to BuildKit from a
read-only registry on 127.0.0.1 while it builds: the daemon must be on
this machine, else the build warns and makes no SBOM); the project's
scanner at $RULES_LINUXKIT_CACHE/sbom-scanner/layout (default cache
/var/cache/rules_linuxkit, written by scripts/sbom-scanner-setup; not
looked for with --hermetic). With none of them, one warning says how to
get one and the build goes on without an SBOM. The port the scanner is
served on is in no output. Each arch's layout lists the image's
attestation manifest beside it and the index lists them after the images,
as BuildKit does; result.json lists the kinds (provenance, sbom), and a
store output lacking one asked for is rebuilt; 'lkpkg sbom' prints the
SBOMs.

Packages given together are built in dependency order, and a package whose
build args refer to another (@lkt:pkg:) gets that package's output as a
BuildKit named context, so FROM org/image:<tag> needs no registry. Outside
--hermetic mode, outputs already in the default store are used the same way.

--push pushes each package once it is built: 'lkpkg push' is build --push,
as in linuxkit (same flags: --registry, --release, --force, --sign,
--cosign-key, --trust-*...); with --nobuild nothing is built and the
outputs already built are pushed. Signing keys and passwords are checked
before anything is built. Without --release, a git tag on HEAD is the
release, as in linuxkit (git tag -l --points-at HEAD; several tags are an
error). --force also rebuilds (see above), and conflicts with --nobuild.

BuildKit: --builder-addr or $BUILDKIT_HOST (unix:// or tcp://, with
--builder-tls-* for mTLS); else the local daemon, started on demand (see
'lkpkg builder'). A tcp:// daemon on a host that is not loopback needs TLS,
or --builder-insecure (or $RULES_LINUXKIT_BUILDER_INSECURE=1) to accept that
anyone on the path can change the images lkpkg pushes and signs. With --hermetic (Bazel actions) nothing is started, git is
never asked, --output-dir is required and only --context-from feeds FROM
lines: the action's inputs and outputs are all on its command line.`,
}

func init() { buildCommand.run = runBuild }

func runBuild(args []string, stdout, stderr io.Writer) error {
	return runBuildPush(&buildCommand, args, false, stdout, stderr)
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// builderFlags are the flags that locate BuildKit.
type builderFlags struct {
	addr string
	tls  buildkitd.TLS
}

func (b *builderFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&b.addr, "builder-addr", "", "BuildKit daemon address, unix:///path or tcp://host:port (default $"+buildkitd.EnvHost+", else the local daemon)")
	fs.StringVar(&b.tls.CA, "builder-tls-ca", "", "CA certificate of a tcp:// daemon")
	fs.StringVar(&b.tls.Cert, "builder-tls-cert", "", "client certificate for a tcp:// daemon")
	fs.StringVar(&b.tls.Key, "builder-tls-key", "", "client key for a tcp:// daemon")
	fs.StringVar(&b.tls.ServerName, "builder-tls-servername", "", "name expected in the daemon's certificate (default: its host)")
	fs.BoolVar(&b.tls.Insecure, "builder-insecure", os.Getenv(envBuilderInsecure) == "1", "accept a tcp:// daemon on a host that is not loopback without TLS: anyone on the path could change what is built (default $"+envBuilderInsecure+"=1)")
}

// envBuilderInsecure is --builder-insecure for Bazel actions, which pass
// only --builder-addr: --action_env=RULES_LINUXKIT_BUILDER_INSECURE=1.
const envBuilderInsecure = "RULES_LINUXKIT_BUILDER_INSECURE"

// resolve resolves the daemon and warns on stderr when it is reached in
// plaintext over the network.
func (b *builderFlags) resolve(ctx context.Context, mode buildkitd.Mode, stderr io.Writer) (*buildkitd.Target, error) {
	t, err := buildkitd.Resolve(ctx, b.addr, b.tls, mode)
	if err != nil {
		return nil, err
	}
	if t.Insecure {
		fmt.Fprintf(stderr, "warning: BuildKit at %s is reached without TLS over the network (--builder-insecure): anyone on the path can change the images built\n", t.Address)
	}
	return t, nil
}

// runBuildPush is lkpkg build and, with asPush, lkpkg push: as in
// linuxkit, push is build --push.
func runBuildPush(cmd *command, args []string, asPush bool, stdout, stderr io.Writer) error {
	fs := newFlagSet(cmd, stderr)
	var flags pkgFlags
	flags.register(fs)
	var bf builderFlags
	bf.register(fs)
	platforms := fs.String("platforms", "", "comma-separated platforms to build, e.g. linux/amd64,linux/arm64 (default: build.yml's arches)")
	outputDir := fs.String("output-dir", "", "where to write the layouts (required with --hermetic)")
	format := fs.String("output-format", "dir", "layout format: dir or tar")
	var buildArgs, contexts, labels, depOutputs, dependsImages stringList
	fs.Var(&buildArgs, "build-arg", "NAME=VALUE build arg, overriding build.yml's (repeatable)")
	fs.Var(&contexts, "context-from", "REF=LAYOUT: serve FROM REF from the OCI layout directory LAYOUT (repeatable)")
	fs.Var(&depOutputs, "dep", "PKGDIR=OUTPUT: the package in PKGDIR (referred to by an @lkt:pkg: build arg) was built into OUTPUT (an --output-dir with result.json); use its tag and serve its index as a named context, without loading its sources (repeatable; what Bazel actions pass)")
	fs.Var(&dependsImages, "depends-image", "IMAGE@DIGEST=LAYOUT: take the image build.yml's depends lists from the OCI layout LAYOUT instead of its registry (repeatable; what Bazel actions pass, as they pull nothing)")
	fs.Var(&labels, "label", "KEY=VALUE image label (repeatable)")
	epochFlag := fs.String("source-date-epoch", "", "timestamp of the image, seconds (default $SOURCE_DATE_EPOCH, else 0)")
	progress := fs.String("progress", "auto", "progress output: auto, plain, tty, quiet or rawjson")
	doPush := fs.Bool("push", asPush, "push each package after building it, as lkpkg push does (with its flags below)")
	var pf pushFlags
	pf.register(fs, false)
	pf.registerForce(fs)
	var lk lkBuildFlags
	lk.register(fs)
	var af attestFlags
	af.register(fs)
	dirs, err := parseDirs(fs, args)
	if err != nil {
		return err
	}
	if err := pf.reg.check(stderr); err != nil {
		return err
	}
	g := globalsOf(fs)
	*progress = g.progressMode(*progress)
	opts := flags.options(fs)
	hermetic := opts.Hermetic
	if err := lk.check(*doPush, pf.force, *platforms); err != nil {
		return err
	}
	// Bazel's push targets (push --hermetic --input-dir) never build.
	if *doPush && (lk.nobuild || lk.inputDir != "" || (asPush && hermetic)) {
		return pushBuilt(dirs, &lk, opts, &pf, *progress, g.cache, stdout, stderr)
	}
	if *doPush && hermetic {
		return errors.New("--push does not go with --hermetic (Bazel pushes with its push targets)")
	}
	if *doPush && *format == "tar" {
		return errors.New("--push needs --output-format dir")
	}
	var engine *dockerload.Engine
	if lk.docker {
		switch {
		case hermetic:
			return errors.New("--docker does not go with --hermetic (a Bazel action writes only its declared outputs)")
		case *format == "tar":
			return errors.New("--docker needs --output-format dir")
		}
		if engine, err = dockerload.FromEnv(); err != nil {
			return err
		}
	}
	if hermetic && *outputDir == "" {
		return errors.New("--hermetic needs --output-dir")
	}

	// The notes (a package skipped, an output reused) are one line each,
	// not progress: --progress quiet keeps them, as it does the warnings.
	b := build.Builder{Log: stderr}
	bo := build.Options{Format: build.Format(*format), ProgressMode: *progress, Progress: stderr, OutputDir: *outputDir}
	if *outputDir != "" {
		b.OutputDirName = "--output-dir"
	}
	if *platforms != "" {
		bo.Platforms = strings.Split(*platforms, ",")
	}
	if err := af.apply(&bo, hermetic, stderr); err != nil {
		return err
	}
	// build.yml's build args, then the files', then --build-arg's.
	fileArgs, fileDeps, err := lk.argFileArgs(flags.options(fs))
	if err != nil {
		return err
	}
	bo.BuildArgs = append(bo.BuildArgs, fileArgs...)
	for _, a := range buildArgs {
		n, v, ok := strings.Cut(a, "=")
		if !ok || n == "" {
			return fmt.Errorf("--build-arg %q: want NAME=VALUE", a)
		}
		bo.BuildArgs = append(bo.BuildArgs, spec.BuildArg{Name: n, Value: v})
	}
	bo.Contexts = map[string]string{}
	for _, c := range contexts {
		ref, dir, ok := strings.Cut(c, "=")
		if !ok || ref == "" || dir == "" {
			return fmt.Errorf("--context-from %q: want REF=LAYOUT_DIR", c)
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return err
		}
		bo.Contexts[ref] = abs
	}
	if len(labels) > 0 {
		bo.Labels = map[string]string{}
		for _, l := range labels {
			k, v, ok := strings.Cut(l, "=")
			if !ok || k == "" {
				return fmt.Errorf("--label %q: want KEY=VALUE", l)
			}
			bo.Labels[k] = v
		}
	}
	epoch := *epochFlag
	if epoch == "" {
		epoch = os.Getenv("SOURCE_DATE_EPOCH")
	}
	if epoch != "" {
		bo.SourceDateEpoch, err = strconv.ParseInt(epoch, 10, 64)
		if err != nil || bo.SourceDateEpoch < 0 {
			return fmt.Errorf("source date epoch %q: want seconds since 1970", epoch)
		}
	}
	bo.PkgOptions = opts
	if bo.Depends, err = dependsSource(hermetic, dependsImages, pf.reg.options(nil).Registry); err != nil {
		return err
	}
	b.Options = bo
	if err := lk.apply(&b, pf.force, *outputDir); err != nil {
		return err
	}
	for _, d := range depOutputs {
		dir, out, ok := strings.Cut(d, "=")
		if !ok || dir == "" || out == "" {
			return fmt.Errorf("--dep %q: want PKGDIR=OUTPUT_DIR", d)
		}
		if err := b.AddDepOutput(dir, out); err != nil {
			return fmt.Errorf("--dep %s: %w", d, err)
		}
	}
	if !hermetic {
		if b.Store, err = storeDir(g.cache); err != nil && *outputDir == "" {
			return err
		}
		storeContexts(&b, fileDeps)
		b.Remote = lk.remote(pf.reg.options(nil).Registry, *doPush)
		// BuildKit's pulls of FROM images get the same credentials (as
		// linuxkit hands --registry-creds and docker's to its builder).
		b.Options.Keychain = pf.reg.options(nil).Registry.AuthKeychain()
	}

	plan, err := b.Plan(dirs)
	if err != nil || len(plan.Packages) == 0 {
		return err
	}

	// How each package is pushed, checked before anything is built.
	pushOpts := map[*pkg.Package]push.Options{}
	if *doPush {
		if *progress != "quiet" {
			pf.reg.progress = "auto"
		} else {
			pf.reg.progress = "quiet"
		}
		for _, p := range plan.Packages {
			if p.Dirty {
				return fmt.Errorf("%s: the package has uncommitted changes, which are not pushed: commit them or build without --push", p.Dir)
			}
			o, err := pf.options(p, stderr)
			if err == nil {
				err = releaseOptions(&o, p, hermetic, *progress == "quiet", stderr)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", p.Ref(), err)
			}
			if lk.dryRun {
				pushOpts[p] = o
				continue
			}
			if kc, ok := o.Signer.(sign.Checker); ok {
				if err := kc.CheckKey(); err != nil {
					return fmt.Errorf("%s: %s signing is not ready, so nothing was built: %w", p.Ref(), o.Signer.Name(), err)
				}
			}
			pushOpts[p] = o
		}
	}

	if lk.dryRun {
		return dryRun(&b, plan, pushOpts, stdout)
	}

	// containerd's content store (OCI layouts) logs harmless warnings
	// (no fsverity) through logrus; BuildKit's progress is the output.
	logrus.SetLevel(logrus.ErrorLevel)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	mode := buildkitd.Start
	if hermetic {
		mode = buildkitd.Action
	}
	// BuildKit is reached only when something is built: not when every
	// output is reused or comes from the registry.
	var c *client.Client
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	b.Connect = func(ctx context.Context) (*client.Client, error) {
		target, err := bf.resolve(ctx, mode, stderr)
		if err != nil {
			return nil, err
		}
		if target.Insecure && b.Options.Keychain != nil {
			// Credentials never cross the network in plaintext.
			b.Options.Keychain = nil
			fmt.Fprintf(stderr, "warning: BuildKit at %s gets no registry credentials, as it is reached without TLS: FROM images in registries that need them will not be pulled\n", target.Address)
		}
		if b.Options.SBOMScannerLayout != "" && !target.OnThisMachine() {
			// The scanner is served on this machine's 127.0.0.1.
			b.Options.SBOMScannerLayout = ""
			fmt.Fprintf(stderr, "warning: no SBOM attestation: BuildKit at %s is not on this machine, so it cannot pull the scanner lkpkg serves from its OCI layout on 127.0.0.1; pass --sbom-scanner REF (a registry the daemon reaches) or --no-sbom\n", target.Address)
		}
		c, err = target.Client(ctx)
		return c, err
	}

	return b.Run(ctx, nil, plan, func(p *pkg.Package, out string, res *build.Result) error {
		// Bazel actions (--hermetic) read result.json; a line on their
		// stdout would only be echoed by Bazel after every build.
		if !hermetic {
			fmt.Fprintf(stdout, "%s %s %s\n", res.Ref, res.Digest, out)
		}
		if engine != nil {
			if err := loadIntoDocker(ctx, engine, p, out, res, pushOpts[p].Release, stderr); err != nil {
				return err
			}
		}
		if po, ok := pushOpts[p]; ok {
			if err := pushOutput(ctx, p, out, false, po, stdout); err != nil {
				return fmt.Errorf("%s: built, but pushing failed: %w", p.Ref(), err)
			}
		}
		return nil
	})
}

// dependsSource is where build.yml's depends images come from: the
// --depends-image layouts (always, with --hermetic: an action pulls
// nothing), else their registries.
func dependsSource(hermetic bool, pairs []string, reg registry.Registry) (depends.Source, error) {
	if !hermetic && len(pairs) == 0 {
		// The images' own registries: no --registry prefix.
		reg.Prefix = ""
		return depends.Remote{Registry: reg}, nil
	}
	m := map[string]string{}
	for _, pr := range pairs {
		ref, dir, ok := strings.Cut(pr, "=")
		if !ok || ref == "" || dir == "" {
			return nil, fmt.Errorf("--depends-image %q: want IMAGE@sha256:<digest>=LAYOUT_DIR", pr)
		}
		m[ref] = dir
	}
	return depends.DirLayouts(m)
}
