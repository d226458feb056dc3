package registry

import (
	"errors"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

type keychainFunc func(authn.Resource) (authn.Authenticator, error)

func (f keychainFunc) Resolve(r authn.Resource) (authn.Authenticator, error) { return f(r) }

// Auth is anonymous unless the keychain has real credentials: callers
// decide from that whether something secret would be sent.
func TestAuthIsAnonymousWithoutCredentials(t *testing.T) {
	basic := &authn.Basic{Username: "u", Password: "pw"}
	for what, kc := range map[string]authn.Keychain{
		"lookup error": keychainFunc(func(authn.Resource) (authn.Authenticator, error) {
			return nil, errors.New("helper failed")
		}),
		"nil authenticator": keychainFunc(func(authn.Resource) (authn.Authenticator, error) { return nil, nil }),
		"empty credentials": keychainFunc(func(authn.Resource) (authn.Authenticator, error) { return &authn.Basic{}, nil }),
	} {
		if a := (Registry{Keychain: kc}).Auth(name.MustParseReference("registry.example/org/img").Context()); a != authn.Anonymous {
			t.Errorf("%s: got a %T, want anonymous", what, a)
		}
	}
	kc := keychainFunc(func(authn.Resource) (authn.Authenticator, error) { return basic, nil })
	if a := (Registry{Keychain: kc}).Auth(name.MustParseReference("registry.example/org/img").Context()); a != basic {
		t.Errorf("got a %T, want the keychain's credentials", a)
	}
}
