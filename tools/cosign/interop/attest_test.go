//go:build cosign_interop

package interop

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"
	"github.com/sigstore/cosign/v2/cmd/cosign/cli"

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
// fixture SBOM scanner (a real BuildKit SBOM generator run), and returns
// it to push as lkt/sbom.
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

// runCosign runs the cosign CLI (its own cobra command tree, as the
// cosign binary does) with args and returns what it printed.
func runCosign(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	dir := t.TempDir()
	outFile := filepath.Join(dir, "stdout")
	errFile, ferr := os.Create(filepath.Join(dir, "stderr"))
	if ferr != nil {
		t.Fatal(ferr)
	}
	saved := os.Stderr
	os.Stderr = errFile // cosign prints its report to os.Stderr
	cmd := cli.New()
	cmd.SetArgs(append([]string{args[0], "--output-file", outFile}, args[1:]...))
	cmd.SetErr(errFile)
	err = cmd.ExecuteContext(context.Background())
	os.Stderr = saved
	errFile.Close()
	o, _ := os.ReadFile(outFile)
	e, _ := os.ReadFile(errFile.Name())
	return string(o), string(e), err
}

// TestOurSBOMAttestationVerifiedByCosign: lkpkg push --sign=cosign of a
// real build with an SBOM scanner; cosign verify-attestation --type
// spdxjson --key cosign.pub (cosign's own CLI) accepts the arch image's
// attestation, and one with another key does not.
func TestOurSBOMAttestationVerifiedByCosign(t *testing.T) {
	reg := testenv.StartRegistry(t)
	p, res := buildWithSBOM(t, reg)
	keyPath, _ := cosignKeys(t)
	pubPath := filepath.Join(filepath.Dir(keyPath), "cosign.pub")
	r := registry.Registry{Prefix: reg.Host}
	s := cosign.New(cosign.Config{KeyFile: keyPath, Password: []byte(password), Registry: r})
	rep, err := push.Push(context.Background(), p, push.Options{Registry: r, Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Attested) != 1 {
		t.Fatalf("attested %v", rep.Attested)
	}
	ref := reg.Host + "/lkt/sbom:" + p.Tag + "-amd64"
	stdout, stderr, err := runCosign(t, "verify-attestation", "--key", pubPath, "--type", "spdxjson", "--insecure-ignore-tlog", ref)
	t.Logf("cosign verify-attestation --key cosign.pub --type spdxjson --insecure-ignore-tlog %s\nstderr:\n%s\nstdout (%d bytes):\n%.400s", ref, stderr, len(stdout), stdout)
	if err != nil {
		t.Fatalf("cosign verify-attestation: %v", err)
	}
	// stdout: the verified envelopes, one JSON document a line.
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 1 {
		t.Fatalf("cosign printed %d attestations, want 1", len(lines))
	}
	var env struct{ PayloadType, Payload string }
	if err := json.Unmarshal([]byte(lines[0]), &env); err != nil {
		t.Fatal(err)
	}
	st, _ := base64.StdEncoding.DecodeString(env.Payload)
	var statement struct {
		PredicateType string `json:"predicateType"`
		Subject       []struct {
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		Predicate json.RawMessage `json:"predicate"`
	}
	if err := json.Unmarshal(st, &statement); err != nil {
		t.Fatal(err)
	}
	if statement.PredicateType != attest.PredicateSPDX || len(statement.Subject) != 1 || "sha256:"+statement.Subject[0].Digest["sha256"] != res.Arches[0].Digest || !strings.Contains(string(statement.Predicate), "/listed.txt") {
		t.Errorf("verified statement: %.500s", st)
	}

	// cosign's own attestation (cosign attest, same key, the same SBOM,
	// here about the index) verifies with ours.
	sbom := filepath.Join(t.TempDir(), "sbom.spdx.json")
	if err := os.WriteFile(sbom, statement.Predicate, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("COSIGN_PASSWORD", password)
	idxRef := reg.Host + "/lkt/sbom:" + p.Tag
	if _, stderr, err := runCosign(t, "attest", "--key", keyPath, "--type", "spdxjson", "--predicate", sbom, "--tlog-upload=false", "--yes", idxRef); err != nil {
		t.Fatalf("cosign attest: %v\n%s", err, stderr)
	}
	idx := digestOfRef(t, idxRef)
	if types, err := cosign.NewVerifier(pubOf(t, pubPath), r).Attested(context.Background(), idx); err != nil || len(types) != 1 || types[0] != attest.PredicateSPDX {
		t.Errorf("our verifier on cosign's attestation: %v %v", types, err)
	}

	// Another key: cosign refuses.
	other, _ := cosignKeys(t)
	if _, stderr, err := runCosign(t, "verify-attestation", "--key", filepath.Join(filepath.Dir(other), "cosign.pub"), "--type", "spdxjson", "--insecure-ignore-tlog", ref); err == nil {
		t.Errorf("cosign verified our attestation with another key: %s", stderr)
	}
}

func digestOfRef(t *testing.T, ref string) name.Digest {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.Head(r)
	if err != nil {
		t.Fatal(err)
	}
	return r.Context().Digest(d.Digest.String())
}

func pubOf(t *testing.T, path string) *ecdsa.PublicKey {
	t.Helper()
	k, err := cosign.ParsePublicKey(mustRead(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
