package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
)

var pushCommand = command{
	name:    "push",
	summary: "build (what is not built yet) and push: org/image:<tag>-<arch> per arch, then the merged index org/image:<tag>, signed",
	usage: `[flags] DIR...

'lkpkg push' is 'lkpkg build --push', as in linuxkit, and takes build's
flags: it builds what the store (--cache) does not hold yet, then pushes.
With --nobuild, or --input-dir OUTPUT (an lkpkg build or Bazel output),
nothing is built: what was built is pushed. Without --release, a git tag on
HEAD names the release, as in linuxkit. --dry-run prints the tags that
would be pushed and does nothing.

Pushes each arch's image as org/image:<tag>-<arch>, then the index
org/image:<tag>,
merged with the index the registry has, so pushing arm64 after amd64 -
even at the same time, from another machine - leaves both in the index.
The merge replaces only entries whose whole platform (os, arch, variant,
os.version, os.features) is a pushed image's; every other entry (zstd or
os.version variants, entries without a platform, attestations of kept
images) stays as the registry has it. Blobs and manifests the registry
has are not sent again. Dirty packages are refused. Where the registry has
no index <tag> yet, the index pushed is the build's, byte for byte: its
digest is result.json's (what bazel build made). Merged with an index the
registry has, it is another index, with another digest (the entries it
adds are written as the build writes them).

A hash tag names one source tree, so it is never rewritten: an arch whose
<tag>-<arch> (or entry in the index <tag>) already holds another image is
skipped, with a line on stderr ("...: skipping (a hash tag is never
rewritten; --force overwrites)"), and the index keeps the registry's image;
when nothing is new stderr says "no new platforms to push". --force
overwrites them.

--release X also tags the index org/image:X, once: a release that already
names the same images is left as it is, any other existing release makes
the push fail before anything is written. To release arches pushed by
separate commands, push them without --release, then run 'lkpkg manifest
--release X'.

Unless build.yml says disable-content-trust: true (or
--disable-content-trust), every tag pushed is signed with Docker Content
Trust on --trust-server (default as docker: https://notary.docker.io for
Docker Hub, https://<registry host> for any other registry), with keys in
--trust-dir (~/.docker/trust). Keys and passphrases are checked before
anything is pushed. Passphrases come from
$DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE and
$DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE, else from the command in
~/.moby/linuxkit/config.yml (pkg: content-trust-passphrase-command:, run
for at most pkg: content-trust-passphrase-timeout: or
$LKPKG_PASSPHRASE_TIMEOUT, default 60s); there is never a prompt. The
registry's credentials go to the notary server's token service only on
the registry's host, the registry's own token service, or a
--trust-token-service host; see docs/signing.md.

--sign=cosign signs with a cosign key pair instead: each pushed manifest
gets a cosign signature in the registry (an OCI 1.1 referrer where the
registry has the referrers API, else the tag sha256-<hex>.sig; see
--cosign-attach), verifiable with 'cosign verify --key cosign.pub
--insecure-ignore-tlog' or 'lkpkg trust inspect --sign=cosign'. The key is
--cosign-key (cosign generate-key-pair's cosign.key, or 'lkpkg trust
generate-key-pair'), its password $COSIGN_PASSWORD, checked before
anything is pushed. Nothing goes to a transparency log. Each arch image
whose build made an SPDX SBOM (--sbom-scanner) also gets it as a signed
cosign attestation (in-toto statement about the arch image's digest,
DSSE envelope, tag sha256-<hex>.att), as 'cosign attest --type spdxjson'
makes: 'cosign verify-attestation --type spdxjson --key cosign.pub
--insecure-ignore-tlog org/image:<tag>-<arch>' checks it; re-pushing adds
no duplicate. --sign=none pushes unsigned.

Credentials: docker's config.json and credential helpers. Plain HTTP only
for loopback registries (a literal loopback address, or a name that
resolves only to loopback addresses) and those given with
--insecure-registry.

Bazel's push targets run: lkpkg push --hermetic --input-dir LAYOUTS [--registry R] [--release X] DIR
(no git, no build: the tag comes from LAYOUTS/result.json).`,
}

func init() { pushCommand.run = runPush }

func runPush(args []string, stdout, stderr io.Writer) error {
	return runBuildPush(&pushCommand, args, true, stdout, stderr)
}

// pushBuilt pushes outputs already built (--nobuild, --input-dir): the
// package's in the store, or input.
func pushBuilt(dirs []string, lk *lkBuildFlags, opts pkg.Options, pf *pushFlags, progress, cache string, stdout, stderr io.Writer) error {
	if lk.inputDir != "" && len(dirs) > 1 {
		return errors.New("--input-dir takes one package")
	}
	if opts.Hermetic && lk.inputDir == "" {
		return errors.New("--hermetic needs --input-dir")
	}
	pf.reg.progress = "auto"
	if progress == "quiet" {
		pf.reg.progress = "quiet"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, d := range dirs {
		if err := pushPackage(ctx, d, lk, cache, opts, pf, stdout, stderr); err != nil {
			return err
		}
	}
	return nil
}

// pushPackage pushes one package's build output.
func pushPackage(ctx context.Context, dir string, lk *lkBuildFlags, cache string, opts pkg.Options, pf *pushFlags, stdout, stderr io.Writer) error {
	if err := opts.CheckBuildCommit(); err != nil {
		return err
	}
	lo := opts
	if opts.Hermetic && lo.Hash == "" {
		// The tag comes from result.json: do not hash the sources.
		lo.Hash = "hermetic"
	}
	p, err := pkg.Load(dir, lo)
	if err != nil {
		return err
	}
	input := lk.inputDir
	if input == "" {
		store, err := storeDir(cache)
		if err != nil {
			return err
		}
		input = build.StorePath(store, p)
	}
	o, err := pf.options(p, stderr)
	if err != nil {
		return err
	}
	if err := releaseOptions(&o, p, opts.Hermetic, pf.reg.progress == "quiet", stderr); err != nil {
		return err
	}
	if lk.dryRun {
		res, err := build.ReadResult(input)
		if err != nil {
			return fmt.Errorf("%s: nothing to push: %w (build it first: lkpkg build)", p.Ref(), err)
		}
		var arches []string
		for _, a := range res.Arches {
			arches = append(arches, a.Arch)
		}
		return describePush(stdout, p, res.Tag, arches, o)
	}
	return pushOutput(ctx, p, input, opts.Hermetic, o, stdout)
}

// pushOutput pushes p's build output in input with o: what lkpkg push
// and lkpkg build --push do once the package is loaded.
func pushOutput(ctx context.Context, p *pkg.Package, input string, hermetic bool, o push.Options, stdout io.Writer) error {
	pp, res, err := push.FromBuild(input, p.Image())
	if err != nil {
		return fmt.Errorf("%s: %w", p.Ref(), err)
	}
	if !hermetic && res.Tag != p.Tag {
		return fmt.Errorf("%s: the build output in %s is for tag %s, but the package's tag is now %s: run lkpkg build first", p.Image(), input, res.Tag, p.Tag)
	}
	pp.Dirty, pp.Dir = p.Dirty, p.Dir
	rep, err := push.Push(ctx, pp, o)
	if err != nil {
		return err
	}
	printReport(stdout, rep, pp.Tag, o.Release)
	return nil
}

func printReport(w io.Writer, rep *push.Report, tag, release string) {
	arches := slices.Sorted(maps.Keys(rep.Arches))
	for _, arch := range arches {
		note := ""
		if slices.Contains(rep.Skipped, arch) {
			note = " (already in the registry: skipped)"
		}
		fmt.Fprintf(w, "%s:%s-%s %s%s\n", rep.Repository, tag, arch, rep.Arches[arch].Digest, note)
	}
	fmt.Fprintf(w, "%s:%s %s\n", rep.Repository, tag, rep.Index.Digest)
	if release != "" {
		fmt.Fprintf(w, "%s:%s %s\n", rep.Repository, release, rep.Release.Digest)
	}
	if len(rep.Signed) > 0 {
		fmt.Fprintf(w, "signed %d tags\n", len(rep.Signed))
	}
	if len(rep.Attested) > 0 {
		fmt.Fprintf(w, "attested %d images (SPDX SBOM)\n", len(rep.Attested))
	}
}
