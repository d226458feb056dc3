package main

import (
	"flag"
	"os"
	"path/filepath"

	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
)

// pkgFlags are the flags every command that loads packages takes; they
// mirror linuxkit pkg's persistent flags.
type pkgFlags struct {
	opts pkg.Options
	// The boolean overrides come in pairs, as in linuxkit, so a user can
	// override build.yml in either direction.
	network, noNetwork, disableCache, enableCache, disableTrust, enableTrust bool
}

func (p *pkgFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.opts.BuildYML, "build-yml", "build.yml", "name of the package's spec file")
	fs.StringVar(&p.opts.Org, "org", "", "override the org (registry namespace) of build.yml (without either: $"+pkg.EnvOrg+", else linuxkit)")
	fs.StringVar(&p.opts.Hash, "hash", "", "override the image hash (default: the git tree hash of the package)")
	fs.StringVar(&p.opts.Tag, "tag", "", "override build.yml's tag template; {{.Hash}} is the hash")
	fs.BoolVar(&p.opts.Dev, "dev", false, "development build: $USER as the org, \"dev\" as the hash")
	fs.StringVar(&p.opts.HashCommit, "hash-commit", "HEAD", "git commit whose tree is hashed")
	fs.StringVar(&p.opts.HashPath, "hash-path", "", "hash this parent directory of the package instead")
	fs.BoolVar(&p.opts.ForceDirty, "force-dirty", false, "treat the package as dirty")
	fs.StringVar(&p.opts.HashDir, "hash-dir", "", "directory of hash manifests (<dir>/<package dir name>.hash, written by update-hashes): @lkt: build args take their packages' tags from them, and the resolved build args are hashed into the tag, as linuxkit's --hash-dir")
	fs.BoolVar(&p.opts.StrictDeps, "strict-deps", false, "with --hash-dir: a package an @lkt: build arg refers to must have a manifest (default: compute its tag)")
	fs.BoolVar(&p.opts.Hermetic, "hermetic", false, "hash the files on disk, never asking git (what Bazel actions do)")
	fs.StringVar(&p.opts.SrcsManifest, "srcs-manifest", "", "hash exactly the files this JSON manifest lists (what Bazel actions pass; implies --hermetic)")
	fs.BoolVar(&p.network, "network", false, "allow network access in RUN steps")
	fs.BoolVar(&p.noNetwork, "nonetwork", false, "forbid network access in RUN steps")
	fs.BoolVar(&p.disableCache, "disable-cache", false, "build without BuildKit's cache")
	fs.BoolVar(&p.enableCache, "enable-cache", false, "build with BuildKit's cache")
	fs.BoolVar(&p.disableTrust, "disable-content-trust", false, "do not sign what is pushed")
	fs.BoolVar(&p.enableTrust, "enable-content-trust", false, "sign what is pushed")
}

// options returns the package options with the boolean overrides that were
// given on the command line (and only those) applied.
func (p *pkgFlags) options(fs *flag.FlagSet) pkg.Options {
	o := p.opts
	o.DefaultOrg = os.Getenv(pkg.EnvOrg)
	if o.SrcsManifest != "" {
		o.Hermetic = true
	}
	if o.HashDir != "" {
		// Relative to where lkpkg runs, whatever the package directory.
		if abs, err := filepath.Abs(o.HashDir); err == nil {
			o.HashDir = abs
		}
	}
	set := func(v bool) *bool { return &v }
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "network":
			o.Network = set(p.network)
		case "nonetwork":
			o.Network = set(!p.noNetwork)
		case "disable-cache":
			o.DisableCache = set(p.disableCache)
		case "enable-cache":
			o.DisableCache = set(!p.enableCache)
		case "disable-content-trust":
			o.DisableContentTrust = set(p.disableTrust)
		case "enable-content-trust":
			o.DisableContentTrust = set(!p.enableTrust)
		}
	})
	return o
}
