package cosign_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"

	"github.com/rules-linuxkit/rules_linuxkit/tools/cosign"
	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

const password = "correct horse"

var (
	keyOnce        sync.Once
	keyPEM, pubPEM []byte
	keyErr         error
	otherKeyOnce   sync.Once
	otherPub       *ecdsa.PublicKey
)

// keyFile writes the test key pair (made once: scrypt is slow on purpose).
func keyFile(t *testing.T) (keyPath string, pub *ecdsa.PublicKey) {
	t.Helper()
	keyOnce.Do(func() { keyPEM, pubPEM, keyErr = cosign.GenerateKeyPair([]byte(password)) })
	if keyErr != nil {
		t.Fatal(keyErr)
	}
	dir := t.TempDir()
	keyPath = filepath.Join(dir, "cosign.key")
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	pub, err := cosign.ParsePublicKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	return keyPath, pub
}

func otherKey(t *testing.T) *ecdsa.PublicKey {
	otherKeyOnce.Do(func() {
		_, p, err := cosign.GenerateKeyPair(nil)
		if err == nil {
			otherPub, err = cosign.ParsePublicKey(p)
		}
		if err != nil {
			t.Fatal(err)
		}
	})
	return otherPub
}

func TestKeys(t *testing.T) {
	path, pub := keyFile(t)
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----") {
		t.Fatalf("key file:\n%s", b)
	}
	k, err := cosign.ParsePrivateKey(b, []byte(password))
	if err != nil {
		t.Fatal(err)
	}
	if !k.PublicKey.Equal(pub) {
		t.Fatal("the public key does not match the private key")
	}
	if _, err := cosign.ParsePrivateKey(b, []byte("wrong")); !errors.Is(err, cosign.ErrWrongPassword) {
		t.Fatalf("wrong password: %v", err)
	}
}

// pushed writes a synthetic build output for image at tag and returns the
// package to push.
func pushed(t *testing.T, image, tag string, seed uint64) *push.Package {
	t.Helper()
	out := t.TempDir()
	if _, err := testenv.BuildOutput(out, image, tag, []string{"amd64", "arm64"}, 1, 256, seed); err != nil {
		t.Fatal(err)
	}
	p, _, err := push.FromBuild(out, image)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func digestOf(t *testing.T, ref name.Reference) name.Digest {
	t.Helper()
	d, err := remote.Head(ref)
	if err != nil {
		t.Fatal(err)
	}
	return ref.Context().Digest(d.Digest.String())
}

func sigLayers(t *testing.T, d name.Digest) (v1.Hash, int) {
	t.Helper()
	img, err := remote.Image(cosign.SignatureTag(d))
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	h, _ := img.Digest()
	return h, len(m.Layers)
}

// newSigner is a cosign signer with a fresh key pair, for the registry at
// host; pub verifies what it signs.
func newSigner(t *testing.T, host string) (*cosign.Signer, registry.Registry, *ecdsa.PublicKey) {
	t.Helper()
	keyPath, pub := keyFile(t)
	r := registry.Registry{Prefix: host}
	return cosign.New(cosign.Config{KeyFile: keyPath, Password: []byte(password), Registry: r}), r, pub
}

// TestPushSignVerify: lkpkg push's path with cosign against Debian's
// docker-registry (no referrers API): every tag is signed under
// sha256-<hex>.sig, verifies, and a re-push adds no signature.
func TestPushSignVerify(t *testing.T) {
	reg := testenv.StartRegistry(t)
	ctx := context.Background()
	s, r, pub := newSigner(t, reg.Host)
	rep, err := push.Push(ctx, pushed(t, "lkt/hello", "v1", 1), push.Options{Registry: r, Signer: s, Release: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signed) != 4 {
		t.Fatalf("signed %v, want 3 tags + release", rep.Signed)
	}
	repo, _ := r.Repository("lkt/hello")
	idx := digestOf(t, repo.Tag("v1"))
	// The fallback tag, by name.
	want := repo.Tag("sha256-" + idx.DigestStr()[len("sha256:"):] + ".sig")
	if got := cosign.SignatureTag(idx); got.String() != want.String() {
		t.Fatalf("signature tag %s, want %s", got, want)
	}
	sigDigest, n := sigLayers(t, idx)
	if n != 1 {
		t.Fatalf("%d signatures on the index (release and tag share it), want 1", n)
	}

	v := cosign.NewVerifier(pub, r)
	for _, tag := range []string{"v1", "v1-amd64", "v1-arm64", "1.0"} {
		sig, err := v.Signed(ctx, repo.Tag(tag))
		if err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
		if !strings.HasPrefix(sig.Signer, "cosign:") || sig.Tag != tag {
			t.Fatalf("%+v", sig)
		}
	}
	list, err := v.List(ctx, repo)
	if err != nil || len(list) != 4 {
		t.Fatalf("List: %v %v", list, err)
	}
	// Another key does not verify.
	if _, err := cosign.NewVerifier(otherKey(t), r).Signed(ctx, repo.Tag("v1")); !errors.Is(err, sign.ErrNotSigned) {
		t.Fatalf("other key: %v", err)
	}

	// Re-sign: idempotent.
	s2, _, _ := newSigner(t, reg.Host) // the same key pair: keyFile makes one per run
	if _, err := push.Push(ctx, pushed(t, "lkt/hello", "v1", 1), push.Options{Registry: r, Signer: s2, Release: "1.0"}); err != nil {
		t.Fatal(err)
	}
	if d2, n2 := sigLayers(t, idx); d2 != sigDigest || n2 != 1 {
		t.Fatalf("re-sign changed the signatures: %s (%d layers), was %s", d2, n2, sigDigest)
	}
}

// TestTampered: signatures that must not verify.
func TestTampered(t *testing.T) {
	reg := testenv.StartRegistry(t)
	ctx := context.Background()
	s, r, pub := newSigner(t, reg.Host)
	if _, err := push.Push(ctx, pushed(t, "lkt/a", "v1", 1), push.Options{Registry: r, Signer: s}); err != nil {
		t.Fatal(err)
	}
	repo, _ := r.Repository("lkt/a")
	signed := digestOf(t, repo.Tag("v1"))
	v := cosign.NewVerifier(pub, r)

	// 1. The tag now points at another manifest (pushed unsigned, forced).
	if _, err := push.Push(ctx, pushed(t, "lkt/a", "v1", 2), push.Options{Registry: r, Force: true}); err != nil {
		t.Fatal(err)
	}
	other := digestOf(t, repo.Tag("v1"))
	if other == signed {
		t.Fatal("same digest")
	}
	if _, err := v.Signed(ctx, repo.Tag("v1")); !errors.Is(err, sign.ErrNotSigned) {
		t.Fatalf("replaced manifest: %v", err)
	}

	// 2. The signature of the old manifest copied to the new one's tag.
	sigImg, err := remote.Image(cosign.SignatureTag(signed))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(cosign.SignatureTag(other), sigImg); err != nil {
		t.Fatal(err)
	}
	err = v.Verify(ctx, other)
	if !errors.Is(err, sign.ErrNotSigned) || !strings.Contains(err.Error(), "signs "+signed.DigestStr()) {
		t.Fatalf("replayed signature: %v", err)
	}

	// 3. A changed payload with the old signature.
	m, _ := sigImg.Manifest()
	ann := m.Layers[0].Annotations
	forged := cosign.Payload(other)
	img, err := mutate.Append(mutate.MediaType(sigImg, m.MediaType), mutate.Addendum{Layer: static.NewLayer(forged, cosign.SimpleSigningMediaType), Annotations: ann})
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(cosign.SignatureTag(other), img); err != nil {
		t.Fatal(err)
	}
	err = v.Verify(ctx, other)
	if !errors.Is(err, sign.ErrNotSigned) || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("forged payload: %v", err)
	}
	// The original still verifies.
	if err := v.Verify(ctx, signed); err != nil {
		t.Fatal(err)
	}
}

// TestWrongPassword: Prepare fails, so nothing is pushed.
func TestWrongPassword(t *testing.T) {
	reg := testenv.StartRegistry(t)
	keyPath, _ := keyFile(t)
	r := registry.Registry{Prefix: reg.Host}
	s := cosign.New(cosign.Config{KeyFile: keyPath, Password: []byte("nope"), Registry: r})
	_, err := push.Push(context.Background(), pushed(t, "lkt/b", "v1", 1), push.Options{Registry: r, Signer: s})
	if !errors.Is(err, cosign.ErrWrongPassword) || !strings.Contains(err.Error(), "nothing was pushed") || !strings.Contains(err.Error(), "COSIGN_PASSWORD") {
		t.Fatalf("got %v", err)
	}
	repo, _ := r.Repository("lkt/b")
	if tags, err := remote.List(repo); err == nil && len(tags) > 0 {
		t.Fatalf("pushed anyway: %v", tags)
	}
	// The password from the environment.
	t.Setenv(cosign.PasswordEnv, password)
	s = cosign.New(cosign.Config{KeyFile: keyPath, Registry: r})
	if err := s.Prepare(context.Background(), repo); err != nil {
		t.Fatal(err)
	}
}

// TestReferrers: with a registry that has the OCI 1.1 referrers API (go-
// containerregistry's), the signature is a referrer of the image, not a tag.
func TestReferrers(t *testing.T) {
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.WithReferrersSupport(true), ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	ctx := context.Background()
	s, r, pub := newSigner(t, host)
	for i := 0; i < 2; i++ { // the second push signs nothing new
		if _, err := push.Push(ctx, pushed(t, "lkt/c", "v1", 1), push.Options{Registry: r, Signer: s}); err != nil {
			t.Fatal(err)
		}
	}
	repo, _ := r.Repository("lkt/c")
	idx := digestOf(t, repo.Tag("v1"))
	refs, err := remote.Referrers(idx)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := refs.IndexManifest()
	if len(im.Manifests) != 1 || im.Manifests[0].ArtifactType != cosign.ArtifactType {
		t.Fatalf("referrers: %+v", im.Manifests)
	}
	sigImg, err := remote.Image(idx.Context().Digest(im.Manifests[0].Digest.String()))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := sigImg.Manifest()
	if m.Subject == nil || m.Subject.Digest.String() != idx.DigestStr() || m.ArtifactType != cosign.ArtifactType || m.Config.MediaType != cosign.ArtifactType {
		t.Fatalf("signature manifest: %+v", m)
	}
	tags, _ := remote.List(repo)
	for _, tg := range tags {
		if strings.HasPrefix(tg, "sha256-") {
			t.Fatalf("a fallback tag was written: %v", tags)
		}
	}
	if _, err := cosign.NewVerifier(pub, r).Signed(ctx, repo.Tag("v1-arm64")); err != nil {
		t.Fatal(err)
	}
	// Forcing the tag writes the tag.
	keyPath, _ := keyFile(t)
	st := cosign.New(cosign.Config{KeyFile: keyPath, Password: []byte(password), Registry: r, Attach: cosign.AttachTag})
	if err := st.Sign(ctx, []sign.Target{{Tag: repo.Tag("v1"), Descriptor: v1.Descriptor{Digest: mustHash(t, idx.DigestStr())}}}); err != nil {
		t.Fatal(err)
	}
	if _, n := sigLayers(t, idx); n != 1 {
		t.Fatal(n)
	}
}

func mustHash(t *testing.T, s string) v1.Hash {
	h, err := v1.NewHash(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
