package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
	"github.com/rules-linuxkit/rules_linuxkit/tools/version"
)

// archDigests returns "arch=digest ..." of a build output.
func archDigests(t *testing.T, out string) string {
	t.Helper()
	r, err := build.ReadResult(out)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, a := range r.Arches {
		s = append(s, a.Arch+"="+a.Digest)
	}
	return strings.Join(s, " ")
}

// The image built for a tag depends on the package, not on the checkout's
// HEAD: an unrelated commit leaves the tag and the digests as they were,
// and a Bazel action's build (--hermetic --srcs-manifest, no git) of the
// same files gives the same digests as the CLI. linuxkit's Pkg.Build
// (pkglib/build.go) stamps HEAD's commit (REVISION, the
// org.opencontainers.image.revision label); lkpkg keeps only what describes
// the package.
func TestImageDoesNotDependOnHEAD(t *testing.T) {
	needGit(t)
	bk := testenv.BuildKit(t)
	root := t.TempDir()
	git(t, root, "init", "-q")
	files := map[string]string{
		"build.yml":  "image: headless\norg: lkt\narches: [amd64]\n",
		"Dockerfile": "FROM scratch\nARG SOURCE\nARG GOPKGVERSION\nARG REVISION\nCOPY hello.txt /\nLABEL presets=\"$SOURCE $GOPKGVERSION $REVISION\"\n",
		"hello.txt":  "hello\n",
	}
	tree := map[string]string{}
	for name, data := range files {
		tree["pkg/"+name] = data
	}
	writeTree(t, root, tree)
	git(t, root, "add", "-A")
	gittest.Commit(t, root, "package")
	dir := filepath.Join(root, "pkg")
	build := func(extra ...string) string {
		t.Helper()
		out := filepath.Join(t.TempDir(), "out")
		args := append([]string{"build", "--builder-addr", bk.Address(), "--progress", "quiet", "--output-dir", out}, extra...)
		if code, _, stderr := lkpkg(t, append(args, dir)...); code != 0 {
			t.Fatalf("lkpkg %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
		return out
	}

	firstOut := build()
	first := archDigests(t, firstOut)
	// lkpkg's own version and revision, as linuxkit stamps its own
	// (Pkg.Build: org.mobyproject.linuxkit.version/.revision), from the
	// values scripts/release sets, never from the checkout.
	labels := imageLabels(t, filepath.Join(firstOut, "amd64"))
	wantLabels := map[string]string{"org.mobyproject.linuxkit.version": version.Version, "org.mobyproject.linuxkit.revision": version.Revision}
	for k, v := range wantLabels {
		if labels[k] != v || v == "" {
			t.Errorf("label %s = %q, want %q", k, labels[k], v)
		}
	}
	writeTree(t, root, map[string]string{"README": "unrelated\n"})
	git(t, root, "add", "-A")
	gittest.Commit(t, root, "unrelated change outside the package")
	if again := archDigests(t, build()); again != first {
		t.Errorf("after an unrelated commit: %s, was %s", again, first)
	}

	// As the Bazel rules build it: the declared files, no git.
	var srcs [][2]string
	for name := range files {
		srcs = append(srcs, [2]string{name, filepath.Join(dir, name)})
	}
	manifest := filepath.Join(t.TempDir(), "srcs.json")
	b, err := json.Marshal(map[string]any{"srcs": srcs})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	bazelOut := build("--hermetic", "--srcs-manifest", manifest)
	if bazel := archDigests(t, bazelOut); bazel != first {
		t.Errorf("as a Bazel action: %s, the CLI: %s", bazel, first)
	}
	bazelLabels := imageLabels(t, filepath.Join(bazelOut, "amd64"))
	for k := range wantLabels {
		if bazelLabels[k] != labels[k] {
			t.Errorf("as a Bazel action: label %s = %q, the CLI: %q", k, bazelLabels[k], labels[k])
		}
	}
}
