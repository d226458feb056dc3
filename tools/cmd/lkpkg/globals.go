package main

import (
	"flag"
	"strings"
)

// linuxkit's root command has persistent flags that go before the command
// (`linuxkit --cache DIR -v pkg build ...`) and are accepted after it too.
// lkpkg reads them in front of the command (and of `pkg`), hands them on
// to the command as ordinary flags, and every command's flag set knows
// them (newFlagSet), so either position works.

// globalFlag is one of linuxkit's persistent root flags.
type globalFlag struct {
	names    []string // spellings without dashes
	takesArg bool
}

var globalFlags = []globalFlag{
	{names: []string{"cache"}, takesArg: true},
	{names: []string{"v", "verbose"}},
	{names: []string{"q", "quiet"}},
}

// splitGlobals takes the global flags off the front of args (before and
// after `pkg`) and returns them, as flags a command's flag set parses, with
// the rest of the arguments (starting with the command name).
func splitGlobals(args []string) (globals, rest []string, err error) {
	for len(args) > 0 {
		a := args[0]
		if a == "pkg" {
			args = args[1:]
			continue
		}
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" || a == "-h" || a == "--help" || a == "-help" {
			break
		}
		nameVal := strings.TrimLeft(a, "-")
		n, val, hasVal := strings.Cut(nameVal, "=")
		g := lookupGlobal(n)
		if g == nil {
			return nil, nil, &unknownGlobalError{flag: a}
		}
		switch {
		case g.takesArg && !hasVal:
			if len(args) < 2 {
				return nil, nil, &unknownGlobalError{flag: a, missing: true}
			}
			globals = append(globals, "--"+g.names[0]+"="+args[1])
			args = args[2:]
			continue
		case hasVal:
			globals = append(globals, "--"+g.names[0]+"="+val)
		default:
			globals = append(globals, "--"+g.names[0])
		}
		args = args[1:]
	}
	return globals, args, nil
}

func lookupGlobal(n string) *globalFlag {
	for i, g := range globalFlags {
		for _, s := range g.names {
			if s == n {
				return &globalFlags[i]
			}
		}
	}
	return nil
}

type unknownGlobalError struct {
	flag    string
	missing bool
}

func (e *unknownGlobalError) Error() string {
	if e.missing {
		return e.flag + " needs a value (a directory)"
	}
	return "unknown flag " + e.flag + " before the command: only --cache DIR, -v/--verbose and -q/--quiet go there (linuxkit's global flags); put the command's own flags after it"
}

// globalOpts are the values of the global flags as a command sees them.
type globalOpts struct {
	// cache is linuxkit's --cache: where built images are kept. For lkpkg
	// it is the store of build outputs ('' means the default store).
	cache          string
	verbose, quiet bool
}

// registerGlobals adds the global flags to a command's flag set.
func registerGlobals(fs *flag.FlagSet, g *globalOpts) {
	fs.StringVar(&g.cache, "cache", "", "directory where build outputs are kept and looked up (linuxkit's --cache; default ${XDG_CACHE_HOME:-~/.cache}/rules_linuxkit/images)")
	for _, n := range []string{"v", "verbose"} {
		fs.BoolVar(&g.verbose, n, false, "verbose: plain progress, with the output of every build step")
	}
	for _, n := range []string{"q", "quiet"} {
		fs.BoolVar(&g.quiet, n, false, "quiet: no progress output")
	}
}

// globalsOf returns the global flag values parsed by fs (made by newFlagSet).
func globalsOf(fs *flag.FlagSet) globalOpts {
	var g globalOpts
	if f := fs.Lookup("cache"); f != nil {
		g.cache = f.Value.String()
	}
	if f := fs.Lookup("verbose"); f != nil {
		g.verbose = f.Value.String() == "true"
	}
	if f := fs.Lookup("quiet"); f != nil {
		g.quiet = f.Value.String() == "true"
	}
	return g
}

// progressMode maps -v/-q onto a --progress value: -q wins (quiet), -v
// asks for plain output, otherwise the command's own --progress stands.
func (g globalOpts) progressMode(given string) string {
	switch {
	case g.quiet:
		return "quiet"
	case g.verbose:
		return "plain"
	}
	return given
}
