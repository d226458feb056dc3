package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// A package tree for linuxkit's build and push flags: app builds on a base
// image and prints a label from a build arg; dep is FROM scratch; chained
// builds FROM dep through an @lkt:pkg: build arg.
func linuxkitFlagsRepo(t *testing.T, base string) string {
	t.Helper()
	needGit(t)
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"pkgs/app/build.yml":        "image: app\norg: lkt\narches: [amd64]\ndisable-content-trust: true\n",
		"pkgs/app/Dockerfile":       "ARG BASE\nFROM $BASE\nARG GREETING=none\nLABEL greeting=$GREETING\n",
		"pkgs/app/Dockerfile.alt":   "ARG BASE\nFROM $BASE\nLABEL alt=yes\n",
		"pkgs/dep/build.yml":        "image: dep\norg: lkt\narches: [amd64]\ndisable-content-trust: true\n",
		"pkgs/dep/Dockerfile":       "FROM scratch\nCOPY x /x\n",
		"pkgs/dep/x":                "dep\n",
		"pkgs/chained/build.yml":    "image: chained\norg: lkt\narches: [amd64]\nbuildArgs:\n  - DEP=@lkt:pkg:../dep\n",
		"pkgs/chained/Dockerfile":   "ARG DEP\nFROM $DEP\nCOPY y /y\n",
		"pkgs/chained/y":            "chained\n",
		"args/app.args":             "BASE=" + base + "\n  GREETING=from-file  \n\nDEP=@lkt:pkg:../pkgs/dep\n",
		"args/bad.args":             "GREETING\n",
		"args/absolute.args":        "DEP=@lkt:pkg:/pkgs/dep\n",
		"args/unknown-lkt-ref.args": "DEP=@lkt:foo:bar\n",
	})
	git(t, root, "init", "-q")
	git(t, root, "add", ".")
	gittest.Commit(t, root, "packages")
	return root
}

func showTag(t *testing.T, dir string) string {
	t.Helper()
	code, stdout, stderr := lkpkg(t, "show-tag", dir)
	if code != 0 {
		t.Fatalf("show-tag %s: %s", dir, stderr)
	}
	ref := strings.TrimSpace(stdout)
	return ref[strings.LastIndexByte(ref, ':')+1:]
}

// catalog lists the registry's repositories and, for each, its tags.
func catalog(t *testing.T, host string) map[string][]string {
	t.Helper()
	get := func(path string, v any) {
		resp, err := http.Get("http://" + host + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	var c struct{ Repositories []string }
	get("/v2/_catalog", &c)
	out := map[string][]string{}
	for _, r := range c.Repositories {
		var tl struct{ Tags []string }
		get("/v2/"+r+"/tags/list", &tl)
		slices.Sort(tl.Tags)
		out[r] = tl.Tags
	}
	return out
}

// imageLabels reads the labels of the one image in the OCI layout dir.
func imageLabels(t *testing.T, dir string) map[string]string {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil || len(m.Manifests) == 0 {
		t.Fatalf("%s: %v %v", dir, m, err)
	}
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cf.Config.Labels
}

const noBuildKit = "unix:///nonexistent/buildkitd.sock"

// TestLinuxkitBuildFlags runs `lkpkg pkg build/push` with linuxkit's flags,
// with a real BuildKit and registry. Each step names the linuxkit function
// whose behaviour it checks. A BuildKit address that does not exist shows
// where nothing is built.
func TestLinuxkitBuildFlags(t *testing.T) {
	d := testenv.BuildKit(t)
	reg := testenv.StartRegistry(t)
	base := testenv.Busybox(t, reg)
	root := linuxkitFlagsRepo(t, base)
	app, dep, chained := filepath.Join(root, "pkgs/app"), filepath.Join(root, "pkgs/dep"), filepath.Join(root, "pkgs/chained")
	appTag, depTag := showTag(t, app), showTag(t, dep)
	argFile := filepath.Join(root, "args/app.args")
	cache := filepath.Join(t.TempDir(), "store")
	appOut := filepath.Join(cache, "lkt/app", appTag)

	// --dry-run (pkgBuildCmd's WithDryRun, the dry docker runner): prints
	// the build, its resolved args and the tags to push; no BuildKit, no
	// store, nothing in the registry.
	before := catalog(t, reg.Host)
	code, stdout, stderr := lkpkg(t, "--cache", cache, "pkg", "build", "--dry-run", "--push", "--registry", reg.Host,
		"--builder-addr", noBuildKit, "--build-arg-file", argFile, app)
	if code != 0 {
		t.Fatalf("--dry-run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"lkt/app:" + appTag + ": would build for linux/amd64 into " + appOut,
		"build-arg: GREETING=from-file",
		// TransformBuildArgValue: @lkt:pkg: relative to the file's directory.
		"build-arg: DEP=lkt/dep:" + depTag,
		"would push " + reg.Host + "/lkt/app:" + appTag + "-amd64, then the index " + reg.Host + "/lkt/app:" + appTag + ", unsigned",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--dry-run output lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(cache); !os.IsNotExist(err) {
		t.Errorf("--dry-run created the store %s (%v)", cache, err)
	}
	if after := catalog(t, reg.Host); !equalCatalog(before, after) {
		t.Errorf("--dry-run wrote to the registry: before %v, after %v", before, after)
	}

	// --build-arg-file (pkgBuildCmd: file lines, transformed, augment and
	// override build.yml's buildArgs), with the global --cache and -q.
	if code, _, stderr := lkpkg(t, "--cache", cache, "-q", "pkg", "build", "--builder-addr", d.Address(), "--build-arg-file", argFile, app); code != 0 {
		t.Fatalf("build --build-arg-file: exit %d\n%s", code, stderr)
	}
	if got := imageLabels(t, filepath.Join(appOut, "amd64"))["greeting"]; got != "from-file" {
		t.Errorf("label greeting = %q, want from-file (the build arg from the file)", got)
	}
	for _, bad := range []struct{ file, want string }{
		{"args/bad.args", "bad.args:1: \"GREETING\" is not NAME=VALUE"},
		// Taken as is, as TransformBuildArgValue takes it: /pkgs/dep, not
		// <root>/args/pkgs/dep, is the package that is not there.
		{"args/absolute.args", "/pkgs/dep"},
		{"args/unknown-lkt-ref.args", "not a known linuxkit reference"},
	} {
		code, _, stderr := lkpkg(t, "build", "--dry-run", "--build-arg-file", filepath.Join(root, bad.file), app)
		if code != 1 || !strings.Contains(stderr, bad.want) {
			t.Errorf("--build-arg-file %s: exit %d, stderr %q; want %q", bad.file, code, stderr, bad.want)
		}
	}

	// Without --force, what the store holds is not rebuilt (Pkg.Build:
	// "found ... in local cache, skipping build"): no BuildKit needed.
	code, stdout, stderr = lkpkg(t, "build", "--cache", cache, "--builder-addr", noBuildKit, "--build-arg-file", argFile, app)
	if code != 0 || !strings.Contains(stderr, "not rebuilt") || !strings.Contains(stdout, appOut) {
		t.Fatalf("rebuild without --force: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// --force (WithBuildForce) rebuilds: here it needs BuildKit.
	if code, _, stderr := lkpkg(t, "build", "--cache", cache, "--force", "--builder-addr", noBuildKit, app); code != 1 || !strings.Contains(stderr, "nonexistent") {
		t.Errorf("--force did not try to build: exit %d, stderr %q", code, stderr)
	}
	// --dockerfile (WithDockerfile) replaces build.yml's, inside the package.
	if code, _, stderr := lkpkg(t, "build", "--cache", cache, "--force", "-q", "--builder-addr", d.Address(), "--dockerfile", "Dockerfile.alt", "--build-arg", "BASE="+base, app); code != 0 {
		t.Fatalf("--dockerfile: exit %d\n%s", code, stderr)
	}
	if l := imageLabels(t, filepath.Join(appOut, "amd64")); l["alt"] != "yes" || l["greeting"] != "" {
		t.Errorf("--dockerfile Dockerfile.alt: labels %v, want alt=yes and no greeting", l)
	}
	for _, df := range []string{"../dep/Dockerfile", "Dockerfile.missing"} {
		if code, _, stderr := lkpkg(t, "build", "--dry-run", "--dockerfile", df, app); code != 1 || !strings.Contains(stderr, "--dockerfile "+df) {
			t.Errorf("--dockerfile %s: exit %d, stderr %q", df, code, stderr)
		}
	}

	// --skip-platforms (pkgBuildCmd): linux/<arch> only, not with
	// --platforms; a package left without arches is skipped, not an error.
	if code, _, stderr := lkpkg(t, "build", "--builder-addr", noBuildKit, "--skip-platforms", "linux/amd64", app); code != 0 || !strings.Contains(stderr, "skipped") {
		t.Errorf("--skip-platforms linux/amd64: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := lkpkg(t, "build", "--dry-run", "--skip-platforms", "linux/arm64", "--build-arg-file", argFile, app); code != 0 {
		t.Errorf("--skip-platforms of an arch the package does not have: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := lkpkg(t, "build", "--skip-platforms", "amd64", app); code != 1 || !strings.Contains(stderr, "linux/<arch>") {
		t.Errorf("--skip-platforms amd64: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := lkpkg(t, "build", "--skip-platforms", "linux/arm64", "--platforms", "linux/amd64", app); code != 1 || !strings.Contains(stderr, "may not be used together") {
		t.Errorf("--skip-platforms with --platforms: exit %d, stderr %q", code, stderr)
	}

	// --ignore-cached (WithBuildIgnoreCache: no cache for dependent
	// images): chained's FROM lkt/dep:<tag> is in the store only, so it
	// builds from the store and fails without it.
	if code, _, stderr := lkpkg(t, "build", "--cache", cache, "-q", "--builder-addr", d.Address(), dep); code != 0 {
		t.Fatalf("build dep: %s", stderr)
	}
	if code, _, stderr := lkpkg(t, "build", "--cache", cache, "-q", "--ignore-cached", "--builder-addr", d.Address(), chained); code != 1 || !strings.Contains(stderr, "lkt/dep") {
		t.Errorf("--ignore-cached: exit %d, stderr %q; want the pull of lkt/dep to fail", code, stderr)
	}
	if code, _, stderr := lkpkg(t, "build", "--cache", cache, "-q", "--builder-addr", d.Address(), chained); code != 0 {
		t.Errorf("chained build from the store: exit %d\n%s", code, stderr)
	}

	// push is build --push (pkgPushCmd); what the store holds is pushed
	// without building; the git tag on HEAD is the release (Pkg.Build,
	// git.commitTag("HEAD")).
	git(t, root, "tag", "v0.9")
	code, stdout, stderr = lkpkg(t, "--cache", cache, "pkg", "push", "--registry", reg.Host, "--builder-addr", noBuildKit, app)
	if code != 0 {
		t.Fatalf("push: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "releasing as v0.9") {
		t.Errorf("push does not say it releases as the git tag: %q", stderr)
	}
	idx := digestOf(t, reg.Host+"/lkt/app:"+appTag)
	if idx == "" || digestOf(t, reg.Host+"/lkt/app:"+appTag+"-amd64") == "" {
		t.Fatalf("push wrote no %s tags: %v", appTag, catalog(t, reg.Host))
	}
	if rel := digestOf(t, reg.Host+"/lkt/app:v0.9"); rel != idx {
		t.Errorf("release v0.9 names %q, want the index %s", rel, idx)
	}
	// --nobuild (WithBuildSkip) pushes only what is built; with --force it
	// is refused, as linuxkit refuses it.
	if code, _, stderr := lkpkg(t, "push", "--cache", cache, "--nobuild", "--registry", reg.Host, "--hash", "notbuilt", dep); code != 1 || !strings.Contains(stderr, "lkpkg build") {
		t.Errorf("push --nobuild of an unbuilt package: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := lkpkg(t, "push", "--nobuild", "--force", dep); code != 1 || !strings.Contains(stderr, "conflict") {
		t.Errorf("--nobuild --force: exit %d, stderr %q", code, stderr)
	}
	if digestOf(t, reg.Host+"/lkt/dep:notbuilt") != "" {
		t.Error("push --nobuild wrote an unbuilt package")
	}
	// Without --nobuild, push builds what is missing, then pushes it.
	if code, _, stderr := lkpkg(t, "push", "--cache", cache, "-q", "--registry", reg.Host, "--builder-addr", d.Address(), "--hash", "h2", "--release", "r2", dep); code != 0 {
		t.Fatalf("push building first: exit %d\n%s", code, stderr)
	}
	if digestOf(t, reg.Host+"/lkt/dep:h2-amd64") == "" || digestOf(t, reg.Host+"/lkt/dep:r2") == "" {
		t.Errorf("push did not build and push dep:h2: %v", catalog(t, reg.Host))
	}

	// builder du (pkgBuilderCmd "du"): the daemon's cache after the builds.
	code, stdout, stderr = lkpkg(t, "-v", "pkg", "builder", "du", "--builder-addr", d.Address())
	if code != 0 || !strings.Contains(stdout, "ID") || strings.Contains(stdout, "records: 0\n") || strings.Contains(stdout, "total: 0.0 MB") {
		t.Errorf("builder du: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func equalCatalog(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
