package buildkitd

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/moby/buildkit/client"
)

// TLS is client-side mTLS material for a tcp:// daemon.
type TLS struct {
	// CA is the CA certificate that signed the daemon's certificate.
	CA string
	// Cert and Key are the client certificate and key.
	Cert, Key string
	// ServerName overrides the name checked in the daemon's certificate
	// (default: the host of the address).
	ServerName string
	// Insecure accepts a tcp:// daemon on a host that is not loopback
	// without TLS (--builder-insecure); Resolve refuses one otherwise.
	Insecure bool
}

// Enabled reports whether any TLS file was given.
func (t TLS) Enabled() bool { return t.CA != "" || t.Cert != "" || t.Key != "" }

// ClientOpts returns the BuildKit client options for t and addr.
func (t TLS) ClientOpts(addr string) ([]client.ClientOpt, error) {
	if !t.Enabled() {
		return nil, nil
	}
	if !strings.HasPrefix(addr, "tcp://") {
		return nil, fmt.Errorf("TLS files were given but %s is not a tcp:// address", addr)
	}
	if (t.Cert == "") != (t.Key == "") {
		return nil, fmt.Errorf("--builder-tls-cert and --builder-tls-key go together")
	}
	name := t.ServerName
	if name == "" {
		host := strings.TrimPrefix(addr, "tcp://")
		if i := strings.LastIndexByte(host, ':'); i >= 0 {
			host = host[:i]
		}
		name = strings.Trim(host, "[]")
	}
	var opts []client.ClientOpt
	if t.CA != "" {
		opts = append(opts, client.WithServerConfig(name, t.CA))
	} else {
		opts = append(opts, client.WithServerConfigSystem(name))
	}
	if t.Cert != "" {
		opts = append(opts, client.WithCredentials(t.Cert, t.Key))
	}
	return opts, nil
}

// Mode says what Resolve may do when no address is configured.
type Mode int

const (
	// Start starts the local daemon when it does not run (the CLI).
	Start Mode = iota
	// Connect only connects to a running local daemon and never starts
	// one (the CLI's builder status and stop).
	Connect
	// Action is Connect in a Bazel action (lkpkg build --hermetic), since a
	// daemon must not be started inside a sandboxed action and outlive it.
	// Its error names the Bazel command that starts the daemon: a Bazel user
	// runs a prebuilt lkpkg that is not on PATH.
	Action
)

// startCommand is the one command that starts the local daemon, as an error
// message of the mode gives it.
func (m Mode) startCommand() string {
	if m == Action {
		return "`bazel run @rules_linuxkit//:buildkitd`"
	}
	return "`lkpkg builder start`"
}

// Target is a resolved daemon.
type Target struct {
	// Address is what client.New is given.
	Address string
	// Local is the on-demand daemon when Address is its socket, else nil.
	Local *Local
	// Opts are the client options (TLS).
	Opts []client.ClientOpt
	// Source says where Address came from, for messages: "--builder-addr",
	// "$BUILDKIT_HOST", a machine config file, or "the local daemon".
	Source string
	// Insecure is set when Address is a plaintext tcp:// daemon on another
	// host, accepted because TLS.Insecure was: callers warn about it.
	Insecure bool
}

// Resolve picks the daemon. This is the one place that decides it, for the
// CLI and for Bazel actions alike; first match wins:
//
//  1. addr (the CLI's --builder-addr; Bazel actions never pass one)
//  2. $BUILDKIT_HOST in the environment lkpkg runs in
//  3. the machine config file (MachineConfigFiles)
//  4. the local daemon in DefaultDir(), started on demand in Start mode
//
// Nothing Bazel puts in an action key (arguments, action environment,
// build settings) takes part: where BuildKit runs is resolved on the
// machine that executes the action.
func Resolve(ctx context.Context, addr string, tls TLS, mode Mode) (*Target, error) {
	source := "--builder-addr"
	if addr == "" {
		addr, source = os.Getenv(EnvHost), "$"+EnvHost
	}
	if addr == "" {
		mc, err := LoadMachineConfig()
		if err != nil {
			return nil, err
		}
		if mc != nil {
			addr, source = mc.Address, mc.File
			if !tls.Enabled() {
				insecure := tls.Insecure || mc.Insecure
				tls = mc.tls()
				tls.Insecure = insecure
			}
		}
	}
	if addr != "" {
		if err := checkAddress(addr); err != nil {
			return nil, fmt.Errorf("builder address from %s: %w", source, err)
		}
		opts, err := tls.ClientOpts(addr)
		if err != nil {
			return nil, err
		}
		insecure, err := checkPlaintext(addr, source+" ("+addr+")", tls)
		if err != nil {
			return nil, err
		}
		return &Target{Address: addr, Opts: opts, Source: source, Insecure: insecure}, nil
	}
	if tls.Enabled() {
		return nil, fmt.Errorf("TLS files were given without --builder-addr or %s", EnvHost)
	}
	l, err := NewLocal("")
	if err != nil {
		return nil, err
	}
	switch mode {
	case Connect, Action:
		if !l.Running(ctx) {
			if err := l.busy(); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("no BuildKit daemon: looked for --builder-addr, $%s, %s, then the local daemon at %s, which does not run; start it, outside the build, with %s, or name a daemon in one of those files",
				EnvHost, strings.Join(MachineConfigFiles(), " and "), l.Address(), mode.startCommand())
		}
	default:
		if _, err := l.Ensure(ctx); err != nil {
			return nil, err
		}
	}
	return &Target{Address: l.Address(), Local: l, Source: "the local daemon"}, nil
}

// checkAddress accepts the address forms BuildKit's client dials.
func checkAddress(addr string) error {
	if !strings.HasPrefix(addr, "unix://") && !strings.HasPrefix(addr, "tcp://") {
		return fmt.Errorf("%q: use unix:///path/to/socket or tcp://host:port", addr)
	}
	return nil
}

// Client connects to the target.
func (t *Target) Client(ctx context.Context) (*client.Client, error) {
	c, err := client.New(ctx, t.Address, t.Opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to BuildKit at %s: %w", t.Address, err)
	}
	return c, nil
}

// Status probes the target.
func (t *Target) Status(ctx context.Context) (Status, error) {
	if t.Local != nil {
		return t.Local.Status(ctx)
	}
	return Probe(ctx, t.Address, 5*time.Second, t.Opts...)
}
