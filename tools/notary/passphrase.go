package notary

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	notarylib "github.com/theupdateframework/notary"
	"gopkg.in/yaml.v3"
)

// Environment variables Docker reads passphrases from.
const (
	EnvRootPassphrase       = "DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE"
	EnvRepositoryPassphrase = "DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE"
)

// Passphrases finds the passphrases of trust keys without ever prompting:
// the root key's from $DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE, the others'
// (targets, snapshot, delegations) from
// $DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE, and either, when its
// variable is unset, from the output of the command in linuxkit's
// config.yml (pkg: content-trust-passphrase-command:), run with sh -c once
// under a time limit (see runPassCommand). Passphrases never appear in
// arguments, logs or errors, and neither does the command's output.
type Passphrases struct {
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string
	// ConfigFile is linuxkit's config.yml (default
	// ~/.moby/linuxkit/config.yml); a missing file is fine.
	ConfigFile string
	// Timeout bounds the passphrase command (default
	// $LKPKG_PASSPHRASE_TIMEOUT, else config.yml's pkg:
	// content-trust-passphrase-timeout:, else 60s).
	Timeout time.Duration

	once    sync.Once
	cmdPass string
	cmdErr  error
	cmd     string

	mu      sync.Mutex
	lastErr error
	ctx     context.Context
}

// DefaultConfigFile is ~/.moby/linuxkit/config.yml.
func DefaultConfigFile() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".moby", "linuxkit", "config.yml")
}

type linuxkitConfig struct {
	Pkg struct {
		PassphraseCommand string `yaml:"content-trust-passphrase-command"`
		PassphraseTimeout string `yaml:"content-trust-passphrase-timeout"`
	} `yaml:"pkg"`
}

// use sets the context the passphrase command runs under (the push's:
// cancelling lkpkg stops it).
func (p *Passphrases) use(ctx context.Context) {
	p.mu.Lock()
	p.ctx = ctx
	p.mu.Unlock()
}

// command runs the config's passphrase command once.
func (p *Passphrases) command() (string, string, error) {
	p.once.Do(func() {
		file := p.ConfigFile
		if file == "" {
			file = DefaultConfigFile()
		}
		b, err := os.ReadFile(file)
		if errors.Is(err, os.ErrNotExist) || file == "" {
			return
		}
		if err != nil {
			p.cmdErr = err
			return
		}
		var c linuxkitConfig
		if err := yaml.Unmarshal(b, &c); err != nil {
			p.cmdErr = fmt.Errorf("%s: %w", file, err)
			return
		}
		p.cmd = c.Pkg.PassphraseCommand
		if p.cmd == "" {
			return
		}
		timeout, err := p.passTimeout(c.Pkg.PassphraseTimeout, file)
		if err != nil {
			p.cmdErr = err
			return
		}
		p.mu.Lock()
		ctx := p.ctx
		p.mu.Unlock()
		if ctx == nil {
			ctx = context.Background()
		}
		out, err := runPassCommand(ctx, p.cmd, file, timeout)
		if err != nil {
			p.cmdErr = err
			return
		}
		p.cmdPass = strings.TrimRight(string(out), "\r\n")
		if p.cmdPass == "" {
			p.cmdErr = fmt.Errorf("content-trust-passphrase-command in %s printed nothing", file)
		}
	})
	return p.cmdPass, p.cmd, p.cmdErr
}

func (p *Passphrases) getenv(k string) string {
	if p.Getenv != nil {
		return p.Getenv(k)
	}
	return os.Getenv(k)
}

// lookup returns the passphrase for a key of role alias and where it came
// from.
func (p *Passphrases) lookup(alias string) (pass, source string, err error) {
	env := EnvRepositoryPassphrase
	if alias == "root" {
		env = EnvRootPassphrase
	}
	if v := p.getenv(env); v != "" {
		return v, "$" + env, nil
	}
	pass, cmd, err := p.command()
	if err != nil {
		return "", "", err
	}
	if cmd != "" {
		return pass, "content-trust-passphrase-command", nil
	}
	return "", "", fmt.Errorf("no passphrase for the %s key: set %s, or pkg: content-trust-passphrase-command: in %s (or pass --disable-content-trust)", alias, env, orDefault(p.ConfigFile, "~/.moby/linuxkit/config.yml"))
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Retriever is a notary PassRetriever that never prompts. After a wrong
// passphrase it gives up at once (rather than retrying the same one) and
// records why, for Err.
func (p *Passphrases) Retriever() notarylib.PassRetriever {
	return func(keyName, alias string, createNew bool, attempts int) (string, bool, error) {
		pass, source, err := p.lookup(alias)
		if err != nil {
			p.setErr(err)
			return "", true, err
		}
		if attempts > 0 {
			err := fmt.Errorf("wrong passphrase for the %s key %s (from %s)", alias, shortID(keyName), source)
			p.setErr(err)
			return "", true, err
		}
		return pass, false, nil
	}
}

func shortID(id string) string {
	id = filepath.Base(id)
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func (p *Passphrases) setErr(err error) {
	p.mu.Lock()
	p.lastErr = err
	p.mu.Unlock()
}

// explain replaces notary's generic passphrase errors ("password
// invalid", "maximum number of passphrase attempts exceeded") with the
// reason the retriever recorded.
func (p *Passphrases) explain(err error) error {
	if err == nil {
		return nil
	}
	p.mu.Lock()
	last := p.lastErr
	p.lastErr = nil
	p.mu.Unlock()
	if last != nil {
		return last
	}
	return err
}
