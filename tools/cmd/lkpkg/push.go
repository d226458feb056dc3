package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/notary"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
)

var pushCommand = command{
	name:    "push",
	summary: "push built packages: org/image:<tag>-<arch> per arch, then the merged index org/image:<tag>, signed",
	usage: `[flags] DIR...

Pushes what 'lkpkg build' wrote (the default store, or --input-dir): each
arch's image as org/image:<tag>-<arch>, then the index org/image:<tag>,
merged with the index the registry has (per platform the pushed image wins,
other platforms stay), so pushing arm64 after amd64 - even at the same
time, from another machine - leaves both in the index. Blobs and manifests
the registry has are not sent again. Dirty packages are refused.

--release X also tags the index org/image:X; an existing release is never
replaced by one that lacks any of its images.

Unless build.yml says disable-content-trust: true (or
--disable-content-trust), every tag pushed is signed with Docker Content
Trust on --trust-server, with keys in --trust-dir (~/.docker/trust). Keys
and passphrases are checked before anything is pushed. Passphrases come
from $DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE and
$DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE, else from the command in
~/.moby/linuxkit/config.yml (pkg: content-trust-passphrase-command:);
there is never a prompt.

Credentials: docker's config.json and credential helpers. Plain HTTP only
for loopback registries and those given with --insecure-registry.

Bazel's push targets run: lkpkg push --hermetic --input-dir LAYOUTS [--registry R] [--release X] DIR
(no git, no build: the tag comes from LAYOUTS/result.json).`,
}

func init() { pushCommand.run = runPush }

// registryFlags locate the registry.
type registryFlags struct {
	registry string
	insecure stringList
	progress string
}

func (r *registryFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&r.registry, "registry", "", "registry (host[:port][/path]) to put before org/image (default: the org's, else Docker Hub)")
	fs.Var(&r.insecure, "insecure-registry", "registry host[:port] that may be reached over plain HTTP (repeatable; loopback always may)")
	fs.StringVar(&r.progress, "progress", "auto", "progress output on stderr: auto, plain or quiet")
}

func (r *registryFlags) options(stderr io.Writer) push.Options {
	o := push.Options{Registry: push.Registry{Prefix: r.registry, Insecure: r.insecure}}
	if r.progress != "quiet" {
		o.Progress = stderr
	}
	return o
}

// trustFlags configure content trust.
type trustFlags struct {
	server, dir, ca, signer string
}

func (t *trustFlags) register(fs *flag.FlagSet) {
	def := os.Getenv("DOCKER_CONTENT_TRUST_SERVER")
	if def == "" {
		def = notary.DefaultServer
	}
	fs.StringVar(&t.server, "trust-server", def, "notary server for content trust (default $DOCKER_CONTENT_TRUST_SERVER, else Docker's)")
	fs.StringVar(&t.dir, "trust-dir", "", "trust keys and metadata (default $DOCKER_CONFIG/trust, else ~/.docker/trust)")
	fs.StringVar(&t.ca, "trust-ca", "", "PEM file of CAs that sign the notary server's certificate (default: the system's)")
	fs.StringVar(&t.signer, "sign", "notary", "how to sign when content trust is on: notary (Docker Content Trust)")
}

func (t *trustFlags) notary() (*notary.Signer, error) {
	cfg := notary.Config{Server: t.server, TrustDir: t.dir, Passphrases: &notary.Passphrases{}}
	if t.ca != "" {
		b, err := os.ReadFile(t.ca)
		if err != nil {
			return nil, fmt.Errorf("--trust-ca: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("--trust-ca %s holds no PEM certificate", t.ca)
		}
	}
	return notary.New(cfg), nil
}

// signer returns the signer for p, or nil when content trust is off.
func (t *trustFlags) signerFor(p *pkg.Package) (sign.Signer, error) {
	if p.Spec.DisableContentTrust {
		return nil, nil
	}
	switch t.signer {
	case "notary":
		return t.notary()
	case "none":
		return nil, nil
	}
	return nil, fmt.Errorf("--sign %q: only notary is supported (or --disable-content-trust)", t.signer)
}

func runPush(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(&pushCommand, stderr)
	var flags pkgFlags
	flags.register(fs)
	var rf registryFlags
	rf.register(fs)
	var tf trustFlags
	tf.register(fs)
	inputDir := fs.String("input-dir", "", "the build output to push (default: the package's in lkpkg build's store)")
	release := fs.String("release", "", "also tag the index as this release")
	dirs, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		fs.Usage()
		return errUsage
	}
	if *inputDir != "" && len(dirs) > 1 {
		return errors.New("--input-dir takes one package")
	}
	opts := flags.options(fs)
	if opts.Hermetic && *inputDir == "" {
		return errors.New("--hermetic needs --input-dir")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, d := range dirs {
		if err := pushPackage(ctx, d, *inputDir, opts, rf, tf, *release, stdout, stderr); err != nil {
			return err
		}
	}
	return nil
}

// pushPackage pushes one package's build output.
func pushPackage(ctx context.Context, dir, input string, opts pkg.Options, rf registryFlags, tf trustFlags, release string, stdout, stderr io.Writer) error {
	lo := opts
	if opts.Hermetic && lo.Hash == "" {
		// The tag comes from result.json: do not hash the sources.
		lo.Hash = "hermetic"
	}
	p, err := pkg.Load(dir, lo)
	if err != nil {
		return err
	}
	if input == "" {
		store, err := build.DefaultStoreDir()
		if err != nil {
			return err
		}
		input = build.StorePath(store, p)
	}
	pp, res, err := push.FromBuild(input, p.Image())
	if err != nil {
		return fmt.Errorf("%s: %w", p.Ref(), err)
	}
	if !opts.Hermetic && res.Tag != p.Tag {
		return fmt.Errorf("%s: the build output in %s is for tag %s, but the package's tag is now %s: run lkpkg build first", p.Image(), input, res.Tag, p.Tag)
	}
	pp.Dirty, pp.Dir = p.Dirty, p.Dir
	o := rf.options(stderr)
	o.Release = release
	if release != "" {
		if _, err := p.ReleaseRef(release); err != nil {
			return err
		}
	}
	o.Signer, err = tf.signerFor(p)
	if err != nil {
		return err
	}
	rep, err := push.Push(ctx, pp, o)
	if err != nil {
		return err
	}
	printReport(stdout, rep, pp.Tag, release)
	return nil
}

func printReport(w io.Writer, rep *push.Report, tag, release string) {
	for arch, d := range rep.Arches {
		_ = arch
		fmt.Fprintf(w, "%s:%s-%s %s\n", rep.Repository, tag, d.Platform.Architecture, d.Digest)
	}
	fmt.Fprintf(w, "%s:%s %s\n", rep.Repository, tag, rep.Index.Digest)
	if release != "" {
		fmt.Fprintf(w, "%s:%s %s\n", rep.Repository, release, rep.Index.Digest)
	}
	if len(rep.Signed) > 0 {
		fmt.Fprintf(w, "signed %d tags\n", len(rep.Signed))
	}
}
