package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/cosign"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
)

var trustCommand = command{
	name:    "trust",
	summary: "show what is signed: lkpkg trust inspect IMAGE[:TAG]...; make a cosign key pair",
	usage: `inspect [flags] IMAGE[:TAG]...
       lkpkg trust generate-key-pair [--output-key-prefix cosign]

inspect lists the signatures of IMAGE (every signed tag, or just TAG) and
checks each against the registry: ok when the registry serves the signed
digest, MISMATCH when it serves something else, MISSING when the tag is
gone, UNSIGNED when TAG has no valid signature. IMAGE is fully qualified
(registry/org/image); a name without a registry is Docker Hub's. Exits 1
if anything is unsigned or does not match.

--sign=notary (default): Docker Content Trust signatures on
--trust-server. --fresh reads the trust data with an empty trust dir,
trusting the collection's root on first use, as a new machine would.

--sign=cosign: cosign signatures in the registry (OCI referrers or the
sha256-<hex>.sig tag), verified with --cosign-pub (PEM public key, as
cosign.pub). Only signatures by that key count. A second table lists the
attestations (sha256-<hex>.att, e.g. the SPDX SBOM lkpkg push attaches
to each arch's image) of the signed tags whose signature by that key
verifies and whose statement is about the tag's digest.

generate-key-pair writes PREFIX.key (ECDSA P-256, encrypted with
$COSIGN_PASSWORD, in cosign's format) and PREFIX.pub, as 'cosign
generate-key-pair' does; it never overwrites them.`,
}

func init() { trustCommand.run = runTrust }

func runTrust(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "generate-key-pair" {
		return runGenerateKeyPair(args[1:], stdout, stderr)
	}
	if len(args) == 0 || (args[0] != "inspect" && args[0] != "-h" && args[0] != "--help") {
		fmt.Fprintf(stderr, "Usage: lkpkg trust %s\n", trustCommand.usage)
		return errUsage
	}
	fs := newFlagSet(&trustCommand, stderr)
	var rf registryFlags
	rf.register(fs, true)
	var tf trustFlags
	tf.register(fs)
	fresh := fs.Bool("fresh", false, "notary: use an empty trust dir (trust on first use)")
	if args[0] == "inspect" {
		args = args[1:]
	}
	refs, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(refs) == 0 {
		fs.Usage()
		return errUsage
	}
	if err := rf.check(stderr); err != nil {
		return err
	}
	reg := rf.options(nil).Registry
	s, err := tf.verifier(reg)
	if err != nil {
		return err
	}
	if *fresh {
		fv, ok := s.(sign.FreshVerifier)
		if !ok {
			return fmt.Errorf("--fresh: --sign=%s keeps no trust data on this machine, so there is nothing to start afresh from", tf.signer)
		}
		tmp, err := os.MkdirTemp("", "lkpkg-trust")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		s = fv.Fresh(tmp)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bad := 0
	at, _ := s.(sign.Attester)
	var attested []string // rows of the attestations table
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tTAG\tDIGEST\tSIZE\tSIGNER\tREGISTRY")
	for _, r := range refs {
		repoStr, tagStr := r, ""
		if t, err := name.NewTag(r, name.WeakValidation); err == nil && hasExplicitTag(r) {
			repoStr, tagStr = t.Context().String(), t.TagStr()
		}
		repo, err := reg.Repository(repoStr)
		if err != nil {
			return err
		}
		var sigs []sign.Signature
		if tagStr != "" {
			sig, err := s.Signed(ctx, repo.Tag(tagStr))
			if errors.Is(err, sign.ErrNotSigned) {
				fmt.Fprintf(stderr, "%v\n", err)
				fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\tUNSIGNED\n", repo, tagStr)
				bad++
				continue
			}
			if err != nil {
				return err
			}
			sigs = []sign.Signature{*sig}
		} else {
			sigs, err = s.List(ctx, repo)
			if err != nil {
				return err
			}
		}
		opts := reg.Options()
		for _, sig := range sigs {
			state := "ok"
			d, err := remote.Head(repo.Tag(sig.Tag), append(opts, remote.WithContext(ctx))...)
			switch {
			case registry.IsNotFound(err):
				state, bad = "MISSING", bad+1
			case err != nil:
				return fmt.Errorf("reading %s:%s from the registry: %w", repo, sig.Tag, err)
			case d.Digest != sig.Digest || d.Size != sig.Size:
				state, bad = "MISMATCH (registry: "+d.Digest.String()+")", bad+1
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", repo, sig.Tag, sig.Digest, sig.Size, sig.Signer, state)
			if at == nil {
				continue
			}
			types, err := at.Attested(ctx, repo.Digest(sig.Digest.String()))
			if err != nil {
				return fmt.Errorf("reading the attestations of %s:%s: %w", repo, sig.Tag, err)
			}
			for _, pt := range types {
				attested = append(attested, fmt.Sprintf("%s\t%s\t%s\t%s\n", repo, sig.Tag, pt, sig.Signer))
			}
		}
	}
	if len(attested) > 0 {
		fmt.Fprintln(tw, "\nIMAGE\tTAG\tATTESTATION\tSIGNER")
		for _, row := range attested {
			fmt.Fprint(tw, row)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d tags are unsigned or do not match their signature", bad)
	}
	return nil
}

// hasExplicitTag reports whether ref ends in :tag (not a port).
func hasExplicitTag(ref string) bool {
	for i := len(ref) - 1; i >= 0; i-- {
		switch ref[i] {
		case ':':
			return true
		case '/':
			return false
		}
	}
	return false
}

// runGenerateKeyPair writes a cosign key pair.
func runGenerateKeyPair(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(&trustCommand, stderr)
	prefix := fs.String("output-key-prefix", "cosign", "write PREFIX.key and PREFIX.pub")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		fs.Usage()
		return errUsage
	}
	pw, ok := os.LookupEnv(cosign.PasswordEnv)
	if !ok {
		return fmt.Errorf("set $%s to the password for the private key (it may be empty); there is no prompt", cosign.PasswordEnv)
	}
	keyPath, pubPath := *prefix+".key", *prefix+".pub"
	for _, p := range []string{keyPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists: not overwriting it", p)
		}
	}
	priv, pub, err := cosign.GenerateKeyPair([]byte(pw))
	if err != nil {
		return err
	}
	if err := writeNew(keyPath, priv, 0o600); err != nil {
		return err
	}
	if err := writeNew(pubPath, pub, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Private key written to %s\nPublic key written to %s\n", keyPath, pubPath)
	return nil
}

// writeNew creates path (which must not exist) with data.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
