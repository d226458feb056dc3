package registry

import (
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

func TestParseCred(t *testing.T) {
	for _, tc := range []struct {
		spec, host string
		want       authn.AuthConfig
	}{
		{"registry.example:5000=alice:s3cret", "registry.example:5000", authn.AuthConfig{Username: "alice", Password: "s3cret"}},
		{"https://index.docker.io/=bob:pa:ss", "index.docker.io", authn.AuthConfig{Username: "bob", Password: "pa:ss"}},
		{"docker.io=dG9rZW4=", "index.docker.io", authn.AuthConfig{RegistryToken: "dG9rZW4="}},
		{" ghcr.io = carol : pw ", "ghcr.io", authn.AuthConfig{Username: "carol", Password: "pw"}},
	} {
		host, cfg, err := ParseCred(tc.spec)
		if err != nil || host != tc.host || cfg != tc.want {
			t.Errorf("ParseCred(%q) = %q %+v %v, want %q %+v", tc.spec, host, cfg, err, tc.host, tc.want)
		}
	}
	// linuxkit's refusals; the error never holds the secret.
	for spec, want := range map[string]string{
		"topsecret":                "the value is not shown",
		"=alice:topsecret":         "the value is not shown",
		"reg.example=alice:":       "must not be blank",
		"reg.example=:topsecret":   "must not be blank",
		"reg.example=":             "token must not be blank",
		"https://=alice:topsecret": "neither host[:port] nor a URL",
		"bad host=alice:topsecret": "bad host",
	} {
		_, _, err := ParseCred(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseCred(%q) = %v, want an error with %q", spec, err, want)
		} else if strings.Contains(err.Error(), "topsecret") {
			t.Errorf("ParseCred(%q): the error shows the secret: %v", spec, err)
		}
	}
}

func TestCredsKeychainOnlyTheirHost(t *testing.T) {
	creds := Creds{"reg.example": {Username: "alice", Password: "pw"}}
	kc := creds.Keychain(authn.NewMultiKeychain()) // next: nothing
	for host, want := range map[string]string{"reg.example": "alice", "other.example": "", "reg.example:5000": ""} {
		r, err := name.NewRegistry(host)
		if err != nil {
			t.Fatal(err)
		}
		a, err := kc.Resolve(r)
		if err != nil {
			t.Fatal(err)
		}
		c, err := a.Authorization()
		if err != nil {
			t.Fatal(err)
		}
		if c.Username != want {
			t.Errorf("%s gets user %q, want %q", host, c.Username, want)
		}
	}
}
