package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

var validateCommand = command{
	name:    "validate",
	summary: "check each package's build.yml and Dockerfile, reporting every problem",
	usage: `[--strict] [--build-yml FILE] DIR...

Errors are what neither lkpkg nor linuxkit can use. Warnings are what
linuxkit accepts, and lkpkg too, with linuxkit's meaning, but would rather
see written otherwise: keys with no value, no arches, an empty org or tag,
YAML 1.1 booleans (yes, off...), duplicate arches, a second YAML document,
a missing Dockerfile. --strict makes the warnings errors.`,
}

func init() { validateCommand.run = runValidate }

func runValidate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(&validateCommand, stderr)
	buildYML := fs.String("build-yml", "build.yml", "name of the package's spec file")
	strict := fs.Bool("strict", false, "treat warnings as errors")
	dirs, err := parseDirs(fs, args)
	if err != nil {
		return err
	}
	// Keep going past a bad package so one run reports them all.
	bad := 0
	for _, dir := range dirs {
		s, err := spec.LoadFile(dir, *buildYML)
		if err != nil {
			bad++
			fmt.Fprintln(stderr, err)
			continue
		}
		if *strict && len(s.Warnings) > 0 {
			bad++
			for _, w := range s.Warnings {
				fmt.Fprintln(stderr, w)
			}
			continue
		}
		printWarnings(stderr, s.Warnings)
		arches := plural(len(s.Arches), "arch", "arches")
		if s.NoArches() {
			arches = "no arches"
		}
		fmt.Fprintf(stdout, "ok %s (%s/%s, %s)\n", s.File, s.Org, s.Image, arches)
	}
	if bad > 0 {
		return errors.New(plural(bad, "package is", "packages are") + " invalid")
	}
	return nil
}

// printWarnings prints what a build.yml has that linuxkit accepts and
// lkpkg would rather see written otherwise.
func printWarnings(w io.Writer, warnings []*spec.Error) {
	for _, e := range warnings {
		fmt.Fprintln(w, "warning:", e)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
