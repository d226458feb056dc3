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
	"sort"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string
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
	&indexCommand,
	&checkAttrsCommand,
}

// errUsage asks main to exit with status 2 after the usage was printed.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	// `lkpkg pkg show-tag ...` reads like `linuxkit pkg show-tag ...`, so
	// scripts written for linuxkit work with only the binary's name changed.
	if len(args) > 0 && args[0] == "pkg" {
		args = args[1:]
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(args[1:], stdout, stderr)
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
	}
	fmt.Fprintf(stderr, "lkpkg: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "lkpkg builds, pushes and signs LinuxKit packages.")
	fmt.Fprintln(w, "\nUsage: lkpkg <command> [flags] DIR...")
	fmt.Fprintln(w, "\nCommands:")
	sorted := append([]*command(nil), commands...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, c := range sorted {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
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
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: lkpkg %s %s\n\n%s\n\nFlags:\n", c.name, c.usage, c.summary)
		fs.PrintDefaults()
	}
	return fs
}
