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
	summary: "manage the BuildKit daemon: start, status, stop, du, prune",
	usage: `start|status|stop|du|prune [--builder-addr ADDR]

  start   start the local daemon (if not running) and print its address
  status  print the daemon's address, state, version and platforms
  stop    stop the local daemon
  du      print the disk usage of the daemon's build cache (with -v, every
          record), as 'linuxkit pkg builder du' does for its builder
  prune   empty the daemon's build cache

The local daemon lives in $` + buildkitd.EnvDir + ` or
${XDG_CACHE_HOME:-~/.cache}/rules_linuxkit/buildkit (socket, pid file, log,
state). 'lkpkg build' starts it on demand; Bazel actions (--hermetic) only
connect, so start it before 'bazel build' with 'lkpkg builder start' (or
point --builder-addr / $BUILDKIT_HOST at a shared daemon). status, du and
prune act on --builder-addr / $BUILDKIT_HOST when set. One daemon builds
every platform, so linuxkit's --platforms, --builders and --builder-image
are accepted and ignored.`,
}

func init() { builderCommand.run = runBuilder }

func runBuilder(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(&builderCommand, stderr)
	var bf builderFlags
	bf.register(fs)
	for _, n := range []string{"platforms", "builders", "builder-image"} {
		fs.String(n, "", "accepted for linuxkit compatibility and ignored: one daemon builds every platform")
	}
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
	case "du":
		t, err := bf.resolve(ctx, buildkitd.Connect, stderr)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		u, err := buildkitd.DiskUsage(ctx, t.Address, t.Opts...)
		if err != nil {
			return fmt.Errorf("disk usage of BuildKit at %s: %w", t.Address, err)
		}
		printUsageInfo(stdout, u, globalsOf(fs).verbose)
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

// printUsageInfo prints the build cache's usage: with verbose, one line
// per record (largest first), then the totals.
func printUsageInfo(w io.Writer, u *buildkitd.Usage, verbose bool) {
	if verbose {
		fmt.Fprintf(w, "%-27s %-11s %10s  %s\n", "ID", "RECLAIMABLE", "SIZE", "DESCRIPTION")
		for _, r := range u.Records {
			fmt.Fprintf(w, "%-27s %-11t %10s  %s\n", r.ID, !r.InUse, megabytes(r.Size), r.Description)
		}
	}
	fmt.Fprintf(w, "records: %d\nreclaimable: %s\ntotal: %s\n", len(u.Records), megabytes(u.Reclaimable), megabytes(u.Total))
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
