//go:build cosign_interop

// Package interop checks tools/cosign against the real cosign v2 library:
// signatures we write verify with cosign.VerifyImageSignatures, signatures
// cosign writes verify with ours, and the key files go both ways. It is a
// module of its own so that neither go.mod nor the Bazel build of
// rules_linuxkit depends on cosign. Run it from this directory:
//
//	go test -tags cosign_interop ./...
package interop

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"encoding/base64"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	cos "github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/cosign/v2/pkg/oci/mutate"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"
	"github.com/sigstore/cosign/v2/pkg/oci/static"
	cossig "github.com/sigstore/cosign/v2/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/payload"

	"github.com/rules-linuxkit/rules_linuxkit/tools/cosign"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

const password = "interop"

// registries: Debian's docker-registry (no referrers API: the tag) and
// go-containerregistry's with referrers (the OCI 1.1 referrers API).
func registries(t *testing.T) map[string]string {
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.WithReferrersSupport(true), ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return map[string]string{
		"tag":       testenv.StartRegistry(t).Host,
		"referrers": strings.TrimPrefix(srv.URL, "http://"),
	}
}

// cosignKeys makes a key pair with cosign.GenerateKeyPair.
func cosignKeys(t *testing.T) (keyPath string, pub *ecdsa.PublicKey) {
	kb, err := cos.GenerateKeyPair(func(bool) ([]byte, error) { return []byte(password), nil })
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyPath = filepath.Join(dir, "cosign.key")
	if err := os.WriteFile(keyPath, kb.PrivateBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cosign.pub"), kb.PublicBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	pub, err = cosign.ParsePublicKey(kb.PublicBytes)
	if err != nil {
		t.Fatal(err)
	}
	return keyPath, pub
}

func pushImage(t *testing.T, host, repo string) (name.Digest, v1.Descriptor) {
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(host+"/"+repo+":v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
	d, err := remote.Head(tag)
	if err != nil {
		t.Fatal(err)
	}
	return tag.Context().Digest(d.Digest.String()), *d
}

func checkOpts(t *testing.T, pubPEM []byte, oci11 bool) *cos.CheckOpts {
	v, err := cossig.LoadPublicKeyRaw(pubPEM, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return &cos.CheckOpts{
		SigVerifier:       v,
		IgnoreTlog:        true,
		IgnoreSCT:         true,
		ClaimVerifier:     cos.SimpleClaimVerifier,
		ExperimentalOCI11: oci11,
	}
}

// TestOursVerifiedByCosign: cosign's key, our signature, cosign's check.
func TestOursVerifiedByCosign(t *testing.T) {
	keyPath, _ := cosignKeys(t)
	pubPEM, _ := os.ReadFile(filepath.Join(filepath.Dir(keyPath), "cosign.pub"))
	ctx := context.Background()
	for mode, host := range registries(t) {
		t.Run(mode, func(t *testing.T) {
			d, desc := pushImage(t, host, "ours/"+mode)
			s := cosign.New(cosign.Config{KeyFile: keyPath, Password: []byte(password), Registry: registry.Registry{}})
			if err := s.Prepare(ctx, d.Context()); err != nil {
				t.Fatal(err)
			}
			if err := s.Sign(ctx, []sign.Target{{Tag: d.Context().Tag("v1"), Descriptor: desc}}); err != nil {
				t.Fatal(err)
			}
			// With --experimental-oci11 for the referrers; without it
			// cosign reads only the tag.
			sigs, _, err := cos.VerifyImageSignatures(ctx, d, checkOpts(t, pubPEM, mode == "referrers"))
			if err != nil {
				t.Fatalf("cosign does not verify our signature: %v", err)
			}
			if len(sigs) != 1 {
				t.Fatalf("%d signatures", len(sigs))
			}
			if mode == "referrers" {
				// Really a referrer: without OCI 1.1, cosign finds no tag.
				if _, _, err := cos.VerifyImageSignatures(ctx, d, checkOpts(t, pubPEM, false)); err == nil {
					t.Fatal("a signature tag was written too")
				}
			}
			// Our payload is byte for byte cosign's.
			p, _ := sigs[0].Payload()
			want, _ := payload.Cosign{Image: d}.MarshalJSON()
			if !bytes.Equal(p, want) {
				t.Fatalf("payload\n%s\nwant\n%s", p, want)
			}
		})
	}
}

// TestCosignVerifiedByOurs: cosign's key and signature (written the way
// cosign sign does), our verifier.
func TestCosignVerifiedByOurs(t *testing.T) {
	keyPath, pub := cosignKeys(t)
	ctx := context.Background()
	sv, err := cossig.SignerVerifierFromKeyRef(ctx, keyPath, func(bool) ([]byte, error) { return []byte(password), nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	for mode, host := range registries(t) {
		t.Run(mode, func(t *testing.T) {
			d, _ := pushImage(t, host, "theirs/"+mode)
			pl, err := payload.Cosign{Image: d}.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			raw, err := sv.SignMessage(bytes.NewReader(pl))
			if err != nil {
				t.Fatal(err)
			}
			sig, err := static.NewSignature(pl, base64.StdEncoding.EncodeToString(raw))
			if err != nil {
				t.Fatal(err)
			}
			se, err := ociremote.SignedEntity(d)
			if err != nil {
				t.Fatal(err)
			}
			se, err = mutate.AttachSignatureToEntity(se, sig)
			if err != nil {
				t.Fatal(err)
			}
			if mode == "referrers" {
				err = ociremote.WriteSignaturesExperimentalOCI(d, se)
			} else {
				err = ociremote.WriteSignatures(d.Repository, se)
			}
			if err != nil {
				t.Fatal(err)
			}
			v := cosign.NewVerifier(pub, registry.Registry{})
			if err := v.Verify(ctx, d); err != nil {
				t.Fatalf("our verifier rejects cosign's signature: %v", err)
			}
			got, err := v.Signed(ctx, d.Context().Tag("v1"))
			if err != nil || got.Digest.String() != d.DigestStr() {
				t.Fatalf("Signed: %+v %v", got, err)
			}
			// Our signer sees cosign's signature and adds none.
			s := cosign.New(cosign.Config{KeyFile: keyPath, Password: []byte(password)})
			desc, _ := remote.Head(d)
			if err := s.Sign(ctx, []sign.Target{{Tag: d.Context().Tag("v1"), Descriptor: *desc}}); err != nil {
				t.Fatal(err)
			}
			sigs, _, err := cos.VerifyImageSignatures(ctx, d, checkOpts(t, mustRead(t, filepath.Join(filepath.Dir(keyPath), "cosign.pub")), mode == "referrers"))
			if err != nil || len(sigs) != 1 {
				t.Fatalf("after our re-sign: %d signatures, %v", len(sigs), err)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKeyFiles: our key files load in cosign, cosign's in ours.
func TestKeyFiles(t *testing.T) {
	priv, pubPEM, err := cosign.GenerateKeyPair([]byte(password))
	if err != nil {
		t.Fatal(err)
	}
	sv, err := cos.LoadPrivateKey(priv, []byte(password), nil)
	if err != nil {
		t.Fatalf("cosign cannot load our key: %v", err)
	}
	pk, _ := sv.PublicKey()
	ours, _ := cosign.ParsePublicKey(pubPEM)
	if !ours.Equal(pk) {
		t.Fatal("public keys differ")
	}
	if _, err := cos.LoadPrivateKey(priv, []byte("wrong"), nil); err == nil {
		t.Fatal("cosign loads our key with a wrong password")
	}
	kb, err := cos.GenerateKeyPair(func(bool) ([]byte, error) { return []byte(password), nil })
	if err != nil {
		t.Fatal(err)
	}
	k, err := cosign.ParsePrivateKey(kb.PrivateBytes, []byte(password))
	if err != nil {
		t.Fatalf("we cannot load cosign's key: %v", err)
	}
	theirs, _ := cosign.ParsePublicKey(kb.PublicBytes)
	if !k.PublicKey.Equal(theirs) {
		t.Fatal("public keys differ")
	}
}
