package notary

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// passConfig writes a linuxkit config.yml with the passphrase command cmd
// and the extra pkg: lines.
func passConfig(t *testing.T, cmd string, extra ...string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "config.yml")
	body := "pkg:\n  content-trust-passphrase-command: " + strconv.Quote(cmd) + "\n"
	for _, e := range extra {
		body += "  " + e + "\n"
	}
	if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// gone reports whether pid has exited (a zombie nobody reaped counts).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

// waitGone waits up to 3s for the pid written to pidFile to exit.
func waitGone(t *testing.T, pidFile string) {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the command did not start its child: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if gone(pid) {
			return
		}
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	t.Errorf("the command's child %d outlived it", pid)
}

// hangs is a command that never finishes and leaves a grandchild whose
// pid it writes to pidFile (the limits in the tests leave it a second to
// get there, on a loaded machine).
func hangs(pidFile string) string {
	return "sleep 3600 & echo $! > " + pidFile + "; sleep 3600; echo never"
}

func TestPassphraseCommandTimeout(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	cfg := passConfig(t, hangs(pidFile), "content-trust-passphrase-timeout: 1s")
	p := &Passphrases{Getenv: func(string) string { return "" }, ConfigFile: cfg}
	start := time.Now()
	_, _, err := p.Retriever()("abc", "targets", false, 0)
	took := time.Since(start)
	if err == nil {
		t.Fatal("a command that never finishes gave a passphrase")
	}
	t.Logf("error: %v (after %v)", err, took)
	if took > 5*time.Second {
		t.Errorf("took %v with a 1s limit", took)
	}
	for _, want := range []string{cfg, "content-trust-passphrase-command", "did not finish within 1s", "content-trust-passphrase-timeout", EnvPassphraseTimeout} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	waitGone(t, pidFile)
}

func TestPassphraseCommandTimeoutFromEnv(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	cfg := passConfig(t, hangs(pidFile), "content-trust-passphrase-timeout: 1h")
	env := map[string]string{EnvPassphraseTimeout: "1s"}
	p := &Passphrases{Getenv: func(k string) string { return env[k] }, ConfigFile: cfg}
	start := time.Now()
	if _, _, err := p.lookup("targets"); err == nil || time.Since(start) > 5*time.Second || !strings.Contains(err.Error(), "within 1s") {
		t.Fatalf("$%s=1s: %v after %v", EnvPassphraseTimeout, err, time.Since(start))
	}
	waitGone(t, pidFile)
}

// Cancelling lkpkg (Ctrl-C, SIGTERM) kills the command's whole group.
func TestPassphraseCommandCancelled(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	p := &Passphrases{Getenv: func(string) string { return "" }, ConfigFile: passConfig(t, hangs(pidFile))}
	ctx, cancel := context.WithCancel(context.Background())
	p.use(ctx)
	go func() {
		for i := 0; i < 100; i++ {
			if _, err := os.Stat(pidFile); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	_, _, err := p.lookup("targets")
	if err == nil || !strings.Contains(err.Error(), "cancel") || time.Since(start) > 5*time.Second {
		t.Fatalf("cancelled: %v after %v", err, time.Since(start))
	}
	waitGone(t, pidFile)
}

func TestPassphraseCommandFailureHidesOutput(t *testing.T) {
	const secret = "hunter2-passphrase-xyz"
	cfg := passConfig(t, "echo "+secret+"; echo 'wrong key: "+secret+"' >&2; exit 3")
	p := &Passphrases{Getenv: func(string) string { return "" }, ConfigFile: cfg}
	_, _, err := p.Retriever()("abc", "targets", false, 0)
	if err == nil {
		t.Fatal("a failing command gave a passphrase")
	}
	t.Logf("error: %v", err)
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error shows the command's output: %v", err)
	}
	for _, want := range []string{cfg, "content-trust-passphrase-command", "exit status 3"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestPassphraseTimeoutInvalid(t *testing.T) {
	cfg := passConfig(t, "echo x", "content-trust-passphrase-timeout: soon")
	p := &Passphrases{Getenv: func(string) string { return "" }, ConfigFile: cfg}
	_, _, err := p.lookup("targets")
	if err == nil || !strings.Contains(err.Error(), cfg) || !strings.Contains(err.Error(), "content-trust-passphrase-timeout") || !strings.Contains(err.Error(), `"soon"`) {
		t.Fatalf("bad timeout: %v", err)
	}
}
