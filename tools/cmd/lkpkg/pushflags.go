package main

import (
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rules-linuxkit/rules_linuxkit/tools/cosign"
	"github.com/rules-linuxkit/rules_linuxkit/tools/notary"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
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
	fs.BoolVar(&f.force, "force", false, "overwrite <tag>-<arch> (and the arch's entry in the index <tag>) when the registry already has another image there; without it such arches are skipped, since a hash tag names one source tree")
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
	return o
}

// trustFlags configure signing: Docker Content Trust (notary) or cosign.
type trustFlags struct {
	server, dir, ca, signer string
	tokenHosts              stringList
	cosignKey, cosignPub    string
	cosignAttach            string
}

func (t *trustFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.signer, "sign", "notary", "how to sign when content trust is on: notary (Docker Content Trust), cosign (signatures in the registry, --cosign-key) or none")
	fs.StringVar(&t.server, "trust-server", os.Getenv("DOCKER_CONTENT_TRUST_SERVER"), "notary server for content trust (default $DOCKER_CONTENT_TRUST_SERVER, else as docker: "+notary.DefaultServer+" for Docker Hub, https://<registry host> for any other registry)")
	fs.Var(&t.tokenHosts, "trust-token-service", "HOST[:PORT] of a token service the notary server names that may get the registry's credentials although it is neither on the registry's host nor the registry's own token service (repeatable; never over plain HTTP)")
	fs.StringVar(&t.dir, "trust-dir", "", "trust keys and metadata (default $DOCKER_CONFIG/trust, else ~/.docker/trust)")
	fs.StringVar(&t.ca, "trust-ca", "", "PEM file of CAs that sign the notary server's certificate (default: the system's)")
	fs.StringVar(&t.cosignKey, "cosign-key", "", "cosign private key file (cosign generate-key-pair's cosign.key); its password comes from $COSIGN_PASSWORD")
	fs.StringVar(&t.cosignPub, "cosign-pub", "", "cosign public key file to verify with (cosign.pub)")
	fs.StringVar(&t.cosignAttach, "cosign-attach", "auto", "where cosign signatures go: referrers (OCI 1.1 referrers API), tag (sha256-<hex>.sig), or auto (referrers when the registry has the API)")
}

// notary returns a DCT signer that reaches the notary server and its token
// service with reg's credentials and plain-HTTP rule.
func (t *trustFlags) notary(reg registry.Registry) (*notary.Signer, error) {
	cfg := notary.Config{
		Server: t.server, TrustDir: t.dir, Passphrases: &notary.Passphrases{},
		Registry: reg, TokenHosts: t.tokenHosts,
	}
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

// cosign returns a cosign signer (with --cosign-key) or verifier (with
// --cosign-pub only).
func (t *trustFlags) cosign(reg registry.Registry, needKey bool) (*cosign.Signer, error) {
	attach, err := cosign.ParseAttach(t.cosignAttach)
	if err != nil {
		return nil, fmt.Errorf("--cosign-attach: %w", err)
	}
	cfg := cosign.Config{KeyFile: t.cosignKey, Registry: reg, Attach: attach}
	if t.cosignPub != "" {
		b, err := os.ReadFile(t.cosignPub)
		if err != nil {
			return nil, fmt.Errorf("--cosign-pub: %w", err)
		}
		if cfg.PublicKey, err = cosign.ParsePublicKey(b); err != nil {
			return nil, fmt.Errorf("--cosign-pub %s: %w", t.cosignPub, err)
		}
	}
	switch {
	case needKey && t.cosignKey == "":
		return nil, fmt.Errorf("--sign=cosign needs --cosign-key (password in $%s)", cosign.PasswordEnv)
	case !needKey && t.cosignKey == "" && cfg.PublicKey == nil:
		return nil, fmt.Errorf("--sign=cosign needs --cosign-pub (or --cosign-key)")
	}
	return cosign.New(cfg), nil
}

// signerFor returns the signer for p, or nil when signing is off (--sign
// none, or build.yml's disable-content-trust, which turns off every kind).
func (t *trustFlags) signerFor(p *pkg.Package, reg registry.Registry) (sign.Signer, error) {
	if p.Spec.DisableContentTrust {
		return nil, nil
	}
	switch t.signer {
	case "notary":
		return t.notary(reg)
	case "cosign":
		return t.cosign(reg, true)
	case "none":
		return nil, nil
	}
	return nil, fmt.Errorf("--sign %q: want notary, cosign or none", t.signer)
}

// verifier returns what reads signatures back for lkpkg trust.
func (t *trustFlags) verifier(reg registry.Registry) (sign.Verifier, error) {
	switch t.signer {
	case "notary":
		return t.notary(reg)
	case "cosign":
		return t.cosign(reg, false)
	}
	return nil, fmt.Errorf("--sign %q: want notary or cosign", t.signer)
}
