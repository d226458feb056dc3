package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
)

var showTagCommand = command{
	name:    "show-tag",
	summary: "print each package's org/image:tag, as `linuxkit pkg show-tag` does",
	usage: `[--canonical] [--org ORG] [--hash H] [--hash-dir DIR [--strict-deps]] [--output FILE] DIR...

Every build.yml linuxkit accepts gets the tag linuxkit gives it; what lkpkg
would rather see written otherwise is printed as a warning on stderr (see
'lkpkg validate --strict').`,
}

func init() { showTagCommand.run = runShowTag }

func runShowTag(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(&showTagCommand, stderr)
	var flags pkgFlags
	flags.register(fs)
	canonical := fs.Bool("canonical", false, "print the canonical name, e.g. docker.io/linuxkit/foo:1234")
	output := fs.String("output", "", "write the tags to FILE instead of standard output (what Bazel's tag action does)")
	// linuxkit's --registry-creds is a flag of every pkg command, so a
	// script may pass it here too: checked and warned about, not used.
	var rf registryFlags
	fs.Var(&rf.creds, "registry-creds", "accepted, as linuxkit's pkg commands accept it; show-tag contacts no registry")
	dirs, err := parseDirs(fs, args)
	if err != nil {
		return err
	}
	if err := rf.check(stderr); err != nil {
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
		// Bazel's tag action (--output) stays quiet; validate reports there.
		if *output == "" {
			printWarnings(stderr, p.Spec.Warnings)
		}
		ref := p.Ref()
		if *canonical {
			ref = pkg.Canonical(ref)
		}
		refs = append(refs, ref)
	}
	var out strings.Builder
	for _, ref := range refs {
		fmt.Fprintln(&out, ref)
	}
	if *output != "" {
		return os.WriteFile(*output, []byte(out.String()), 0o644)
	}
	_, err = io.WriteString(stdout, out.String())
	return err
}
