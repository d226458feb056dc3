package buildkitd

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFakeDaemon is not a test: run as a child (FAKE_BUILDKITD=1), it
// stands for a buildkitd. With FAKE_BUILDKITD_LISTEN set it listens on that
// unix socket and accepts connections without ever answering: a live but
// slow daemon. Its command line holds the flags given after "--".
func TestFakeDaemon(t *testing.T) {
	if os.Getenv("FAKE_BUILDKITD") != "1" {
		t.Skip("run by startFake")
	}
	if sock := os.Getenv("FAKE_BUILDKITD_LISTEN"); sock != "" {
		ln, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		var held []net.Conn
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				held = append(held, c)
			}
		}()
	}
	time.Sleep(time.Hour)
}

// startFake starts the test binary (named buildkitd.test, so a name check
// takes it for a buildkitd) as a fake daemon with args on its command line.
func startFake(t *testing.T, listen string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestFakeDaemon$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "FAKE_BUILDKITD=1", "FAKE_BUILDKITD_LISTEN="+listen)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	if listen != "" {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(listen); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the fake daemon did not listen")
			}
		}
	}
	return cmd
}

func alive(cmd *exec.Cmd) bool {
	return syscall.Kill(cmd.Process.Pid, 0) == nil && !isZombie(cmd.Process.Pid)
}

func writePID(t *testing.T, l *Local, pid int) {
	t.Helper()
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.PIDFile(), []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// shortDir is a directory whose socket path fits in sun_path.
func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "bk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// A daemon that is alive but slower than the probe is busy, not stale:
// start must leave it running and say how to stop it.
func TestStartLeavesSlowDaemonAlone(t *testing.T) {
	l := &Local{Dir: shortDir(t), Buildkitd: "/bin/false", StartTimeout: 2 * time.Second}
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	fake := startFake(t, l.Socket(), "--root", l.Root(), "--addr", l.Address())
	writePID(t, l, fake.Process.Pid)

	_, err := l.Ensure(context.Background())
	if !alive(fake) {
		t.Fatal("lkpkg builder start killed a live daemon that answered slowly")
	}
	if err == nil {
		t.Fatal("Ensure succeeded with a daemon that does not answer")
	}
	for _, want := range []string{"busy", strconv.Itoa(fake.Process.Pid), "lkpkg builder stop"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	// Stopping is explicit and does stop it.
	if err := l.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if alive(fake) {
		t.Error("lkpkg builder stop left our daemon running")
	}
}

// The pid file may name a process that is not this directory's daemon
// (a reused pid, another user's buildkitd): it is never signalled.
func TestNeverKillsOtherProcesses(t *testing.T) {
	other := filepath.Join(shortDir(t), "elsewhere")
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) *exec.Cmd
	}{
		{"buildkitd of another directory", func(t *testing.T) *exec.Cmd {
			return startFake(t, "", "--root", filepath.Join(other, "root"), "--addr", "unix://"+filepath.Join(other, "buildkitd.sock"))
		}},
		{"unrelated process", func(t *testing.T) *exec.Cmd {
			cmd := exec.Command("sleep", "300")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			return cmd
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proc := tc.start(t)
			l := &Local{Dir: shortDir(t), Buildkitd: "/bin/false", StartTimeout: 2 * time.Second}
			writePID(t, l, proc.Process.Pid)
			_, _ = l.Ensure(context.Background()) // /bin/false: the start itself fails
			if !alive(proc) {
				t.Fatal("builder start killed a process that is not its daemon")
			}
			writePID(t, l, proc.Process.Pid)
			if err := l.Stop(context.Background()); err != nil {
				t.Errorf("Stop: %v", err)
			}
			if !alive(proc) {
				t.Fatal("builder stop killed a process that is not its daemon")
			}
		})
	}
}
