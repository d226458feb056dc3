package buildkitd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolvePrecedence(t *testing.T) {
	t.Setenv(EnvHost, "tcp://127.0.0.1:1234")
	tg, err := Resolve(context.Background(), "unix:///flag.sock", TLS{}, Connect)
	if err != nil || tg.Address != "unix:///flag.sock" || tg.Local != nil {
		t.Fatalf("flag: %+v, %v", tg, err)
	}
	tg, err = Resolve(context.Background(), "", TLS{}, Connect)
	if err != nil || tg.Address != "tcp://127.0.0.1:1234" {
		t.Fatalf("env: %+v, %v", tg, err)
	}
	if _, err := Resolve(context.Background(), "http://x", TLS{}, Connect); err == nil {
		t.Error("http:// address accepted")
	}
}

func TestResolveConnectDoesNotStart(t *testing.T) {
	machineDirs(t)
	dir := t.TempDir()
	t.Setenv(EnvDir, dir)
	_, err := Resolve(context.Background(), "", TLS{}, Connect)
	if err == nil || !strings.Contains(err.Error(), "lkpkg builder start") {
		t.Fatalf("err = %v, want a hint to run lkpkg builder start", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "buildkitd.pid")); err == nil {
		t.Error("Connect mode started a daemon")
	}
}

func TestTLSOptions(t *testing.T) {
	if _, err := (TLS{CA: "ca.pem"}).ClientOpts("unix:///x.sock"); err == nil {
		t.Error("TLS with a unix socket accepted")
	}
	if _, err := (TLS{Cert: "c.pem"}).ClientOpts("tcp://h:1"); err == nil {
		t.Error("cert without key accepted")
	}
	opts, err := (TLS{CA: "ca.pem", Cert: "c.pem", Key: "k.pem"}).ClientOpts("tcp://h:1")
	if err != nil || len(opts) != 2 {
		t.Errorf("opts = %d, %v", len(opts), err)
	}
	t.Setenv(EnvHost, "")
	if _, err := Resolve(context.Background(), "", TLS{CA: "ca.pem"}, Connect); err == nil {
		t.Error("TLS files without an address accepted")
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv(EnvDir, "")
	t.Setenv("XDG_CACHE_HOME", "/x/cache")
	d, err := DefaultDir()
	if err != nil || d != "/x/cache/rules_linuxkit/buildkit" {
		t.Errorf("DefaultDir = %q, %v", d, err)
	}
	l := &Local{Dir: d}
	if l.Address() != "unix:///x/cache/rules_linuxkit/buildkit/buildkitd.sock" {
		t.Errorf("Address = %s", l.Address())
	}
}

func TestStopWithoutDaemon(t *testing.T) {
	l := &Local{Dir: t.TempDir()}
	if err := l.Stop(context.Background()); err != nil {
		t.Errorf("Stop of a daemon that never ran: %v", err)
	}
	if l.Running(context.Background()) {
		t.Error("Running is true for an empty directory")
	}
}
