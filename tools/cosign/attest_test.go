package cosign_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/moby/buildkit/client"

	"github.com/rules-linuxkit/rules_linuxkit/tools/attest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/cosign"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// buildWithSBOM builds a one-arch (amd64) package with BuildKit and the
// fixture SBOM scanner, and returns it to push as lkt/sbom.
func buildWithSBOM(t *testing.T, reg *testenv.Registry) (*push.Package, *build.Result) {
	t.Helper()
	d := testenv.BuildKit(t)
	base := testenv.Busybox(t, reg)
	scanner := testenv.FixtureScanner(t, reg)
	c, err := client.New(context.Background(), d.Address())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dir := t.TempDir()
	for n, data := range map[string]string{
		"build.yml":  "image: sbom\norg: lkt\narches:\n  - amd64\n",
		"Dockerfile": "ARG BASE\nFROM ${BASE}\nCOPY listed.txt /listed.txt\n",
		"listed.txt": "in the SBOM\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := pkg.Load(dir, pkg.Options{Hermetic: true})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := build.Build(ctx, c, p, build.Options{OutputDir: out, PkgOptions: pkg.Options{Hermetic: true}, SBOMScanner: scanner,
		BuildArgs: []spec.BuildArg{{Name: "BASE", Value: base}}}); err != nil {
		t.Fatal(err)
	}
	pp, res, err := push.FromBuild(out, "lkt/sbom")
	if err != nil {
		t.Fatal(err)
	}
	return pp, res
}

// TestAttestSBOM: pushing with cosign attaches each image's SPDX SBOM
// (from a real build with an SBOM scanner) to the image as cosign attest
// --type spdxjson does, signed with the key; pushing again adds nothing;
// another key does not verify it.
func TestAttestSBOM(t *testing.T) {
	reg := testenv.StartRegistry(t)
	p, res := buildWithSBOM(t, reg)
	s, r, _ := newSigner(t, reg.Host)
	ctx := context.Background()
	rep, err := push.Push(ctx, p, push.Options{Registry: r, Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Attested) != 1 {
		t.Fatalf("attested %v, want the amd64 image's SBOM", rep.Attested)
	}
	repo, _ := r.Repository("lkt/sbom")
	img := repo.Digest(res.Arches[0].Digest)
	attTag := cosign.AttestationTag(img)
	if attTag.TagStr() != strings.Replace(res.Arches[0].Digest, ":", "-", 1)+".att" {
		t.Fatalf("attestation tag %s", attTag)
	}
	first := digestOf(t, attTag)

	// The layer: a DSSE envelope, annotated as cosign annotates it.
	ai, err := remote.Image(attTag)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := ai.Manifest()
	if len(m.Layers) != 1 {
		t.Fatalf("%d attestation layers", len(m.Layers))
	}
	l := m.Layers[0]
	if l.MediaType != cosign.DSSEMediaType || len(l.Annotations) != 2 || l.Annotations[cosign.PredicateTypeAnnotation] != attest.PredicateSPDX {
		t.Errorf("layer %s %v", l.MediaType, l.Annotations)
	}
	if v, ok := l.Annotations[cosign.SignatureAnnotation]; !ok || v != "" {
		t.Errorf("signature annotation %q %v, want present and empty", v, ok)
	}
	layer, _ := ai.LayerByDigest(l.Digest)
	rc, _ := layer.Compressed()
	var env struct {
		PayloadType string `json:"payloadType"`
		Payload     string `json:"payload"`
		Signatures  []struct {
			Sig string `json:"sig"`
		} `json:"signatures"`
	}
	if err := json.NewDecoder(rc).Decode(&env); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	st, _ := base64.StdEncoding.DecodeString(env.Payload)
	var statement struct {
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
		Subject       []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		Predicate json.RawMessage `json:"predicate"`
	}
	if err := json.Unmarshal(st, &statement); err != nil {
		t.Fatal(err)
	}
	if env.PayloadType != "application/vnd.in-toto+json" || len(env.Signatures) != 1 || statement.Type != "https://in-toto.io/Statement/v0.1" || statement.PredicateType != attest.PredicateSPDX {
		t.Errorf("envelope %s, statement %s", env.PayloadType, st)
	}
	if len(statement.Subject) != 1 || statement.Subject[0].Name != repo.Name() || "sha256:"+statement.Subject[0].Digest["sha256"] != res.Arches[0].Digest {
		t.Errorf("subject %+v, want %s@%s", statement.Subject, repo.Name(), res.Arches[0].Digest)
	}
	// The predicate is the SBOM the build attached to the image.
	docs, err := attest.RemoteSPDX(ctx, repo.Tag(p.Tag))
	if err != nil || len(docs) != 1 {
		t.Fatalf("the registry's SPDX: %v %v", docs, err)
	}
	var want, got bytes.Buffer
	_ = json.Compact(&want, docs[0].Doc)
	_ = json.Compact(&got, statement.Predicate)
	if want.String() != got.String() || !strings.Contains(got.String(), "/listed.txt") {
		t.Errorf("predicate\n%.300s\nwant\n%.300s", got.String(), want.String())
	}

	// The key verifies it; another key does not.
	if types, err := s.Attested(ctx, img); err != nil || len(types) != 1 || types[0] != attest.PredicateSPDX {
		t.Errorf("Attested = %v, %v", types, err)
	}
	if types, err := cosign.NewVerifier(otherKey(t), r).Attested(ctx, img); err != nil || len(types) != 0 {
		t.Errorf("another key: Attested = %v, %v", types, err)
	}
	// The index is not the subject: its SBOM is per image.
	if _, err := remote.Head(cosign.AttestationTag(digestOf(t, repo.Tag(p.Tag)))); err == nil {
		t.Error("the index has an attestation tag")
	}

	// Pushing again: same attestation image, no duplicate.
	if _, err := push.Push(ctx, p, push.Options{Registry: r, Signer: s}); err != nil {
		t.Fatal(err)
	}
	if again := digestOf(t, attTag); again != first {
		t.Errorf("re-push changed %s: %s -> %s", attTag, first.DigestStr(), again.DigestStr())
	}
}

// TestAttestTampered: an envelope whose statement was changed after
// signing, or that is about another image, does not count.
func TestAttestTampered(t *testing.T) {
	reg := testenv.StartRegistry(t)
	s, r, _ := newSigner(t, reg.Host)
	ctx := context.Background()
	p := pushed(t, "lkt/tamper", "v1", 5)
	if _, err := push.Push(ctx, p, push.Options{Registry: r}); err != nil {
		t.Fatal(err)
	}
	repo, _ := r.Repository("lkt/tamper")
	amd := digestOf(t, repo.Tag("v1-amd64"))
	arm := digestOf(t, repo.Tag("v1-arm64"))
	keyPath, _ := keyFile(t)
	b, _ := os.ReadFile(keyPath)
	key, err := cosign.ParsePrivateKey(b, []byte(password))
	if err != nil {
		t.Fatal(err)
	}
	st, err := cosign.Statement(amd, attest.PredicateSPDX, []byte(`{"spdxVersion":"SPDX-2.3"}`))
	if err != nil {
		t.Fatal(err)
	}
	env, err := cosign.Envelope(key, st)
	if err != nil {
		t.Fatal(err)
	}
	// Valid, but about amd64: attached to arm64 it does not count.
	if err := appendLayer(ctx, r, arm, env); err != nil {
		t.Fatal(err)
	}
	if types, err := s.Attested(ctx, arm); err != nil || len(types) != 0 {
		t.Errorf("another image's statement counted: %v %v", types, err)
	}
	// Changed after signing.
	var e map[string]any
	_ = json.Unmarshal(env, &e)
	e["payload"] = base64.StdEncoding.EncodeToString(bytes.Replace(st, []byte("SPDX-2.3"), []byte("SPDX-2.2"), 1))
	bad, _ := json.Marshal(e)
	if err := appendLayer(ctx, r, amd, bad); err != nil {
		t.Fatal(err)
	}
	if types, err := s.Attested(ctx, amd); err != nil || len(types) != 0 {
		t.Errorf("a changed statement counted: %v %v", types, err)
	}
	if err := appendLayer(ctx, r, amd, env); err != nil {
		t.Fatal(err)
	}
	if types, err := s.Attested(ctx, amd); err != nil || len(types) != 1 {
		t.Errorf("the valid one: %v %v", types, err)
	}
}

// appendLayer adds env as a DSSE layer to d's attestation tag, as an
// attacker with push access (but not the key) could.
func appendLayer(ctx context.Context, r registry.Registry, d name.Digest, env []byte) error {
	tag := cosign.AttestationTag(d)
	base, err := remote.Image(tag, r.Options()...)
	if err != nil {
		base = mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	}
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:       static.NewLayer(env, cosign.DSSEMediaType),
		Annotations: map[string]string{cosign.SignatureAnnotation: "", cosign.PredicateTypeAnnotation: attest.PredicateSPDX},
	})
	if err != nil {
		return err
	}
	return remote.Write(tag, img, append(r.Options(), remote.WithContext(ctx))...)
}
