package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// TestBuildFromRegistry: linuxkit's Pkg.Build without --force asks the
// registry for a package its cache lacks: without --pull a package the
// registry has is not built (nor pulled), with --pull it is pulled into
// the cache instead of built. A BuildKit address that does not exist
// shows that nothing is built.
func TestBuildFromRegistry(t *testing.T) {
	d := testenv.BuildKit(t)
	reg := testenv.StartRegistry(t)
	base := testenv.Busybox(t, reg)
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"build.yml":  "image: pulled\norg: lkt\narches: [amd64]\ndisable-content-trust: true\n",
		"Dockerfile": "ARG BASE\nFROM $BASE\nRUN echo hello > /hello\n",
	})
	cache := filepath.Join(t.TempDir(), "store")
	common := []string{"--cache", cache, "--registry", reg.Host, "--hash", "p1", "--build-arg", "BASE=" + base, "--progress", "quiet"}
	out := filepath.Join(cache, "lkt/pulled/p1")

	// The registry lacks it: built (and pushed).
	code, stdout, stderr := lkpkg(t, append([]string{"build", "--push", "--builder-addr", d.Address(), dir}, common...)...)
	if code != 0 {
		t.Fatalf("build --push: %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "is not in the registry: building") {
		t.Errorf("first build: stderr lacks the registry check:\n%s", stderr)
	}
	built, err := build.ReadResult(out)
	if err != nil {
		t.Fatal(err)
	}
	pushedArch := registryDigest(t, reg.Host+"/lkt/pulled:p1-amd64")
	if built.Arches[0].Digest != pushedArch {
		t.Fatalf("built %s, pushed %s", built.Arches[0].Digest, pushedArch)
	}

	// The store is wiped: without --pull, the registry's image is not
	// built and nothing is written.
	if err := os.RemoveAll(cache); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = lkpkg(t, append([]string{"build", "--builder-addr", noBuildKit, dir}, common...)...)
	if code != 0 || !strings.Contains(stderr, "found in the registry as "+reg.Host+"/lkt/pulled:p1, not built and not pulled") {
		t.Fatalf("build with the image in the registry: %d\n%s\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("build without --pull wrote %s (%v)", out, err)
	}

	// --pull: pulled into the store as a build output, not built.
	code, stdout, stderr = lkpkg(t, append([]string{"build", "--pull", "--builder-addr", noBuildKit, dir}, common...)...)
	if code != 0 || !strings.Contains(stderr, "pulled from the registry ("+reg.Host+"/lkt/pulled:p1) into "+out+", not built") {
		t.Fatalf("build --pull: %d\n%s\n%s", code, stdout, stderr)
	}
	got, err := build.ReadResult(out)
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != built.Digest || got.Arches[0].Digest != pushedArch || got.Ref != built.Ref {
		t.Errorf("pulled %+v, built %+v (registry's amd64 image %s)", got, built, pushedArch)
	}
	if !strings.Contains(stdout, "lkt/pulled:p1 "+built.Digest+" "+out) {
		t.Errorf("stdout lacks the output line:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(out, build.OutputMarker)); err != nil {
		t.Errorf("the pulled output has no marker: %v", err)
	}
	// The pulled output is what later commands use: it is reused, and
	// pushed as built.
	code, stdout, stderr = lkpkg(t, append([]string{"build", "--builder-addr", noBuildKit, dir}, common...)...)
	if code != 0 || !strings.Contains(stderr, "not rebuilt") {
		t.Errorf("build after --pull: %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = lkpkg(t, "push", "--nobuild", "--cache", cache, "--registry", reg.Host, "--hash", "p1", dir)
	if code != 0 || !strings.Contains(stderr, "lkt/pulled:p1-amd64: up to date") || !strings.Contains(stdout, "lkt/pulled:p1 "+registryDigest(t, reg.Host+"/lkt/pulled:p1")) {
		t.Errorf("push --nobuild of the pulled output: %d\n%s\n%s", code, stdout, stderr)
	}

	// As in linuxkit (pkgBuilder.checkFlagConflicts).
	if code, _, stderr := lkpkg(t, "build", "--pull", "--force", dir); code != 1 || !strings.Contains(stderr, "--force and --pull conflict") {
		t.Errorf("--pull --force: %d %s", code, stderr)
	}
}
