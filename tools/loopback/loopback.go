// Package loopback answers one question for every package that decides
// whether plain (unencrypted) traffic may go to a host: is that host this
// machine? Registries, notary token services and BuildKit tcp:// addresses
// all use the same rule.
package loopback

import (
	"context"
	"net"
	"strings"
	"time"
)

// lookup resolves names; tests replace it.
var lookup = net.DefaultResolver.LookupIPAddr

// resolveTimeout bounds the name lookup: an answer that slow is a remote
// resolver, not /etc/hosts.
const resolveTimeout = 2 * time.Second

// Is reports whether host ("host", "host:port", "[v6]:port") is this
// machine: a literal loopback address (127.0.0.0/8, ::1), or a name that
// resolves, now, only to loopback addresses. A name is never trusted for its
// spelling: "*.localhost" counts only when it resolves to loopback, since
// DNS can point such a name anywhere.
func Is(host string) bool {
	ok, _ := Check(host)
	return ok
}

// Check is Is, and says why a host is not loopback, for error messages.
func Check(host string) (bool, string) {
	h := Hostname(host)
	if h == "" {
		return false, "no host"
	}
	if ip := net.ParseIP(h); ip != nil {
		if ip.IsLoopback() {
			return true, ""
		}
		return false, "an address on the network"
	}
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	addrs, err := lookup(ctx, h)
	if err != nil {
		return false, "cannot resolve it: " + err.Error()
	}
	if len(addrs) == 0 {
		return false, "it resolves to no address"
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return false, "it resolves to " + a.IP.String()
		}
	}
	return true, ""
}

// Hostname strips the port and IPv6 brackets from host.
func Hostname(host string) string {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	return strings.Trim(h, "[]")
}
