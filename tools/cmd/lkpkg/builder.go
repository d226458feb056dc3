package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rules-linuxkit/rules_linuxkit/tools/buildkitd"
)

var builderCommand = command{
	name:    "builder",
	summary: "manage the BuildKit daemon: start, status, stop, prune",
	usage: `start|status|stop|prune [--builder-addr ADDR]

  start   start the local daemon (if not running) and print its address
  status  print the daemon's address, state, version and platforms
  stop    stop the local daemon
  prune   empty the daemon's build cache

The local daemon lives in $` + buildkitd.EnvDir + ` or
${XDG_CACHE_HOME:-~/.cache}/rules_linuxkit/buildkit (socket, pid file, log,
state). 'lkpkg build' starts it on demand; Bazel actions (--hermetic) only
connect, so start it before 'bazel build' with 'lkpkg builder start' (or
point --builder-addr / $BUILDKIT_HOST at a shared daemon). status and prune
act on --builder-addr / $BUILDKIT_HOST when set.`,
}

func init() { builderCommand.run = runBuilder }

func runBuilder(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(&builderCommand, stderr)
	var bf builderFlags
	bf.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	ctx := context.Background()
	local, err := buildkitd.NewLocal("")
	if err != nil {
		return err
	}
	switch pos[0] {
	case "start":
		addr, err := local.Ensure(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, addr)
		return nil
	case "stop":
		return local.Stop(ctx)
	case "status":
		configured := bf.addr != "" || os.Getenv(buildkitd.EnvHost) != ""
		t, err := bf.resolve(ctx, buildkitd.Connect, stderr)
		var st buildkitd.Status
		switch {
		case err != nil && configured:
			return err
		case err != nil:
			// The local daemon does not run: report it rather than fail.
			st, err = local.Status(ctx)
		default:
			st, err = t.Status(ctx)
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, st)
		if !st.Running {
			return errors.New("not running")
		}
		return nil
	case "prune":
		t, err := bf.resolve(ctx, buildkitd.Connect, stderr)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		defer cancel()
		freed, err := buildkitd.Prune(ctx, t.Address, t.Opts...)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "freed %.1f MB\n", float64(freed)/1e6)
		return nil
	}
	fs.Usage()
	return errUsage
}
