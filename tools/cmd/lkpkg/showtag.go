package main

import (
	"fmt"
	"io"

	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
)

var showTagCommand = command{
	name:    "show-tag",
	summary: "print each package's org/image:tag, as `linuxkit pkg show-tag` does",
	usage:   "[--canonical] [--org ORG] [--hash H] DIR...",
}

func init() { showTagCommand.run = runShowTag }

func runShowTag(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(&showTagCommand, stderr)
	var flags pkgFlags
	flags.register(fs)
	canonical := fs.Bool("canonical", false, "print the canonical name, e.g. docker.io/linuxkit/foo:1234")
	dirs, err := parseDirs(fs, args)
	if err != nil {
		return err
	}
	opts := flags.options(fs)
	// Load every package before printing any tag: a script reading the
	// output must not see a partial list followed by an error.
	refs := make([]string, 0, len(dirs))
	for _, dir := range dirs {
		p, err := pkg.Load(dir, opts)
		if err != nil {
			return err
		}
		ref := p.Ref()
		if *canonical {
			ref = pkg.Canonical(ref)
		}
		refs = append(refs, ref)
	}
	for _, ref := range refs {
		fmt.Fprintln(stdout, ref)
	}
	return nil
}
