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

	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
)

var trustCommand = command{
	name:    "trust",
	summary: "show what is signed: lkpkg trust inspect IMAGE[:TAG]...",
	usage: `inspect [flags] IMAGE[:TAG]...

Lists the Docker Content Trust signatures of IMAGE (every signed tag, or
just TAG) on --trust-server, and checks each against the registry: ok when
the registry serves the signed digest, MISMATCH when it serves something
else, MISSING when the tag is gone. IMAGE is fully qualified
(registry/org/image); a name without a registry is Docker Hub's. Exits 1
if anything is unsigned or does not match.

--fresh reads the trust data with an empty trust dir, trusting the
collection's root on first use, as a new machine would.`,
}

func init() { trustCommand.run = runTrust }

func runTrust(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "inspect" && args[0] != "-h" && args[0] != "--help") {
		fmt.Fprintf(stderr, "Usage: lkpkg trust %s\n", trustCommand.usage)
		return errUsage
	}
	fs := newFlagSet(&trustCommand, stderr)
	var rf registryFlags
	rf.register(fs)
	var tf trustFlags
	tf.register(fs)
	fresh := fs.Bool("fresh", false, "use an empty trust dir (trust on first use)")
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
	s, err := tf.notary()
	if err != nil {
		return err
	}
	if *fresh {
		tmp, err := os.MkdirTemp("", "lkpkg-trust")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		s = s.Reader(tmp)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	reg := rf.options(nil).Registry
	bad := 0
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
			case push.IsNotFound(err):
				state, bad = "MISSING", bad+1
			case err != nil:
				return fmt.Errorf("reading %s:%s from the registry: %w", repo, sig.Tag, err)
			case d.Digest != sig.Digest || d.Size != sig.Size:
				state, bad = "MISMATCH (registry: "+d.Digest.String()+")", bad+1
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", repo, sig.Tag, sig.Digest, sig.Size, sig.Signer, state)
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
