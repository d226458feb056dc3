package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
)

// signers is every way lkpkg signs, in the order --sign's usage lists
// them; the first is the default. Adding a signer is its package
// (sign.Signer and sign.Verifier, plus sign.Checker or sign.FreshVerifier
// where they apply) and one entry here with the type holding its flags.
//
// It is a table in the CLI rather than sign.Register calls from each
// signer's init: a signer's flags, their defaults and their errors are the
// CLI's business, not the library's; the whole set is in one place, where
// the test checks it against the usage; and nothing depends on which
// packages happen to be linked in.
var signers = []signerKind{
	{name: "notary", summary: "Docker Content Trust", flags: func() signerFlags { return &notaryFlags{} }},
	{name: "cosign", summary: "signatures in the registry, --cosign-key", flags: func() signerFlags { return &cosignFlags{} }},
}

// signNone is the --sign value that turns signing off.
const signNone = "none"

// signerKind is one entry of signers.
type signerKind struct {
	name, summary string
	flags         func() signerFlags
}

// signerFlags are one signer's flags and what they make.
type signerFlags interface {
	register(fs *flag.FlagSet)
	// signer is what signs pushed tags (lkpkg push, build --push, manifest).
	signer(reg registry.Registry) (sign.Signer, error)
	// verifier reads signatures back (lkpkg trust inspect).
	verifier(reg registry.Registry) (sign.Verifier, error)
}

// trustFlags configure signing: --sign picks the signer, and every
// signer's own flags are registered (the flag set is parsed before --sign
// is known).
type trustFlags struct {
	signer string
	kinds  map[string]signerFlags
}

func (t *trustFlags) register(fs *flag.FlagSet) {
	var kinds []string
	t.kinds = map[string]signerFlags{}
	for _, k := range signers {
		f := k.flags()
		f.register(fs)
		t.kinds[k.name] = f
		kinds = append(kinds, k.name+" ("+k.summary+")")
	}
	fs.StringVar(&t.signer, "sign", signers[0].name, "how to sign when content trust is on: "+orList(append(kinds, signNone)))
}

// signerFor returns the signer for p, or nil when signing is off (--sign
// none, or build.yml's disable-content-trust, which turns off every kind).
func (t *trustFlags) signerFor(p *pkg.Package, reg registry.Registry) (sign.Signer, error) {
	if p.Spec.DisableContentTrust || t.signer == signNone {
		return nil, nil
	}
	if f, ok := t.kinds[t.signer]; ok {
		return f.signer(reg)
	}
	return nil, fmt.Errorf("--sign %q: want %s", t.signer, orList(append(signerNames(), signNone)))
}

// verifier returns what reads signatures back for lkpkg trust.
func (t *trustFlags) verifier(reg registry.Registry) (sign.Verifier, error) {
	if f, ok := t.kinds[t.signer]; ok {
		return f.verifier(reg)
	}
	return nil, fmt.Errorf("--sign %q: want %s", t.signer, orList(signerNames()))
}

// signerNames lists the names of signers.
func signerNames() []string {
	var names []string
	for _, k := range signers {
		names = append(names, k.name)
	}
	return names
}

// orList spells items as "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
