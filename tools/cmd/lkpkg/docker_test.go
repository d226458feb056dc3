package main

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/dockerload"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// TestBuildDocker: lkpkg build --docker loads the images into a real
// docker engine (dockerd on a socket of its own) as linuxkit's Pkg.Build
// with --docker does: org/image:<tag>-<arch> for each arch, and the
// machine's own arch also as org/image:<tag>.
func TestBuildDocker(t *testing.T) {
	d := testenv.BuildKit(t)
	reg := testenv.StartRegistry(t)
	base := testenv.Busybox(t, reg)
	engine := testenv.StartDocker(t)
	t.Setenv(dockerload.EnvHost, engine.Host)
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"build.yml":  "image: loaded\norg: lkt\narches: [amd64, arm64]\ndisable-content-trust: true\n",
		"Dockerfile": "ARG BASE\nFROM $BASE\nCOPY hello /hello\n",
		"hello":      "hello\n",
	})
	cache := t.TempDir()
	code, stdout, stderr := lkpkg(t, "build", "--docker", "--builder-addr", d.Address(), "--progress", "quiet",
		"--cache", cache, "--registry", reg.Host, "--build-arg", "BASE="+base, "--hash", "d1", dir)
	if code != 0 {
		t.Fatalf("build --docker: %d\n%s\n%s", code, stdout, stderr)
	}
	// Pushing a release: the release tags too (the output is reused).
	code, stdout, stderr2 := lkpkg(t, "build", "--docker", "--push", "--release", "1.0", "--builder-addr", noBuildKit, "--progress", "quiet",
		"--cache", cache, "--registry", reg.Host, "--build-arg", "BASE="+base, "--hash", "d1", dir)
	if code != 0 {
		t.Fatalf("build --docker --push --release: %d\n%s\n%s", code, stdout, stderr2)
	}
	e, err := dockerload.New(engine.Host)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := e.Tags(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"lkt/loaded:d1-amd64", "lkt/loaded:d1-arm64", "lkt/loaded:1.0-amd64", "lkt/loaded:1.0-arm64"}
	if slices.Contains([]string{"amd64", "arm64"}, runtime.GOARCH) {
		want = append(want, "lkt/loaded:d1", "lkt/loaded:1.0")
	}
	for _, w := range want {
		if !slices.Contains(tags, w) {
			t.Errorf("the engine lacks %s; it has %v", w, tags)
		}
	}
	if !strings.Contains(stderr, "loaded into the docker engine at "+engine.Host+" as lkt/loaded:d1-arm64") {
		t.Errorf("stderr does not say what was loaded:\n%s", stderr)
	}
	if code, _, stderr := lkpkg(t, "build", "--docker", "--hermetic", "--output-dir", t.TempDir(), dir); code != 1 || !strings.Contains(stderr, "--docker does not go with --hermetic") {
		t.Errorf("--docker --hermetic: %d %s", code, stderr)
	}
}
