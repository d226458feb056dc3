package testenv

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"testing"
)

// Docker is a running Docker engine of a test's own.
type Docker struct {
	// Host is its DOCKER_HOST: unix://<dir>/docker.sock.
	Host string
}

// StartDocker starts a real dockerd (Debian's docker.io, which
// scripts/buildkit-setup installs) as root, with its data, exec root and
// socket in a temporary directory, no iptables rules and no bridge: it
// only stores images. It is stopped when the test ends.
func StartDocker(tb testing.TB) *Docker {
	tb.Helper()
	if os.Geteuid() != 0 {
		unavailable(tb, "needs root to run dockerd")
	}
	bin, err := exec.LookPath("dockerd")
	if err != nil {
		unavailable(tb, "dockerd is not installed (Debian's docker.io)")
	}
	// A short directory: unix socket paths are limited to 107 bytes.
	dir, err := os.MkdirTemp("", "dk")
	if err != nil {
		tb.Fatal(err)
	}
	sock := filepath.Join(dir, "docker.sock")
	logf, err := os.Create(filepath.Join(dir, "dockerd.log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "--iptables=false", "--ip-masq=false", "--bridge=none",
		"--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"), "-H", "unix://"+sock)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group: the containerd it starts is stopped with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		tb.Fatalf("starting dockerd: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		logf.Close()
		if tb.Failed() {
			if b, err := os.ReadFile(logf.Name()); err == nil {
				if len(b) > 4000 {
					b = b[len(b)-4000:]
				}
				tb.Logf("dockerd log (tail):\n%s", b)
			}
		}
		removeAll(tb, dir)
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("unix", sock)
		if err == nil {
			c.Close()
			return &Docker{Host: "unix://" + sock}
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(logf.Name())
			tb.Fatalf("dockerd exited:\n%s", b)
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("dockerd did not listen on %s within 30s", sock)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
