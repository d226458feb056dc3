package buildkitd

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"
)

// checkPlaintext refuses a tcp:// address without TLS whose host is not
// loopback, unless t.Insecure: without TLS, any machine on the path can
// answer as the daemon and hand back the layers lkpkg then pushes and
// signs. It reports whether such an address was accepted (to warn). from
// says where the address came from, for the message.
func checkPlaintext(ctx context.Context, addr, from string, t TLS) (bool, error) {
	if !strings.HasPrefix(addr, "tcp://") || t.Enabled() {
		return false, nil
	}
	host := strings.TrimPrefix(addr, "tcp://")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	loopback, why := isLoopback(ctx, host)
	if loopback {
		return false, nil
	}
	if t.Insecure {
		return true, nil
	}
	return false, fmt.Errorf("%s: %s is not loopback (%s) and no TLS files were given, so a machine in the middle could answer as the daemon and choose the layers lkpkg pushes and signs; "+
		"give the daemon's TLS files (--builder-tls-ca, --builder-tls-cert, --builder-tls-key), use a unix:// socket or a loopback tcp:// address, "+
		"or pass --builder-insecure to accept the risk", from, host, why)
}

// isLoopback reports whether host is a loopback IP, or a name that
// resolves to loopback addresses only; else it says why not.
func isLoopback(ctx context.Context, host string) (bool, string) {
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() {
			return true, ""
		}
		return false, "an address on the network"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return false, fmt.Sprintf("cannot resolve it: %v", err)
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
