package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
)

var manifestCommand = command{
	name:    "manifest",
	aliases: []string{"index"}, // as linuxkit's pkg manifest
	summary: "assemble org/image:<tag> from the org/image:<tag>-<arch> tags in the registry, signed",
	usage: `[flags] DIR...

Registry only: reads the <tag>-<arch> tags the registry has for each
package and writes (merges into) the index org/image:<tag>, then signs it
unless content trust is disabled. Nothing is built or read locally except
build.yml and the package hash. Index entries of other platforms stay, as
with lkpkg push.

--release X also tags the index org/image:X, once: a release that already
names the same images is left as it is, any other existing release is
refused before anything is written. This is how to release arches pushed
by separate 'lkpkg push' commands.`,
}

func init() { manifestCommand.run = runManifest }

func runManifest(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(&manifestCommand, stderr)
	var flags pkgFlags
	flags.register(fs)
	var pf pushFlags
	pf.register(fs, true)
	dirs, err := parseDirs(fs, args)
	if err != nil {
		return err
	}
	if err := pf.reg.check(stderr); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, d := range dirs {
		p, err := pkg.Load(d, flags.options(fs))
		if err != nil {
			return err
		}
		o, err := pf.options(p, stderr)
		if err != nil {
			return err
		}
		rep, err := push.Manifest(ctx, p.Image(), p.Tag, o)
		if err != nil {
			return err
		}
		printReport(stdout, rep, p.Tag, o.Release)
	}
	return nil
}
