package notary_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/notary"
	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

type fixture struct {
	reg    *testenv.Registry
	notary *testenv.Notary
	trust  string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	n := testenv.StartNotary(t)
	return &fixture{reg: testenv.StartRegistry(t), notary: n, trust: t.TempDir()}
}

func (f *fixture) signer(pass *notary.Passphrases) *notary.Signer {
	return notary.New(notary.Config{Server: f.notary.URL, TrustDir: f.trust, RootCAs: f.notary.CAs, Passphrases: pass})
}

func (f *fixture) pkg(t *testing.T, tag, arch string, seed uint64) *push.Package {
	t.Helper()
	dir := t.TempDir()
	if _, err := testenv.BuildOutput(dir, "lkt/signed", tag, []string{arch}, 1, 1024, seed); err != nil {
		t.Fatal(err)
	}
	p, _, err := push.FromBuild(dir, "lkt/signed")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) opts(s *notary.Signer) push.Options {
	return push.Options{Registry: registry.Registry{Prefix: f.reg.Host}, Signer: s}
}

var goodPass = &notary.Passphrases{Getenv: env(map[string]string{
	notary.EnvRootPassphrase:       "root-secret-1",
	notary.EnvRepositoryPassphrase: "repo-secret-1",
}), ConfigFile: "/nonexistent"}

// verify checks tag's signature with a fresh client (empty trust dir)
// against what the registry serves.
func verify(t *testing.T, f *fixture, tag string) error {
	t.Helper()
	ref, err := name.NewTag(f.reg.Host + "/lkt/signed:" + tag)
	if err != nil {
		t.Fatal(err)
	}
	fresh := f.signer(nil).Reader(t.TempDir())
	sig, err := fresh.Signed(context.Background(), ref)
	if err != nil {
		return err
	}
	d, err := remote.Head(ref)
	if err != nil {
		return err
	}
	if d.Digest != sig.Digest || d.Size != sig.Size {
		return errors.New("registry serves " + d.Digest.String() + ", signature says " + sig.Digest.String())
	}
	return nil
}

func TestSignVerifyAndTamper(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	rep, err := push.Push(ctx, f.pkg(t, "s1", "amd64", 1), f.opts(f.signer(goodPass)))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signed) != 2 {
		t.Fatalf("signed %v", rep.Signed)
	}
	for _, tag := range []string{"s1", "s1-amd64"} {
		if err := verify(t, f, tag); err != nil {
			t.Errorf("%s: %v", tag, err)
		}
	}
	// Keys are where docker keeps them.
	keys, _ := filepath.Glob(filepath.Join(f.trust, "private", "*.key"))
	if len(keys) != 2 {
		t.Errorf("trust dir has %d private keys, want root + targets", len(keys))
	}
	if _, err := os.Stat(filepath.Join(f.trust, "tuf", f.reg.Host, "lkt/signed", "metadata", "root.json")); err != nil {
		t.Errorf("no trust metadata in the docker layout: %v", err)
	}

	// A second arch from another invocation: the index is re-signed.
	if _, err := push.Push(ctx, f.pkg(t, "s1", "arm64", 1), f.opts(f.signer(goodPass))); err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"s1", "s1-amd64", "s1-arm64"} {
		if err := verify(t, f, tag); err != nil {
			t.Errorf("after arm64, %s: %v", tag, err)
		}
	}

	// Change the manifest behind the signature's back (--force: a hash
	// tag is otherwise never rewritten).
	other := f.pkg(t, "s1", "amd64", 99)
	if _, err := push.Push(ctx, other, push.Options{Registry: registry.Registry{Prefix: f.reg.Host}, Force: true}); err != nil {
		t.Fatal(err)
	}
	if err := verify(t, f, "s1-amd64"); err == nil {
		t.Error("a tampered tag still verifies")
	}

	// trust inspect-like listing.
	list, err := f.signer(nil).Reader(t.TempDir()).List(ctx, mustTag(t, f.reg.Host+"/lkt/nothing:x").Context())
	if err == nil || !errors.Is(err, sign.ErrNotSigned) {
		t.Errorf("listing an unknown repository: %v, %v", list, err)
	}
}

func TestWrongPassphrasePushesNothing(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	// Initialise the collection with the right passphrases.
	if _, err := push.Push(ctx, f.pkg(t, "w1", "amd64", 1), f.opts(f.signer(goodPass))); err != nil {
		t.Fatal(err)
	}
	wrong := &notary.Passphrases{Getenv: env(map[string]string{notary.EnvRepositoryPassphrase: "not-it"}), ConfigFile: "/nonexistent"}
	start := time.Now()
	_, err := push.Push(ctx, f.pkg(t, "w2", "amd64", 2), f.opts(f.signer(wrong)))
	if err == nil {
		t.Fatal("push with a wrong passphrase succeeded")
	}
	msg := err.Error()
	t.Logf("wrong passphrase: %v", err)
	for _, want := range []string{"wrong passphrase", "targets", notary.EnvRepositoryPassphrase, "nothing was pushed"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "not-it") {
		t.Error("the error shows the passphrase")
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("wrong passphrase took %v to report", time.Since(start))
	}
	for _, tag := range []string{"w2", "w2-amd64"} {
		if _, err := remote.Head(mustTag(t, f.reg.Host+"/lkt/signed:"+tag)); err == nil {
			t.Errorf("%s was pushed although signing could not happen", tag)
		}
	}

	// No passphrase at all: the error names the variable and config.yml.
	none := &notary.Passphrases{Getenv: env(nil), ConfigFile: "/nonexistent"}
	_, err = push.Push(ctx, f.pkg(t, "w3", "amd64", 3), f.opts(f.signer(none)))
	t.Logf("no passphrase: %v", err)
	if err == nil || !strings.Contains(err.Error(), notary.EnvRepositoryPassphrase) || !strings.Contains(err.Error(), "content-trust-passphrase-command") {
		t.Errorf("no passphrase: %v", err)
	}
}

func TestPassphraseCommandFromConfig(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	cfg := filepath.Join(dir, "config.yml")
	// The command prints the passphrase and leaves a marker.
	if err := os.WriteFile(cfg, []byte("pkg:\n  content-trust-passphrase-command: \"touch "+marker+"; echo cmd-secret\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pass := &notary.Passphrases{Getenv: env(nil), ConfigFile: cfg}
	if _, err := push.Push(ctx, f.pkg(t, "p1", "amd64", 1), f.opts(f.signer(pass))); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatal("the passphrase command did not run")
	}
	if err := verify(t, f, "p1"); err != nil {
		t.Fatal(err)
	}
	// The keys it made open with the command's passphrase only.
	wrong := &notary.Passphrases{Getenv: env(map[string]string{notary.EnvRepositoryPassphrase: "x"}), ConfigFile: "/nonexistent"}
	if _, err := push.Push(ctx, f.pkg(t, "p2", "amd64", 2), f.opts(f.signer(wrong))); err == nil {
		t.Fatal("keys made with the command's passphrase opened with another")
	}
	pass2 := &notary.Passphrases{Getenv: env(nil), ConfigFile: cfg}
	if _, err := push.Push(ctx, f.pkg(t, "p2", "amd64", 2), f.opts(f.signer(pass2))); err != nil {
		t.Fatal(err)
	}
}

func mustTag(t *testing.T, s string) name.Tag {
	t.Helper()
	tag, err := name.NewTag(s)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}
