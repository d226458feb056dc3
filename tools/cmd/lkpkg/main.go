// Command lkpkg builds, pushes and signs LinuxKit packages. Its subcommands
// follow `linuxkit pkg` (show-tag, build, push, manifest), and Bazel's
// actions run the same binary, so the CLI and the rules share every line of
// hashing, building, pushing and signing.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string
	// aliases are other names of the command, as linuxkit's cobra
	// commands have them (manifest's "index").
	aliases []string
	run     func(args []string, stdout, stderr io.Writer) error
}

// commands holds pointers because each command's run func is set in an
// init func (it refers back to the command for its usage text).
var commands = []*command{
	&showTagCommand,
	&validateCommand,
	&buildCommand,
	&builderCommand,
	&pushCommand,
	&manifestCommand,
	&trustCommand,
	&remoteTagCommand,
	&sbomCommand,
	&mergeOutputsCommand,
	&checkAttrsCommand,
	&updateHashesCommand,
}

// errUsage asks main to exit with status 2 after the usage was printed.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	// `lkpkg -q pkg show-tag ...` reads like `linuxkit -q pkg show-tag ...`,
	// so scripts written for linuxkit work with only the binary's name
	// changed: linuxkit's global flags and `pkg` may come first.
	globals, args, err := splitGlobals(args)
	if err != nil {
		fmt.Fprintf(stderr, "lkpkg: %v\n\n", err)
		printUsage(stderr)
		return 2
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c := findCommand(args[0])
	if c == nil {
		fmt.Fprintf(stderr, "lkpkg: unknown command %q\n\n", args[0])
		printUsage(stderr)
		return 2
	}
	err = c.run(withGlobals(args[1:], globals), stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "lkpkg %s: %v\n", c.name, err)
		return 1
	}
}

// findCommand returns the command called name (or aliased so), or nil.
func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name || slices.Contains(c.aliases, name) {
			return c
		}
	}
	return nil
}

// withGlobals hands the global flags to the command after its own
// arguments (a subcommand name, as trust's, stays first), before any "--".
func withGlobals(args, globals []string) []string {
	if len(globals) == 0 {
		return args
	}
	i := slices.Index(args, "--")
	if i < 0 {
		i = len(args)
	}
	return slices.Concat(args[:i], globals, args[i:])
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "lkpkg builds, pushes and signs LinuxKit packages.")
	fmt.Fprintln(w, "\nUsage: lkpkg [--cache DIR] [-v|-q] [pkg] <command> [flags] DIR...")
	fmt.Fprintln(w, "\nCommands:")
	sorted := append([]*command(nil), commands...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, c := range sorted {
		summary := c.summary
		if len(c.aliases) > 0 {
			summary += " (also: " + strings.Join(c.aliases, ", ") + ")"
		}
		fmt.Fprintf(w, "  %-13s %s\n", c.name, summary)
	}
	fmt.Fprintln(w, "\n'lkpkg pkg <command>' is the same as 'lkpkg <command>', as in 'linuxkit pkg <command>'.")
	fmt.Fprintln(w, "Global flags, before the command (or among its flags): --cache DIR, -v/--verbose, -q/--quiet.")
	fmt.Fprintln(w, "\nRun 'lkpkg <command> -h' for a command's flags.")
}

// parse parses flags anywhere among the arguments, as linuxkit's cobra
// commands do, and returns the positional arguments. Both -flag and --flag
// work, so seed-era `linuxkit pkg build -org=wombat DIR` lines still parse.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// parseDirs parses args like parse and requires at least one package
// directory, printing the usage when there is none.
func parseDirs(fs *flag.FlagSet, args []string) ([]string, error) {
	dirs, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		fs.Usage()
		return nil, errUsage
	}
	return dirs, nil
}

// newFlagSet returns a flag set that prints the command's usage on -h.
func newFlagSet(c *command, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("lkpkg "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	registerGlobals(fs, &globalOpts{})
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: lkpkg %s %s\n\n%s\n\nFlags:\n", c.name, c.usage, c.summary)
		fs.PrintDefaults()
	}
	return fs
}
