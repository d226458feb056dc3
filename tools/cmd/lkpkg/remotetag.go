package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
)

var remoteTagCommand = command{
	name:    "remote-tag",
	summary: "tag an image in the registry with another tag, without pulling it, as `linuxkit pkg remote-tag` does",
	usage: `[--registry R] [--force] FROM TO

FROM is org/image:tag or org/image@sha256:...; TO is org/image:tag (a
missing tag is "latest"; --registry goes before both, otherwise the name's
own registry or Docker Hub). TO is written to name the same manifest or
index as FROM; in another repository the blobs are copied too.

When TO already names that manifest, nothing is written. When it names
another one, the command fails and writes nothing, unlike linuxkit (which
overwrites it): a published tag is never rewritten here. --force
overwrites it. The new tag is not signed, as with linuxkit.`,
}

func init() { remoteTagCommand.run = runRemoteTag }

func runRemoteTag(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(&remoteTagCommand, stderr)
	var rf registryFlags
	rf.register(fs, true)
	force := fs.Bool("force", false, "overwrite TO when it already names another image")
	// linuxkit's remote-tag has a --release flag it does not use; accept
	// it so that command lines written for linuxkit still parse.
	fs.String("release", "", "accepted for linuxkit compatibility; unused, as in linuxkit")
	refs, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(refs) != 2 {
		fs.Usage()
		return errUsage
	}
	if err := rf.check(stderr); err != nil {
		return err
	}
	rf.progress = globalsOf(fs).progressMode(rf.progress)
	o := rf.options(stderr)
	o.Force = *force
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := push.RemoteTag(ctx, refs[0], refs[1], o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s %s\n", rep.To, rep.Digest)
	return nil
}
