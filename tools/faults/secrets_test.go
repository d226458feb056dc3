//go:build faults

package faults

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// The secrets family: lkpkg push signs through a notary server that sends
// it to a token realm on another host (localhost, where the registry is
// 127.0.0.1); the registry's credentials (from a DOCKER_CONFIG made here)
// must not reach that realm or the notary server, and no passphrase,
// password or token may appear in anything lkpkg prints, also when a
// passphrase command fails after printing its passphrase on stderr.

func secret(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func TestSecrets(t *testing.T) {
	famSecrets.start(t)
	famSecrets.note("credential leaks", 0)
	famSecrets.note("secrets printed", 0)
	var (
		regUser  = "faults-user"
		regPass  = secret("regpass-")
		token    = secret("token-")
		rootPass = secret("rootpass-")
		repoPass = secret("repopass-")
		cmdPass  = secret("cmdpass-")
		basic    = base64.StdEncoding.EncodeToString([]byte(regUser + ":" + regPass))
		outputs  []run
	)
	reg := testenv.StartRegistry(t)
	notary := testenv.StartNotary(t)
	cert := testenv.NewCert(t)
	realm, tokenRec := tokenService(t, cert, token)
	server, notaryRec := notaryFront(t, cert, realm, token, notary.URL, notary.CAs)

	dockerConfig := t.TempDir()
	writeFile(t, filepath.Join(dockerConfig, "config.json"), `{"auths":{"`+reg.Host+`":{"auth":"`+basic+`"}}}`)
	// Each case pushes its own image: a new trust collection, whose keys
	// lkpkg must create (and so ask for passphrases).
	push := func(t *testing.T, image string, env []string, extra ...string) run {
		dir := pushPackage(t, image, true, "amd64")
		out := t.TempDir()
		if _, err := testenv.BuildOutput(out, "lkt/"+image, "s1", []string{"amd64"}, 1, 1024, 1); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"push", "--hermetic", "--progress", "plain",
			"--input-dir", out, "--registry", reg.Host, "--trust-server", server, "--trust-ca", cert.CAFile,
			"--trust-dir", t.TempDir()}, extra...)
		r := lkpkg(t, runOpts{env: env, timeout: 2 * time.Minute}, append(args, dir)...)
		outputs = append(outputs, r)
		t.Logf("%s", r)
		return r
	}

	t.Run("registry credentials never reach a token realm on another host", func(t *testing.T) {
		famSecrets.track(t)
		r := push(t, "realm", []string{"DOCKER_CONFIG=" + dockerConfig, "HOME=" + t.TempDir(),
			"DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE=" + rootPass, "DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE=" + repoPass})
		for who, rec := range map[string]*recorder{"the token realm " + realm: tokenRec, "the notary server " + server: notaryRec} {
			for _, s := range rec.all() {
				if strings.Contains(s, regPass) || strings.Contains(s, basic) {
					famSecrets.note("credential leaks", 1)
					t.Errorf("the registry's credentials for %s were sent to %s: %.200s", reg.Host, who, s)
					break
				}
			}
		}
		// Signed with an anonymous token, or refused naming the realm.
		switch {
		case r.code == 0 && strings.Contains(r.stdout, "signed"):
		case r.code != 0 && r.stderrHas("localhost"):
		default:
			t.Errorf("want a signed push, or an error naming the realm's host: %v", r)
		}
	})

	// linuxkit's --registry-creds: the same credentials on the command
	// line (docker's config.json empty) go to the registry's host only.
	t.Run("--registry-creds never reach a token realm on another host", func(t *testing.T) {
		famSecrets.track(t)
		r := push(t, "realmflag", []string{"DOCKER_CONFIG=" + t.TempDir(), "HOME=" + t.TempDir(),
			"DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE=" + rootPass, "DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE=" + repoPass},
			"--registry-creds", reg.Host+"="+regUser+":"+regPass)
		for who, rec := range map[string]*recorder{"the token realm " + realm: tokenRec, "the notary server " + server: notaryRec} {
			for _, s := range rec.all() {
				if strings.Contains(s, regPass) || strings.Contains(s, basic) {
					famSecrets.note("credential leaks", 1)
					t.Errorf("--registry-creds for %s were sent to %s: %.200s", reg.Host, who, s)
					break
				}
			}
		}
		if !r.stderrHas("warning: --registry-creds") {
			t.Errorf("no warning that argv shows the credentials: %v", r)
		}
		switch {
		case r.code == 0 && strings.Contains(r.stdout, "signed"):
		case r.code != 0 && r.stderrHas("localhost"):
		default:
			t.Errorf("want a signed push, or an error naming the realm's host: %v", r)
		}
	})

	t.Run("failing passphrase command that prints its passphrase on stderr", func(t *testing.T) {
		famSecrets.track(t)
		home := t.TempDir()
		writeFiles(t, home, map[string]string{".moby/linuxkit/config.yml": "pkg:\n  content-trust-passphrase-command: 'echo " + cmdPass + " >&2; echo " + cmdPass + "; exit 3'\n"})
		r := push(t, "passcmd", []string{"DOCKER_CONFIG=" + t.TempDir(), "HOME=" + home})
		if r.code != 1 || !r.stderrHas("passphrase") {
			t.Errorf("want exit 1 and an error about the passphrase command: %v", r)
		}
		if strings.Contains(r.stdout+r.stderr, cmdPass) {
			famSecrets.note("secrets printed", 1)
			t.Errorf("lkpkg printed the passphrase the failing command wrote")
		}
	})

	t.Run("no secret in any lkpkg output", func(t *testing.T) {
		famSecrets.track(t)
		if len(outputs) == 0 {
			t.Fatal("no lkpkg output to search")
		}
		secrets := map[string]string{"registry password": regPass, "registry auth": basic, "token": token,
			"root passphrase": rootPass, "repository passphrase": repoPass, "passphrase command's output": cmdPass}
		for _, r := range outputs {
			for what, s := range secrets {
				if strings.Contains(r.stdout+r.stderr, s) {
					t.Errorf("the %s is in the output of lkpkg %s", what, strings.Join(r.args, " "))
				}
			}
		}
	})
}
