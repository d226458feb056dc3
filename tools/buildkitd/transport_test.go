package buildkitd

import (
	"context"
	"strings"
	"testing"
)

// A tcp:// daemon without TLS on another host could be impersonated by a
// machine in the middle, which would then choose the layers lkpkg pushes
// and signs: refused unless the user accepts it with --builder-insecure.
func TestResolveRefusesPlaintextRemote(t *testing.T) {
	ctx := context.Background()
	t.Setenv(EnvHost, "")
	for _, addr := range []string{"tcp://10.1.2.3:1234", "tcp://[2001:db8::1]:1234", "tcp://buildkit.invalid:1234"} {
		_, err := Resolve(ctx, addr, TLS{}, Connect)
		if err == nil {
			t.Errorf("%s without TLS accepted", addr)
			continue
		}
		for _, want := range []string{addr, "not loopback", "--builder-tls-ca", "--builder-insecure"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not mention %q", addr, err, want)
			}
		}
		tg, err := Resolve(ctx, addr, TLS{Insecure: true}, Connect)
		if err != nil || !tg.Insecure {
			t.Errorf("%s with Insecure: %+v, %v; want accepted and marked insecure", addr, tg, err)
		}
	}
	// From the environment: the message names the variable.
	t.Setenv(EnvHost, "tcp://10.1.2.3:1234")
	if _, err := Resolve(ctx, "", TLS{}, Connect); err == nil || !strings.Contains(err.Error(), EnvHost) {
		t.Errorf("BUILDKIT_HOST=tcp://10.1.2.3:1234: err = %v, want a refusal naming %s", err, EnvHost)
	}
}

func TestResolveAcceptsLoopbackAndTLS(t *testing.T) {
	ctx := context.Background()
	t.Setenv(EnvHost, "")
	for _, addr := range []string{"tcp://127.0.0.1:1234", "tcp://127.1.2.3:1", "tcp://[::1]:1234", "tcp://localhost:1234"} {
		tg, err := Resolve(ctx, addr, TLS{}, Connect)
		if err != nil || tg.Insecure {
			t.Errorf("%s: %+v, %v; want accepted", addr, tg, err)
		}
	}
	tg, err := Resolve(ctx, "tcp://10.1.2.3:1234", TLS{CA: "ca.pem", Cert: "c.pem", Key: "k.pem"}, Connect)
	if err != nil || tg.Insecure {
		t.Errorf("remote with mTLS: %+v, %v; want accepted", tg, err)
	}
}

// Only a unix socket or a loopback tcp:// daemon shares this machine's
// 127.0.0.1.
func TestOnThisMachine(t *testing.T) {
	for addr, want := range map[string]bool{
		"unix:///run/buildkit/buildkitd.sock": true,
		"tcp://127.0.0.1:1234":                true,
		"tcp://[::1]:1234":                    true,
		"tcp://192.0.2.7:1234":                false,
		"docker-container://buildkitd":        false,
	} {
		if got := (&Target{Address: addr}).OnThisMachine(); got != want {
			t.Errorf("%s: OnThisMachine %v, want %v", addr, got, want)
		}
	}
}
