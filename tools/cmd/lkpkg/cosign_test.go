package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/cosign"
	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// cosignKeys makes a key pair with lkpkg trust generate-key-pair, the
// password in $COSIGN_PASSWORD, and returns the key and public key paths.
func cosignKeys(t *testing.T) (string, string) {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "cosign")
	t.Setenv(cosign.PasswordEnv, "s3cret")
	if code, _, stderr := lkpkg(t, "trust", "generate-key-pair", "--output-key-prefix", prefix); code != 0 {
		t.Fatalf("generate-key-pair: %s", stderr)
	}
	if code, _, stderr := lkpkg(t, "trust", "generate-key-pair", "--output-key-prefix", prefix); code == 0 || !strings.Contains(stderr, "not overwriting") {
		t.Fatalf("generate-key-pair over existing keys: %d %s", code, stderr)
	}
	return prefix + ".key", prefix + ".pub"
}

// TestPushCosignAndTrustInspect: lkpkg push --sign=cosign, then lkpkg
// trust inspect --sign=cosign; a wrong password pushes nothing.
func TestPushCosignAndTrustInspect(t *testing.T) {
	reg := testenv.StartRegistry(t)
	key, pub := cosignKeys(t)
	dir, outs := pushPkg(t, true, "c1", "amd64")

	t.Setenv(cosign.PasswordEnv, "wrong")
	code, _, stderr := lkpkg(t, "push", "--hermetic", "--progress", "quiet", "--input-dir", outs["amd64"], "--registry", reg.Host, "--sign", "cosign", "--cosign-key", key, dir)
	if code == 0 || !strings.Contains(stderr, "nothing was pushed") || !strings.Contains(stderr, "COSIGN_PASSWORD") {
		t.Fatalf("wrong password: %d %s", code, stderr)
	}
	if strings.Contains(stderr, "wrong") && strings.Contains(stderr, "=wrong") {
		t.Fatalf("the password is in the output: %s", stderr)
	}
	repo, _ := name.NewRepository(reg.Host + "/lkt/pushme")
	if tags, err := remote.List(repo); err == nil && len(tags) > 0 {
		t.Fatalf("pushed anyway: %v", tags)
	}

	t.Setenv(cosign.PasswordEnv, "s3cret")
	code, stdout, stderr := lkpkg(t, "push", "--hermetic", "--progress", "quiet", "--input-dir", outs["amd64"], "--registry", reg.Host, "--release", "1.0", "--sign", "cosign", "--cosign-key", key, dir)
	if code != 0 || !strings.Contains(stdout, "signed 3 tags") {
		t.Fatalf("push: %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = lkpkg(t, "trust", "inspect", "--sign", "cosign", "--cosign-pub", pub, reg.Host+"/lkt/pushme")
	if code != 0 || strings.Count(stdout, " ok\n") != 3 || !strings.Contains(stdout, "cosign:") {
		t.Fatalf("trust inspect: %d\n%s\n%s", code, stdout, stderr)
	}
	// A tag pushed unsigned (other contents) is UNSIGNED.
	out2 := t.TempDir()
	if _, err := testenv.BuildOutput(out2, "lkt/pushme", "c2", []string{"amd64"}, 1, 512, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := push.Push(t.Context(), mustFromBuild(t, out2), push.Options{Registry: registry.Registry{Prefix: reg.Host}}); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = lkpkg(t, "trust", "inspect", "--sign", "cosign", "--cosign-pub", pub, reg.Host+"/lkt/pushme:c2", reg.Host+"/lkt/pushme:c1")
	if code == 0 || !strings.Contains(stdout, "c2  ") || !strings.Contains(stdout, "UNSIGNED") || strings.Count(stdout, " ok\n") != 1 {
		t.Fatalf("trust inspect of an unsigned tag: %d\n%s", code, stdout)
	}
}

func mustFromBuild(t *testing.T, out string) *push.Package {
	t.Helper()
	p, _, err := push.FromBuild(out, "lkt/pushme")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBuildPush: lkpkg build --push with a real BuildKit and registry
// builds, pushes as lkpkg push does and signs with cosign.
func TestBuildPush(t *testing.T) {
	d := testenv.BuildKit(t)
	reg := testenv.StartRegistry(t)
	base := testenv.Busybox(t, reg)
	scanner := testenv.FixtureScanner(t, reg)
	key, pub := cosignKeys(t)
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"build.yml":  "image: built\norg: lkt\narches: [amd64]\n",
		"Dockerfile": "ARG BASE\nFROM $BASE\nRUN echo hello > /hello\n",
	})
	out := t.TempDir()
	code, stdout, stderr := lkpkg(t, "build", "--push", "--builder-addr", d.Address(), "--progress", "quiet",
		"--build-arg", "BASE="+base, "--output-dir", out, "--hash", "b1",
		"--registry", reg.Host, "--release", "1.0", "--sign", "cosign", "--cosign-key", key, "--sbom-scanner", scanner, dir)
	if code != 0 {
		t.Fatalf("build --push: %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"lkt/built:b1 sha256:", reg.Host + "/lkt/built:b1-amd64 sha256:", reg.Host + "/lkt/built:1.0 sha256:", "signed 3 tags", "attested 1 images (SPDX SBOM)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if got := indexArches(t, reg.Host+"/lkt/built:b1"); len(got) != 1 || got[0] != "amd64" {
		t.Fatalf("index holds %v", got)
	}
	// The index lists the image's provenance attestation, and the
	// signature covers that index.
	res, err := build.ReadResult(out)
	if err != nil {
		t.Fatal(err)
	}
	var atts []string
	for _, m := range remoteIndex(t, reg.Host+"/lkt/built:b1").Manifests {
		if m.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			atts = append(atts, m.Annotations["vnd.docker.reference.digest"]+" "+m.Digest.String())
		}
	}
	if want := res.Arches[0].Digest + " " + res.Arches[0].Attestation; len(atts) != 1 || atts[0] != want {
		t.Errorf("index attestations %v, want [%s]", atts, want)
	}
	idxDigest, err := remote.Head(mustParse(t, reg.Host+"/lkt/built:b1"))
	if err != nil {
		t.Fatal(err)
	}
	// Pushed to a registry without the index, the index is the build's.
	if idxDigest.Digest.String() != res.Digest {
		t.Errorf("the registry's index is %s, the build's %s", idxDigest.Digest, res.Digest)
	}
	code, stdout, stderr = lkpkg(t, "trust", "inspect", "--sign", "cosign", "--cosign-pub", pub, reg.Host+"/lkt/built")
	if code != 0 || !strings.Contains(stdout, idxDigest.Digest.String()) {
		t.Fatalf("trust inspect (want the signed index %s): %s\n%s", idxDigest.Digest, stdout, stderr)
	}
	// The SBOM attestation of the image, reported once, by the key.
	_, attTable, _ := strings.Cut(stdout, "\nIMAGE")
	if row := regexp.MustCompile(`(?m)^\S+/lkt/built\s+b1-amd64\s+https://spdx.dev/Document\s+cosign:\S+$`); len(row.FindAllString(attTable, -1)) != 1 || strings.Count(attTable, "spdx") != 1 {
		t.Errorf("trust inspect's attestations: %s", stdout)
	}
	t.Logf("lkpkg trust inspect:\n%s", stdout)
	// Flag errors come before the build.
	if code, _, stderr := lkpkg(t, "build", "--push", "--hermetic", "--output-dir", out, dir); code == 0 || !strings.Contains(stderr, "--hermetic") {
		t.Errorf("--push --hermetic: %d %s", code, stderr)
	}
	t.Setenv(cosign.PasswordEnv, "wrong")
	if code, _, stderr := lkpkg(t, "build", "--push", "--builder-addr", "unix:///nonexistent", "--output-dir", out, "--hash", "b2", "--registry", reg.Host, "--sign", "cosign", "--cosign-key", key, dir); code == 0 || !strings.Contains(stderr, "nothing was built") {
		t.Errorf("wrong password: %d %s", code, stderr)
	}
}
