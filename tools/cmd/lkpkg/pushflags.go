package main

import (
	"flag"
	"io"

	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
)

// pushFlags are the flags of every command that pushes (lkpkg push,
// lkpkg build --push, lkpkg manifest): where to push, how to sign, the
// release tag.
type pushFlags struct {
	reg     registryFlags
	trust   trustFlags
	release string
	force   bool
}

// register adds the flags; progress adds --progress (build has its own).
func (f *pushFlags) register(fs *flag.FlagSet, progress bool) {
	f.reg.register(fs, progress)
	f.trust.register(fs)
	fs.StringVar(&f.release, "release", "", "also tag the index as this release (once: an existing release is left alone when it names the same images, refused otherwise)")
}

// registerForce adds --force (lkpkg push and build --push: the commands
// that write <tag>-<arch>).
func (f *pushFlags) registerForce(fs *flag.FlagSet) {
	fs.BoolVar(&f.force, "force", false, "rebuild even when the store already holds the output (as linuxkit), and when pushing overwrite <tag>-<arch> (and the arch's entry in the index <tag>) if the registry has another image there; without it such arches are skipped, since a hash tag names one source tree")
}

// options says how to push p: registry, release (checked) and signer.
// Progress goes to stderr unless --progress=quiet.
func (f *pushFlags) options(p *pkg.Package, stderr io.Writer) (push.Options, error) {
	o := f.reg.options(stderr)
	o.Release = f.release
	o.Force = f.force
	if f.release != "" {
		if _, err := p.ReleaseRef(f.release); err != nil {
			return o, err
		}
	}
	var err error
	o.Signer, err = f.trust.signerFor(p, o.Registry)
	return o, err
}

// registryFlags locate the registry.
type registryFlags struct {
	registry string
	insecure stringList
	progress string
}

func (r *registryFlags) register(fs *flag.FlagSet, progress bool) {
	fs.StringVar(&r.registry, "registry", "", "registry (host[:port][/path]) to put before org/image (default: the org's, else Docker Hub)")
	fs.Var(&r.insecure, "insecure-registry", "registry host[:port] that may be reached over plain HTTP (repeatable; loopback always may)")
	if progress {
		fs.StringVar(&r.progress, "progress", "auto", "progress output on stderr: auto, plain or quiet")
	}
}

func (r *registryFlags) options(stderr io.Writer) push.Options {
	o := push.Options{Registry: registry.Registry{Prefix: r.registry, Insecure: r.insecure}}
	if r.progress != "quiet" && stderr != nil {
		o.Progress = stderr
	}
	o.Warnings = stderr
	return o
}
