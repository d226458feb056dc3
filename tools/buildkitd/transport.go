package buildkitd

import (
	"fmt"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/loopback"
)

// checkPlaintext refuses a tcp:// address without TLS whose host is not
// loopback, unless t.Insecure: without TLS, any machine on the path can
// answer as the daemon and hand back the layers lkpkg then pushes and
// signs. It reports whether such an address was accepted (to warn). from
// says where the address came from, for the message.
func checkPlaintext(addr, from string, t TLS) (bool, error) {
	if !strings.HasPrefix(addr, "tcp://") || t.Enabled() {
		return false, nil
	}
	host := loopback.Hostname(strings.TrimPrefix(addr, "tcp://"))
	ok, why := loopback.Check(host)
	switch {
	case ok:
		return false, nil
	case t.Insecure:
		return true, nil
	}
	return false, plaintextError(from, host, why)
}

func plaintextError(from, host, why string) error {
	return fmt.Errorf("%s: %s is not loopback (%s) and no TLS files were given, so a machine in the middle could answer as the daemon and choose the layers lkpkg pushes and signs; "+
		"give the daemon's TLS files (--builder-tls-ca, --builder-tls-cert, --builder-tls-key), use a unix:// socket or a loopback tcp:// address, "+
		"or accept the risk with --builder-insecure (`\"insecure\": true` in buildkit.json, or RULES_LINUXKIT_BUILDER_INSECURE=1 where lkpkg runs)", from, host, why)
}

// OnThisMachine reports whether the daemon runs on this machine and shares
// its loopback network: a unix:// socket, or tcp:// to a loopback address.
// Only such a daemon reaches a registry lkpkg serves on 127.0.0.1 (the SBOM
// scanner). A unix socket forwarded from another host (ssh -L) would
// fool it; BuildKit then fails to pull the scanner, naming it.
func (t *Target) OnThisMachine() bool {
	switch {
	case strings.HasPrefix(t.Address, "unix://"):
		return true
	case strings.HasPrefix(t.Address, "tcp://"):
		return loopback.Is(strings.TrimPrefix(t.Address, "tcp://"))
	}
	return false
}
