// Package buildkitd finds the BuildKit daemon lkpkg talks to and manages the
// embedded default: a buildkitd (OCI worker, runc, overlayfs snapshotter)
// started on demand on a unix socket under the user's cache directory and
// reused by later builds.
//
// Address resolution (Resolve): an explicit address (--builder-addr), then
// BUILDKIT_HOST, then the machine config file, then the local daemon. Only the CLI starts the local daemon
// (Ensure); Bazel actions must never start a daemon that outlives them, so
// they find an address where they execute or an already running local
// daemon (Action mode), and fail with a message naming `bazel run @rules_linuxkit//:buildkitd` otherwise.
//
// The local daemon's directory (Dir) holds:
//
//	buildkitd.sock   the gRPC socket
//	buildkitd.pid    the daemon's process id
//	buildkitd.log    its stdout and stderr
//	lock             flock'ed while a daemon is being started or stopped, so
//	                 two concurrent lkpkg invocations start one daemon
//	root/            buildkitd --root: snapshots, content, cache
package buildkitd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moby/buildkit/client"
)

// EnvHost is the environment variable buildctl and buildx also read.
const EnvHost = "BUILDKIT_HOST"

// EnvDir overrides the local daemon's directory.
const EnvDir = "RULES_LINUXKIT_BUILDKIT_DIR"

// EnvBuildkitd names the buildkitd binary to run (default: found on PATH or
// in the cache scripts/buildkit-setup fills).
const EnvBuildkitd = "RULES_LINUXKIT_BUILDKITD"

// SetupHint is appended to errors about missing binaries.
const SetupHint = "run scripts/buildkit-setup (as root) to install buildkitd, buildctl, runc and QEMU"

// binCacheGlob is where scripts/buildkit-setup caches the binaries it builds.
var binCacheGlob = "/var/cache/rules_linuxkit/bin/buildkit-*/"

// DefaultDir returns the local daemon's directory:
// $RULES_LINUXKIT_BUILDKIT_DIR, else ${XDG_CACHE_HOME:-~/.cache}/rules_linuxkit/buildkit.
func DefaultDir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return filepath.Abs(d)
	}
	c, err := os.UserCacheDir()
	if err != nil {
		// Bazel actions run without $HOME: the same daemon as the user's
		// CLI is under the home directory the password database names.
		h := passwdHome()
		if h == "" {
			return "", fmt.Errorf("no cache directory for the local BuildKit daemon (set %s or XDG_CACHE_HOME): %w", EnvDir, err)
		}
		c = filepath.Join(h, ".cache")
	}
	return filepath.Join(c, "rules_linuxkit", "buildkit"), nil
}

// Local is the embedded, on-demand daemon living in Dir.
type Local struct {
	// Dir is the daemon's directory; see the package comment.
	Dir string
	// Buildkitd is the binary; empty means FindBinary("buildkitd").
	Buildkitd string
	// Args are extra buildkitd flags.
	Args []string
	// StartTimeout bounds how long Ensure waits for the socket (default 30s).
	StartTimeout time.Duration
}

// NewLocal returns the local daemon in dir, or in DefaultDir() if dir is "".
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return &Local{Dir: abs}, nil
}

// Socket is the path of the daemon's unix socket.
func (l *Local) Socket() string { return filepath.Join(l.Dir, "buildkitd.sock") }

// Address is the daemon's address, unix://<Dir>/buildkitd.sock.
func (l *Local) Address() string { return "unix://" + l.Socket() }

// PIDFile is the path of the daemon's pid file.
func (l *Local) PIDFile() string { return filepath.Join(l.Dir, "buildkitd.pid") }

// LogFile is the path of the daemon's log.
func (l *Local) LogFile() string { return filepath.Join(l.Dir, "buildkitd.log") }

// Root is the daemon's state directory (buildkitd --root).
func (l *Local) Root() string { return filepath.Join(l.Dir, "root") }

// FindBinary looks a BuildKit or runtime binary up: $RULES_LINUXKIT_BUILDKITD
// for buildkitd, then PATH (plus /usr/sbin and /sbin), then the cache that
// scripts/buildkit-setup fills. The error names the setup script.
func FindBinary(name string) (string, error) {
	if name == "buildkitd" {
		if b := os.Getenv(EnvBuildkitd); b != "" {
			if !isExecutable(b) {
				return "", fmt.Errorf("%s=%s is not an executable file: %s", EnvBuildkitd, b, SetupHint)
			}
			return b, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range []string{"/usr/local/sbin", "/usr/sbin", "/sbin"} {
		if p := filepath.Join(d, name); isExecutable(p) {
			return p, nil
		}
	}
	matches, _ := filepath.Glob(binCacheGlob + name)
	sort.Sort(sort.Reverse(sort.StringSlice(matches)))
	for _, m := range matches {
		if isExecutable(m) {
			return m, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH: %s", name, SetupHint)
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// Status describes a daemon.
type Status struct {
	// Address is the daemon's address.
	Address string
	// Running is true when the daemon answers.
	Running bool
	// PID is the local daemon's process id (0 if unknown or remote).
	PID int
	// Version is buildkitd's version, e.g. v0.34.2.
	Version string
	// Platforms are the platforms the default worker can build for.
	Platforms []string
}

// String formats the status for `lkpkg builder status`.
func (s Status) String() string {
	if !s.Running {
		return fmt.Sprintf("address:   %s\nrunning:   no", s.Address)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "address:   %s\nrunning:   yes", s.Address)
	if s.PID != 0 {
		fmt.Fprintf(&b, " (pid %d)", s.PID)
	}
	fmt.Fprintf(&b, "\nversion:   %s\nplatforms: %s", s.Version, strings.Join(s.Platforms, ", "))
	return b.String()
}

// Probe connects to addr and reports the daemon's version and platforms.
// It returns an error when nothing answers within timeout.
func Probe(ctx context.Context, addr string, timeout time.Duration, opts ...client.ClientOpt) (Status, error) {
	st := Status{Address: addr}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := client.New(ctx, addr, opts...)
	if err != nil {
		return st, err
	}
	defer c.Close()
	info, err := c.Info(ctx)
	if err != nil {
		return st, err
	}
	ws, err := c.ListWorkers(ctx)
	if err != nil {
		return st, err
	}
	st.Running = true
	st.Version = info.BuildkitVersion.Version
	seen := map[string]bool{}
	for _, w := range ws {
		for _, p := range w.Platforms {
			s := p.OS + "/" + p.Architecture
			if p.Variant != "" {
				s += "/" + p.Variant
			}
			if !seen[s] {
				seen[s] = true
				st.Platforms = append(st.Platforms, s)
			}
		}
	}
	return st, nil
}

// Status reports whether the local daemon runs, without starting it.
func (l *Local) Status(ctx context.Context) (Status, error) {
	st := Status{Address: l.Address()}
	if _, err := os.Stat(l.Socket()); err != nil {
		return st, nil
	}
	s, err := Probe(ctx, l.Address(), 3*time.Second)
	if err != nil {
		return st, nil
	}
	s.PID, _ = l.pid()
	return s, nil
}

// Running reports whether the local daemon answers on its socket.
func (l *Local) Running(ctx context.Context) bool {
	st, _ := l.Status(ctx)
	return st.Running
}

func (l *Local) pid() (int, error) {
	b, err := os.ReadFile(l.PIDFile())
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// lock takes the directory's lock (blocking), creating the directory.
func (l *Local) lock() (func(), error) {
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(l.Dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// Ensure starts the local daemon unless it already runs, and returns its
// address. Concurrent callers (in this or other processes) start one daemon.
// The daemon runs in its own session and outlives the caller; stop it with
// Stop.
func (l *Local) Ensure(ctx context.Context) (string, error) {
	if l.Running(ctx) {
		return l.Address(), nil
	}
	unlock, err := l.lock()
	if err != nil {
		return "", err
	}
	defer unlock()
	// Someone else may have started it while we waited for the lock.
	if l.Running(ctx) {
		return l.Address(), nil
	}
	if err := l.start(ctx); err != nil {
		return "", err
	}
	return l.Address(), nil
}

// maxSocketPath is the longest unix socket path Linux accepts (sun_path).
const maxSocketPath = 107

func (l *Local) start(ctx context.Context) error {
	// A pid file naming our daemon, alive, means it is busy: it did not
	// answer the probe in time. Killing it would abort its builds.
	if err := l.busy(); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("the embedded BuildKit daemon needs root (OCI worker with runc and overlayfs); run lkpkg as root, or point --builder-addr / %s at a running buildkitd (rootless or remote)", EnvHost)
	}
	if len(l.Socket()) > maxSocketPath {
		return fmt.Errorf("socket path %s is longer than %d bytes; set %s to a shorter directory", l.Socket(), maxSocketPath, EnvDir)
	}
	bin := l.Buildkitd
	if bin == "" {
		b, err := FindBinary("buildkitd")
		if err != nil {
			return err
		}
		bin = b
	}
	runc, err := FindBinary("runc")
	if err != nil {
		return err
	}
	// What is left is a stale pid file (no process, or a process that is
	// not our daemon and is left alone) and a stale socket.
	_ = os.Remove(l.PIDFile())
	_ = os.Remove(l.Socket())
	if err := os.MkdirAll(l.Root(), 0o700); err != nil {
		return err
	}
	logf, err := os.OpenFile(l.LogFile(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "--- %s: starting %s\n", time.Now().UTC().Format(time.RFC3339), bin)

	args := []string{
		"--root", l.Root(),
		"--addr", l.Address(),
		"--oci-worker=true",
		"--oci-worker-snapshotter=overlayfs",
		"--oci-worker-binary=" + runc,
		"--containerd-worker=false",
	}
	args = append(args, l.Args...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = l.Dir
	// runc and the QEMU interpreters must be found whatever the caller's PATH.
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(runc)+":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	// Its own session: no signal sent to the caller's terminal or process
	// group (Ctrl-C on lkpkg, Bazel killing an action) reaches it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	pid := cmd.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if err := os.WriteFile(l.PIDFile(), []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
		_ = cmd.Process.Kill()
		return err
	}

	timeout := l.StartTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("buildkitd exited during start (%v); its log %s ends with:\n%s", err, l.LogFile(), tail(l.LogFile(), 15))
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := os.Stat(l.Socket()); err == nil {
			if _, err := Probe(ctx, l.Address(), 2*time.Second); err == nil {
				return nil
			}
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return fmt.Errorf("buildkitd did not answer on %s within %s; its log %s ends with:\n%s", l.Socket(), timeout, l.LogFile(), tail(l.LogFile(), 15))
		}
	}
}

// Stop stops the local daemon (SIGTERM, then SIGKILL after 10s). Stopping a
// daemon that does not run is not an error.
func (l *Local) Stop(ctx context.Context) error {
	unlock, err := l.lock()
	if err != nil {
		return err
	}
	defer unlock()
	pid, err := l.pid()
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("%s: %w", l.PIDFile(), err)
	}
	if processAlive(pid) && l.owns(pid) {
		if err := killAndWait(pid, 10*time.Second); err != nil {
			return err
		}
	}
	_ = os.Remove(l.PIDFile())
	_ = os.Remove(l.Socket())
	return nil
}

func processAlive(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil && !isZombie(pid)
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

// busy returns an error saying so when our daemon's process is alive
// although it did not answer: called after a failed probe.
func (l *Local) busy() error {
	pid, err := l.pid()
	if err != nil || !processAlive(pid) || !l.owns(pid) {
		return nil
	}
	return fmt.Errorf("the BuildKit daemon in %s (pid %d) runs but did not answer on %s within the probe's time: it is busy (or stuck); "+
		"retry later, or stop it with `lkpkg builder stop` (with %s=%s) and start it again", l.Dir, pid, l.Socket(), EnvDir, l.Dir)
}

// owns reports whether pid is this directory's daemon: its command line
// has our --root or our --addr, as start passes them. The pid file alone
// proves nothing: the pid may have been reused by any process, including
// another buildkitd (another user's, another directory's).
func (l *Local) owns(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	for i, a := range args {
		next := ""
		if i+1 < len(args) {
			next = args[i+1]
		}
		switch {
		case a == "--root" && next == l.Root(), a == "--root="+l.Root(),
			a == "--addr" && next == l.Address(), a == "--addr="+l.Address():
			return true
		}
	}
	return false
}

func killAndWait(pid int, grace time.Duration) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	if waitGone(pid, grace) {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	if waitGone(pid, 5*time.Second) {
		return nil
	}
	return fmt.Errorf("buildkitd (pid %d) did not exit after SIGKILL", pid)
}

func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log)"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Prune removes everything from the daemon's build cache and returns the
// number of bytes freed.
func Prune(ctx context.Context, addr string, opts ...client.ClientOpt) (int64, error) {
	c, err := client.New(ctx, addr, opts...)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	ch := make(chan client.UsageInfo)
	var freed int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for u := range ch {
			freed += u.Size
		}
	}()
	err = c.Prune(ctx, ch, client.PruneAll)
	close(ch)
	<-done
	return freed, err
}
