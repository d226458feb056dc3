package loopback

import (
	"context"
	"errors"
	"net"
	"testing"
)

func fakeDNS(t *testing.T, names map[string][]string) {
	t.Helper()
	old := lookup
	t.Cleanup(func() { lookup = old })
	lookup = func(_ context.Context, h string) ([]net.IPAddr, error) {
		ips, ok := names[h]
		if !ok {
			return nil, errors.New("no such host")
		}
		var out []net.IPAddr
		for _, s := range ips {
			out = append(out, net.IPAddr{IP: net.ParseIP(s)})
		}
		return out, nil
	}
}

func TestIs(t *testing.T) {
	fakeDNS(t, map[string][]string{
		"localhost":          {"127.0.0.1", "::1"},
		"reg.localhost":      {"10.1.2.3"}, // DNS may point *.localhost anywhere
		"mixed.example":      {"127.0.0.1", "192.0.2.7"},
		"dev.example":        {"127.0.0.53"},
		"empty.example":      {},
		"unresolved.example": nil,
	})
	for host, want := range map[string]bool{
		"127.0.0.1":            true,
		"127.0.0.1:5000":       true,
		"127.9.8.7":            true,
		"[::1]:5000":           true,
		"::1":                  true,
		"localhost:5000":       true,
		"dev.example":          true,
		"reg.localhost:5000":   false,
		"nothere.localhost":    false, // does not resolve
		"mixed.example":        false,
		"empty.example":        false,
		"unresolved.example":   false,
		"10.0.0.1:5000":        false,
		"0.0.0.0:5000":         false,
		"[::]:5000":            false,
		"":                     false,
		"192.168.1.10:5000":    false,
		"ghcr.io":              false,
		"[::ffff:127.0.0.1]:1": true, // v4-mapped loopback is loopback
	} {
		if got := Is(host); got != want {
			t.Errorf("Is(%q) = %v, want %v", host, got, want)
		}
	}
}
