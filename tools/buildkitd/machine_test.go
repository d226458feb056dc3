package buildkitd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// machineDirs points the user and system config directories at temp dirs.
func machineDirs(t *testing.T) (user, system string) {
	t.Helper()
	user, system = t.TempDir(), t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", user)
	old := systemConfigDir
	systemConfigDir = system
	t.Cleanup(func() { systemConfigDir = old })
	t.Setenv(EnvHost, "")
	return user, system
}

func writeConfig(t *testing.T, dir, content string) string {
	t.Helper()
	f := filepath.Join(dir, MachineConfigName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestResolveMachineConfig(t *testing.T) {
	user, system := machineDirs(t)
	ctx := context.Background()

	sys := writeConfig(t, system, `{"address": "unix:///run/system.sock"}`)
	tg, err := Resolve(ctx, "", TLS{}, Connect)
	if err != nil || tg.Address != "unix:///run/system.sock" || tg.Source != sys {
		t.Fatalf("system file: %+v, %v", tg, err)
	}

	// The user's file comes before the machine's.
	usr := writeConfig(t, filepath.Join(user, "rules_linuxkit"), `{"address": "tcp://127.0.0.1:1234", "tls": {"ca": "/ca.pem", "cert": "/c.pem", "key": "/k.pem"}}`)
	tg, err = Resolve(ctx, "", TLS{}, Connect)
	if err != nil || tg.Address != "tcp://127.0.0.1:1234" || tg.Source != usr || len(tg.Opts) != 2 {
		t.Fatalf("user file: %+v, %v", tg, err)
	}

	// $BUILDKIT_HOST and the flag come before both files.
	t.Setenv(EnvHost, "unix:///run/env.sock")
	if tg, err = Resolve(ctx, "", TLS{}, Connect); err != nil || tg.Address != "unix:///run/env.sock" {
		t.Fatalf("env over files: %+v, %v", tg, err)
	}
	if tg, err = Resolve(ctx, "unix:///run/flag.sock", TLS{}, Connect); err != nil || tg.Address != "unix:///run/flag.sock" {
		t.Fatalf("flag over all: %+v, %v", tg, err)
	}
}

func TestMachineConfigErrorsNameTheFile(t *testing.T) {
	_, system := machineDirs(t)
	for _, tc := range []struct{ content, want string }{
		{`{"adress": "unix:///x.sock"}`, `unknown field "adress"`},
		{`{"address": "http://x:1"}`, `field "address"`},
		{`not json`, "want JSON"},
		{`{"address": "unix:///a"} {"address": "unix:///b"}`, "one object"},
	} {
		f := writeConfig(t, system, tc.content)
		_, err := Resolve(context.Background(), "", TLS{}, Connect)
		if err == nil || !strings.Contains(err.Error(), f) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want the file name and %q", tc.content, err, tc.want)
		}
	}
	// A FIFO or a device is refused, not read.
	f := filepath.Join(system, MachineConfigName)
	os.Remove(f)
	if err := os.Symlink("/dev/zero", f); err != nil {
		t.Fatal(err)
	}
	if _, err := Resolve(context.Background(), "", TLS{}, Connect); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("/dev/zero: err = %v", err)
	}
}

// In a Bazel action (lkpkg build --hermetic) the user has no lkpkg on PATH: the one
// command the error gives is Bazel's.
func TestResolveActionNamesTheBazelCommand(t *testing.T) {
	user, system := machineDirs(t)
	t.Setenv(EnvDir, t.TempDir())
	_, err := Resolve(context.Background(), "", TLS{}, Action)
	if err == nil {
		t.Fatal("no daemon anywhere, yet Resolve succeeded")
	}
	for _, want := range []string{"$" + EnvHost, filepath.Join(user, "rules_linuxkit", MachineConfigName), filepath.Join(system, MachineConfigName), "bazel run @rules_linuxkit//:buildkitd"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "lkpkg builder start") {
		t.Errorf("error %q names a second command, lkpkg builder start, which a Bazel user may not have", err)
	}
}

func TestResolveConnectSaysWhereItLooked(t *testing.T) {
	user, system := machineDirs(t)
	t.Setenv(EnvDir, t.TempDir())
	_, err := Resolve(context.Background(), "", TLS{}, Connect)
	if err == nil {
		t.Fatal("no daemon anywhere, yet Resolve succeeded")
	}
	for _, want := range []string{"$" + EnvHost, filepath.Join(user, "rules_linuxkit", MachineConfigName), filepath.Join(system, MachineConfigName), "lkpkg builder start"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestDefaultDirWithoutHome(t *testing.T) {
	home := passwdHome()
	if home == "" {
		t.Skip("no home directory in the password database")
	}
	t.Setenv(EnvDir, "")
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	d, err := DefaultDir()
	if err != nil || d != filepath.Join(home, ".cache", "rules_linuxkit", "buildkit") {
		t.Errorf("DefaultDir without $HOME = %q, %v; want the passwd home's cache", d, err)
	}
}

func FuzzMachineConfig(f *testing.F) {
	f.Add([]byte(`{"address": "unix:///run/buildkit/buildkitd.sock"}`))
	f.Add([]byte(`{"address": "tcp://10.0.0.1:1234", "tls": {"ca": "a", "cert": "b", "key": "c", "server_name": "d"}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseMachineConfig(b)
		if err == nil && checkAddress(c.Address) != nil {
			t.Fatalf("accepted bad address %q", c.Address)
		}
	})
}

func TestMachineConfigPlaintextRemote(t *testing.T) {
	_, system := machineDirs(t)
	f := writeConfig(t, system, `{"address": "tcp://192.0.2.7:1234"}`)
	_, err := Resolve(context.Background(), "", TLS{}, Connect)
	if err == nil || !strings.Contains(err.Error(), f) || !strings.Contains(err.Error(), `"insecure": true`) {
		t.Fatalf("plaintext remote daemon from %s: err = %v, want a refusal naming the file and the opt-in", f, err)
	}
	writeConfig(t, system, `{"address": "tcp://192.0.2.7:1234", "insecure": true}`)
	tg, err := Resolve(context.Background(), "", TLS{}, Connect)
	if err != nil || !tg.Insecure {
		t.Fatalf("with \"insecure\": true: %+v, %v; want an accepted, insecure target", tg, err)
	}
}
