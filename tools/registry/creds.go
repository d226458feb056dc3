package registry

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// Creds are credentials given for registry hosts on the command line
// (linuxkit's --registry-creds), keyed by host[:port] as go-containerregistry
// names a registry (Docker Hub is index.docker.io). Each goes only to its
// own host: a host without an entry gets what the keychain after them has.
type Creds map[string]authn.AuthConfig

// credFormat is how a --registry-creds value is described in errors; the
// value itself is never put in an error, as it holds a secret.
const credFormat = "want <registry>=<username>:<password> or <registry>=<token>"

// ParseCred parses one --registry-creds value as linuxkit's pkgBuilder.build
// does: <registry>=<username>:<password>, or <registry>=<token> when there
// is no colon (a registry token). <registry> is a host[:port] or a URL
// (https://index.docker.io/). Errors name the registry at most, never the
// credentials.
func ParseCred(spec string) (host string, cfg authn.AuthConfig, err error) {
	reg, auth, ok := strings.Cut(spec, "=")
	reg, auth = strings.TrimSpace(reg), strings.TrimSpace(auth)
	if !ok || reg == "" {
		return "", cfg, errors.New(credFormat + " (the value is not shown: it may hold a secret)")
	}
	host, err = credHost(reg)
	if err != nil {
		return "", cfg, err
	}
	user, pass, hasColon := strings.Cut(auth, ":")
	user, pass = strings.TrimSpace(user), strings.TrimSpace(pass)
	switch {
	case hasColon && (user == "" || pass == ""):
		return "", cfg, fmt.Errorf("for %s: the username and the password must not be blank; %s", host, credFormat)
	case !hasColon && user == "":
		return "", cfg, fmt.Errorf("for %s: the token must not be blank; %s", host, credFormat)
	case hasColon:
		cfg = authn.AuthConfig{Username: user, Password: pass}
	default:
		cfg = authn.AuthConfig{RegistryToken: auth}
	}
	return host, cfg, nil
}

// credHost turns the <registry> of a --registry-creds value into the
// host[:port] go-containerregistry names the registry by.
func credHost(reg string) (string, error) {
	h := reg
	if strings.Contains(reg, "://") {
		u, err := url.Parse(reg)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("registry %q is neither host[:port] nor a URL", reg)
		}
		h = u.Host
	}
	r, err := name.NewRegistry(strings.TrimSuffix(h, "/"))
	if err != nil {
		return "", fmt.Errorf("registry %q: %w", reg, err)
	}
	return r.RegistryStr(), nil
}

// Keychain returns a keychain that answers from c for the hosts it has,
// and asks next for the others.
func (c Creds) Keychain(next authn.Keychain) authn.Keychain {
	if len(c) == 0 {
		return next
	}
	return credsKeychain{creds: c, next: next}
}

type credsKeychain struct {
	creds Creds
	next  authn.Keychain
}

func (k credsKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if cfg, ok := k.creds[r.RegistryStr()]; ok {
		return authn.FromConfig(cfg), nil
	}
	return k.next.Resolve(r)
}
