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
	usage:   "[--build-yml FILE] DIR...",
}

func init() { validateCommand.run = runValidate }

func runValidate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(&validateCommand, stderr)
	buildYML := fs.String("build-yml", "build.yml", "name of the package's spec file")
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
		fmt.Fprintf(stdout, "ok %s (%s/%s, %d arches)\n", s.File, s.Org, s.Image, len(s.Arches))
	}
	if bad > 0 {
		return errors.New(plural(bad, "package is", "packages are") + " invalid")
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
