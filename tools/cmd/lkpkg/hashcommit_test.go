package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// --hash-commit X names X's tree, but the files on disk are HEAD's: linuxkit
// refuses to build (and so to push) from any commit but HEAD (Pkg.Build
// calls cleanForBuild, pkglib/pkglib.go: "cannot build from commit hash !=
// HEAD"). lkpkg refuses both, before anything is built or pushed; show-tag
// still prints X's tag.
func TestHashCommitOtherThanHEADRefused(t *testing.T) {
	needGit(t)
	reg := testenv.StartRegistry(t)
	root := t.TempDir()
	git(t, root, "init", "-q")
	writeTree(t, root, map[string]string{"pkg/build.yml": "image: hc\norg: lkt\narches: [amd64]\n", "pkg/Dockerfile": "FROM scratch\nCOPY . /\n"})
	git(t, root, "add", "-A")
	gittest.Commit(t, root, "one")
	first := git(t, root, "rev-parse", "HEAD")
	oldTree := git(t, root, "rev-parse", "HEAD:pkg")
	writeTree(t, root, map[string]string{"pkg/file": "added in the second commit\n"})
	git(t, root, "add", "-A")
	gittest.Commit(t, root, "two")
	dir := filepath.Join(root, "pkg")

	code, stdout, stderr := lkpkg(t, "show-tag", "--hash-commit", first, dir)
	if code != 0 || strings.TrimSpace(stdout) != "lkt/hc:"+oldTree {
		t.Fatalf("show-tag --hash-commit %s: exit %d, %q, %s; want lkt/hc:%s", first, code, stdout, stderr, oldTree)
	}

	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr = lkpkg(t, "build", "--hash-commit", first, "--builder-addr", "unix:///nonexistent/buildkitd.sock", "--output-dir", out, dir)
	if code == 0 || !strings.Contains(stderr, "--hash-commit "+first) || !strings.Contains(stderr, "HEAD") {
		t.Errorf("build --hash-commit %s: exit %d, stderr %q; want a refusal naming --hash-commit and HEAD", first, code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("build --hash-commit wrote %s", out)
	}

	// An output that holds X's tag (whatever files it was built from) is
	// not pushed under it either.
	in := t.TempDir()
	if _, err := testenv.BuildOutput(in, "lkt/hc", oldTree, []string{"amd64"}, 1, 64, 1); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = lkpkg(t, "push", "--hash-commit", first, "--disable-content-trust", "--input-dir", in, "--registry", reg.Host, dir)
	if code == 0 || !strings.Contains(stderr, "--hash-commit "+first) || !strings.Contains(stderr, "HEAD") {
		t.Errorf("push --hash-commit %s: exit %d, stderr %q; want a refusal naming --hash-commit and HEAD", first, code, stderr)
	}
	for _, tg := range []string{oldTree, oldTree + "-amd64"} {
		ref, err := name.ParseReference(reg.Host + "/lkt/hc:" + tg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := remote.Head(ref); err == nil {
			t.Errorf("the registry has %s after push --hash-commit %s", ref, first)
		}
	}
}
