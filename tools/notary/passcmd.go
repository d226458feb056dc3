package notary

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// EnvPassphraseTimeout bounds the passphrase command (a Go duration such
// as 30s or 2m); it wins over config.yml's
// pkg: content-trust-passphrase-timeout:.
const EnvPassphraseTimeout = "LKPKG_PASSPHRASE_TIMEOUT"

// DefaultPassphraseTimeout is how long the passphrase command may run.
const DefaultPassphraseTimeout = 60 * time.Second

// maxPassphraseOutput caps what is read from the command: a passphrase is
// one line, not a file.
const maxPassphraseOutput = 64 << 10

// capped keeps the first maxPassphraseOutput bytes written to it.
type capped struct{ bytes.Buffer }

func (c *capped) Write(p []byte) (int, error) {
	if room := maxPassphraseOutput - c.Len(); room > 0 {
		if len(p) > room {
			c.Buffer.Write(p[:room])
		} else {
			c.Buffer.Write(p)
		}
	}
	return len(p), nil
}

// runPassCommand runs line with sh -c and returns its stdout. The command
// runs in its own process group, which is killed when it outlives timeout,
// when ctx ends (lkpkg interrupted), and once it has finished (nothing it
// spawned lingers); on Linux the kernel kills the shell if lkpkg dies. Its stderr
// goes nowhere (a failing tool may print the secret there) and errors say
// only how it ended. file names config.yml in errors.
func runPassCommand(ctx context.Context, line, file string, timeout time.Duration) ([]byte, error) {
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(tctx, "sh", "-c", line)
	cmd.SysProcAttr = passCommandAttr()
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A grandchild holding stdout open must not keep Wait waiting.
	cmd.WaitDelay = time.Second
	var out capped
	cmd.Stdout = &out
	what := "content-trust-passphrase-command in " + file
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s could not start: %w", what, err)
	}
	err := cmd.Wait()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if err == nil {
		return out.Bytes(), nil
	}
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%s was stopped: %w", what, ctx.Err())
	case errors.Is(tctx.Err(), context.DeadlineExceeded):
		return nil, fmt.Errorf("%s did not finish within %v and was killed; raise pkg: content-trust-passphrase-timeout: in %s or $%s (a duration such as 2m)", what, timeout, file, EnvPassphraseTimeout)
	}
	how := err.Error()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		how = ee.ProcessState.String()
	}
	return nil, fmt.Errorf("%s failed with %s; its output is not shown (it may hold the passphrase): run the command yourself to see why", what, how)
}

// passTimeout picks the command's time limit: the Passphrases field, else
// $LKPKG_PASSPHRASE_TIMEOUT, else config.yml's field, else 60s.
func (p *Passphrases) passTimeout(fromConfig, file string) (time.Duration, error) {
	if p.Timeout > 0 {
		return p.Timeout, nil
	}
	if v := p.getenv(EnvPassphraseTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("$%s=%q is not a positive duration: set it to e.g. 60s or 2m", EnvPassphraseTimeout, v)
		}
		return d, nil
	}
	if fromConfig != "" {
		d, err := time.ParseDuration(fromConfig)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("pkg: content-trust-passphrase-timeout: in %s is %q, not a positive duration: write e.g. 60s or 2m", file, fromConfig)
		}
		return d, nil
	}
	return DefaultPassphraseTimeout, nil
}
