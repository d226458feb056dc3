package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"

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
	// creds are the --registry-creds values, read by check into parsed.
	creds  stringList
	parsed registry.Creds
}

func (r *registryFlags) register(fs *flag.FlagSet, progress bool) {
	fs.StringVar(&r.registry, "registry", "", "registry (host[:port][/path]) to put before org/image (default: the org's, else Docker Hub)")
	fs.Var(&r.insecure, "insecure-registry", "registry host[:port] that may be reached over plain HTTP (repeatable; loopback always may)")
	fs.Var(&r.creds, "registry-creds", "REGISTRY=USER:PASSWORD or REGISTRY=TOKEN: credentials for that registry host only, before docker's (linuxkit's flag; repeatable, or comma-separated). Other processes can read the command line: prefer docker login (~/.docker/config.json) or a credential helper")
	if progress {
		fs.StringVar(&r.progress, "progress", "auto", "progress output on stderr: auto, plain or quiet")
	}
}

// check reads --registry-creds, as linuxkit's pkgBuilder.build parses
// them (registry.ParseCred), and warns on stderr that the command line
// shows them to other processes. Errors never hold a credential.
func (r *registryFlags) check(stderr io.Writer) error {
	if len(r.creds) == 0 {
		return nil
	}
	r.parsed = registry.Creds{}
	n := 0
	for _, v := range r.creds {
		// linuxkit's flag is a pflag StringSlice: values split at commas,
		// read as CSV.
		specs, err := csv.NewReader(strings.NewReader(v)).Read()
		if err != nil {
			return fmt.Errorf("--registry-creds: not a comma-separated list (the value is not shown: it may hold a secret)")
		}
		for _, spec := range specs {
			n++
			host, cfg, err := registry.ParseCred(spec)
			if err != nil {
				return fmt.Errorf("--registry-creds #%d: %w", n, err)
			}
			r.parsed[host] = cfg
		}
	}
	if stderr != nil {
		fmt.Fprintln(stderr, "warning: --registry-creds puts credentials on the command line, where other users and processes on this machine can read them (ps, /proc/<pid>/cmdline) and shells keep them in their history: prefer docker login (~/.docker/config.json) or a docker credential helper, which lkpkg reads")
	}
	return nil
}

func (r *registryFlags) options(stderr io.Writer) push.Options {
	o := push.Options{Registry: registry.Registry{Prefix: r.registry, Insecure: r.insecure}}
	if len(r.parsed) > 0 {
		o.Registry.Keychain = r.parsed.Keychain(authn.DefaultKeychain)
	}
	if r.progress != "quiet" && stderr != nil {
		o.Progress = stderr
	}
	o.Warnings = stderr
	return o
}
