package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/notary"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// TestMain lets tests run lkpkg as a separate process: the test binary
// re-executes itself with LKPKG_TEST_MAIN=1.
func TestMain(m *testing.M) {
	if os.Getenv("LKPKG_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// pushPkg writes a package directory and a synthetic build output for it
// (one per arch) and returns the package dir and the outputs.
func pushPkg(t *testing.T, trust bool, tag string, arches ...string) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	yml := "image: pushme\norg: lkt\narches: [" + strings.Join(arches, ", ") + "]\n"
	if !trust {
		yml += "disable-content-trust: true\n"
	}
	writeTree(t, dir, map[string]string{"build.yml": yml, "Dockerfile": "FROM scratch\n"})
	outs := map[string]string{}
	for _, a := range arches {
		out := t.TempDir()
		if _, err := testenv.BuildOutput(out, "lkt/pushme", tag, []string{a}, 2, 2048, 1); err != nil {
			t.Fatal(err)
		}
		outs[a] = out
	}
	return dir, outs
}

func indexArches(t *testing.T, ref string) []string {
	t.Helper()
	var out []string
	for _, m := range remoteIndex(t, ref).Manifests {
		if m.Annotations["vnd.docker.reference.type"] != "" {
			continue // attestations
		}
		out = append(out, m.Platform.Architecture)
	}
	return out
}

// remoteIndex reads the index ref names from the registry.
func remoteIndex(t *testing.T, ref string) *v1.IndexManifest {
	t.Helper()
	d, err := remote.Get(mustParse(t, ref))
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// TestPushHermeticShape runs the exact command line Bazel's push target
// runs, then lkpkg manifest.
func TestPushHermeticShape(t *testing.T) {
	reg := testenv.StartRegistry(t)
	dir, outs := pushPkg(t, false, "h1", "amd64", "arm64")
	for _, a := range []string{"amd64", "arm64"} {
		code, stdout, stderr := lkpkg(t, "push", "--hermetic", "--input-dir", outs[a], "--registry", reg.Host, dir)
		if code != 0 {
			t.Fatalf("push %s: %d\n%s", a, code, stderr)
		}
		if !strings.Contains(stdout, reg.Host+"/lkt/pushme:h1 sha256:") {
			t.Errorf("stdout: %s", stdout)
		}
	}
	if got := indexArches(t, reg.Host+"/lkt/pushme:h1"); len(got) != 2 {
		t.Fatalf("index holds %v", got)
	}
	// lkpkg manifest finds both arch tags and has nothing to do.
	code, _, stderr := lkpkg(t, "manifest", "--hash", "h1", "--registry", reg.Host, dir)
	if code != 0 {
		t.Fatalf("manifest: %s", stderr)
	}
	// --hermetic without --input-dir is a usage error.
	if code, _, stderr := lkpkg(t, "push", "--hermetic", dir); code == 0 || !strings.Contains(stderr, "--input-dir") {
		t.Errorf("push --hermetic without --input-dir: %d %s", code, stderr)
	}
}

// TestConcurrentPushProcesses pushes two arches at the same moment from
// two lkpkg processes.
func TestConcurrentPushProcesses(t *testing.T) {
	reg := testenv.StartRegistry(t)
	dir, outs := pushPkg(t, false, "cc", "amd64", "arm64")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := map[string]string{}
	var mu sync.Mutex
	for _, a := range []string{"amd64", "arm64"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(exe, "push", "--hermetic", "--progress", "quiet", "--input-dir", outs[a], "--registry", reg.Host, dir)
			cmd.Env = append(os.Environ(), "LKPKG_TEST_MAIN=1")
			out, err := cmd.CombinedOutput()
			if err != nil {
				mu.Lock()
				errs[a] = err.Error() + ": " + string(out)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for a, e := range errs {
		t.Errorf("%s: %s", a, e)
	}
	if got := indexArches(t, reg.Host+"/lkt/pushme:cc"); len(got) != 2 {
		t.Fatalf("index holds %v, want amd64 and arm64", got)
	}
}

// TestPushSignedAndTrustInspect pushes with content trust through the CLI
// (passphrase from the environment) and inspects the signatures.
func TestPushSignedAndTrustInspect(t *testing.T) {
	reg := testenv.StartRegistry(t)
	n := testenv.StartNotary(t)
	trustDir := t.TempDir()
	t.Setenv(notary.EnvRootPassphrase, "root-pass")
	t.Setenv(notary.EnvRepositoryPassphrase, "repo-pass")
	t.Setenv("HOME", t.TempDir()) // no config.yml
	dir, outs := pushPkg(t, true, "sg", "amd64")
	trustArgs := []string{"--trust-server", n.URL, "--trust-ca", n.CAFile, "--trust-dir", trustDir}
	args := append([]string{"push", "--hermetic", "--input-dir", outs["amd64"], "--registry", reg.Host}, trustArgs...)
	code, stdout, stderr := lkpkg(t, append(args, dir)...)
	if code != 0 {
		t.Fatalf("push: %s", stderr)
	}
	if !strings.Contains(stdout, "signed 2 tags") {
		t.Errorf("stdout: %s", stdout)
	}
	for _, s := range []string{"root-pass", "repo-pass"} {
		if strings.Contains(stdout+stderr, s) {
			t.Errorf("output shows a passphrase")
		}
	}
	code, stdout, stderr = lkpkg(t, append(append([]string{"trust", "inspect", "--fresh"}, trustArgs...), reg.Host+"/lkt/pushme")...)
	if code != 0 {
		t.Fatalf("trust inspect: %d %s %s", code, stdout, stderr)
	}
	if strings.Count(stdout, " ok\n") != 2 || !strings.Contains(stdout, "sg-amd64") {
		t.Errorf("trust inspect:\n%s", stdout)
	}
	// An unsigned tag is reported and fails.
	code, stdout, _ = lkpkg(t, append(append([]string{"trust", "inspect"}, trustArgs...), reg.Host+"/lkt/pushme:nope")...)
	if code == 0 || !strings.Contains(stdout, "UNSIGNED") {
		t.Errorf("inspect of an unsigned tag: %d\n%s", code, stdout)
	}
}

// TestPushHashTagImmutable: pushing other content under a tag the
// registry has skips the arch (exit 0, said on stderr and stdout) and
// leaves the index; --force overwrites.
func TestPushHashTagImmutable(t *testing.T) {
	reg := testenv.StartRegistry(t)
	dir, outs := pushPkg(t, false, "fx", "amd64")
	if code, _, stderr := lkpkg(t, "push", "--hermetic", "--input-dir", outs["amd64"], "--registry", reg.Host, dir); code != 0 {
		t.Fatalf("first push: %s", stderr)
	}
	before := indexDigests(t, reg.Host+"/lkt/pushme:fx")
	rebuilt := t.TempDir()
	if _, err := testenv.BuildOutput(rebuilt, "lkt/pushme", "fx", []string{"amd64"}, 2, 2048, 2); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := lkpkg(t, "push", "--hermetic", "--input-dir", rebuilt, "--registry", reg.Host, dir)
	if code != 0 {
		t.Fatalf("push of a rebuild: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		reg.Host + "/lkt/pushme:fx-amd64: the registry already has sha256:",
		": skipping (a hash tag is never rewritten; --force overwrites)",
		reg.Host + "/lkt/pushme:fx: no new platforms to push",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "fx-amd64 "+before[0]+" (already in the registry: skipped)") {
		t.Errorf("stdout:\n%s", stdout)
	}
	if after := indexDigests(t, reg.Host+"/lkt/pushme:fx"); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("the index changed from %v to %v", before, after)
	}
	code, _, stderr = lkpkg(t, "push", "--hermetic", "--force", "--input-dir", rebuilt, "--registry", reg.Host, dir)
	if code != 0 || !strings.Contains(stderr, "(--force)") {
		t.Fatalf("push --force: exit %d\n%s", code, stderr)
	}
	if after := indexDigests(t, reg.Host+"/lkt/pushme:fx"); len(after) != 1 || after[0] == before[0] {
		t.Errorf("--force left the index at %v", after)
	}
	// --force is a flag of push and build (--push), not of manifest,
	// which writes no arch tag.
	if code, _, stderr := lkpkg(t, "build", "--push", "--force", "--output-format", "tar", dir); code == 0 || !strings.Contains(stderr, "--output-format dir") {
		t.Errorf("build --push --force: exit %d %s", code, stderr)
	}
	if code, _, stderr := lkpkg(t, "manifest", "--force", dir); code == 0 || !strings.Contains(stderr, "-force") {
		t.Errorf("manifest --force: exit %d %s", code, stderr)
	}
}

// TestPushReleaseRefused: a release is written once; pushing another
// arch with the same --release fails and says how to release arches
// pushed separately, which then works with lkpkg manifest --release.
func TestPushReleaseRefused(t *testing.T) {
	reg := testenv.StartRegistry(t)
	dir, outs := pushPkg(t, false, "rl", "amd64", "arm64")
	push := func(arch string, extra ...string) (int, string) {
		args := append([]string{"push", "--hermetic", "--input-dir", outs[arch], "--registry", reg.Host}, extra...)
		code, _, stderr := lkpkg(t, append(args, dir)...)
		return code, stderr
	}
	if code, stderr := push("amd64", "--release", "v1"); code != 0 {
		t.Fatalf("push --release v1: %s", stderr)
	}
	code, stderr := push("arm64", "--release", "v1")
	if code == 0 || !strings.Contains(stderr, "releases are never overwritten, so nothing was pushed") || !strings.Contains(stderr, "lkpkg manifest --release v1") {
		t.Fatalf("second arch with --release v1: exit %d\n%s", code, stderr)
	}
	if _, err := remote.Head(mustParse(t, reg.Host+"/lkt/pushme:rl-arm64")); err == nil {
		t.Error("rl-arm64 was pushed although the release was refused")
	}
	// Arches pushed separately, then released together.
	if code, stderr := push("arm64"); code != 0 {
		t.Fatalf("push arm64: %s", stderr)
	}
	if code, _, stderr := lkpkg(t, "manifest", "--hash", "rl", "--registry", reg.Host, "--release", "v2", dir); code != 0 {
		t.Fatalf("manifest --release v2: %s", stderr)
	}
	if got := indexArches(t, reg.Host+"/lkt/pushme:v2"); len(got) != 2 {
		t.Errorf("release v2 holds %v", got)
	}
}

func mustParse(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// indexDigests returns the digests of the images an index names.
func indexDigests(t *testing.T, ref string) []string {
	t.Helper()
	var out []string
	for _, m := range remoteIndex(t, ref).Manifests {
		out = append(out, m.Digest.String())
	}
	return out
}
