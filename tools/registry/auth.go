package registry

import "github.com/google/go-containerregistry/pkg/authn"

// AuthKeychain is where r finds credentials: Keychain, else docker's
// config.json and credential helpers. It is the one keychain of lkpkg:
// the registry's credentials and those of a notary server (stored under
// its host, as after docker login) both come from it.
func (r Registry) AuthKeychain() authn.Keychain {
	if r.Keychain != nil {
		return r.Keychain
	}
	return authn.DefaultKeychain
}

// Auth returns the credentials AuthKeychain has for res (a registry or a
// notary server), or authn.Anonymous when it has none, its lookup fails
// or they are empty: callers compare with authn.Anonymous to decide
// whether anything secret would be sent.
func (r Registry) Auth(res authn.Resource) authn.Authenticator {
	a, err := r.AuthKeychain().Resolve(res)
	if err != nil || a == nil {
		return authn.Anonymous
	}
	if c, err := a.Authorization(); err != nil || *c == (authn.AuthConfig{}) {
		return authn.Anonymous
	}
	return a
}
