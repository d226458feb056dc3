package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/rules-linuxkit/rules_linuxkit/tools/cosign"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
)

// cosignFlags configure cosign signatures (--sign=cosign).
type cosignFlags struct {
	key, pub, attach string
}

func (t *cosignFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.key, "cosign-key", "", "cosign private key file (cosign generate-key-pair's cosign.key): signs the pushed tags, and each arch image's SPDX SBOM as a cosign attestation (sha256-<hex>.att); its password comes from $COSIGN_PASSWORD")
	fs.StringVar(&t.pub, "cosign-pub", "", "cosign public key file to verify with (cosign.pub)")
	fs.StringVar(&t.attach, "cosign-attach", "auto", "where cosign signatures go: referrers (OCI 1.1 referrers API), tag (sha256-<hex>.sig), or auto (referrers when the registry has the API)")
}

func (t *cosignFlags) signer(reg registry.Registry) (sign.Signer, error) { return t.cosign(reg, true) }
func (t *cosignFlags) verifier(reg registry.Registry) (sign.Verifier, error) {
	return t.cosign(reg, false)
}

// cosign returns a cosign signer (with --cosign-key) or verifier (with
// --cosign-pub only).
func (t *cosignFlags) cosign(reg registry.Registry, needKey bool) (*cosign.Signer, error) {
	attach, err := cosign.ParseAttach(t.attach)
	if err != nil {
		return nil, fmt.Errorf("--cosign-attach: %w", err)
	}
	cfg := cosign.Config{KeyFile: t.key, Registry: reg, Attach: attach}
	if t.pub != "" {
		b, err := os.ReadFile(t.pub)
		if err != nil {
			return nil, fmt.Errorf("--cosign-pub: %w", err)
		}
		if cfg.PublicKey, err = cosign.ParsePublicKey(b); err != nil {
			return nil, fmt.Errorf("--cosign-pub %s: %w", t.pub, err)
		}
	}
	switch {
	case needKey && t.key == "":
		return nil, fmt.Errorf("--sign=cosign needs --cosign-key (password in $%s)", cosign.PasswordEnv)
	case !needKey && t.key == "" && cfg.PublicKey == nil:
		return nil, fmt.Errorf("--sign=cosign needs --cosign-pub (or --cosign-key)")
	}
	return cosign.New(cfg), nil
}
