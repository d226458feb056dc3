package main

import (
	"crypto/x509"
	"flag"
	"fmt"
	"os"

	"github.com/rules-linuxkit/rules_linuxkit/tools/notary"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
)

// notaryFlags configure Docker Content Trust (--sign=notary).
type notaryFlags struct {
	server, dir, ca string
	tokenHosts      stringList
}

func (t *notaryFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.server, "trust-server", os.Getenv("DOCKER_CONTENT_TRUST_SERVER"), "notary server for content trust (default $DOCKER_CONTENT_TRUST_SERVER, else as docker: "+notary.DefaultServer+" for Docker Hub, https://<registry host> for any other registry)")
	fs.Var(&t.tokenHosts, "trust-token-service", "HOST[:PORT] of a token service the notary server names that may get the registry's credentials although it is neither on the registry's host nor the registry's own token service (repeatable; never over plain HTTP)")
	fs.StringVar(&t.dir, "trust-dir", "", "trust keys and metadata (default $DOCKER_CONFIG/trust, else ~/.docker/trust)")
	fs.StringVar(&t.ca, "trust-ca", "", "PEM file of CAs that sign the notary server's certificate (default: the system's)")
}

func (t *notaryFlags) signer(reg registry.Registry) (sign.Signer, error)     { return t.notary(reg) }
func (t *notaryFlags) verifier(reg registry.Registry) (sign.Verifier, error) { return t.notary(reg) }

// notary returns a DCT signer that reaches the notary server and its token
// service with reg's credentials and plain-HTTP rule.
func (t *notaryFlags) notary(reg registry.Registry) (*notary.Signer, error) {
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
