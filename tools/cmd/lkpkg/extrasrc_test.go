package main

import (
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// extraSourceRepo commits a package pkg/ whose build.yml names shared/ as
// an extra source, and returns the work tree and the package's committed
// tag, derived from git: sha1 over HEAD:pkg's and HEAD:shared's tree ids.
func extraSourceRepo(t *testing.T) (root, tag string) {
	t.Helper()
	gittest.Need(t)
	root = t.TempDir()
	gittest.Git(t, root, "init", "-q")
	writeTree(t, root, map[string]string{
		"pkg/build.yml":  "image: extra\norg: lkt\narches: [amd64]\ndisable-content-trust: true\nextra-sources:\n  - ../shared:/shared\n",
		"pkg/Dockerfile": "FROM scratch\nCOPY shared /shared\n",
		"shared/run.sh":  "!#!/bin/sh\necho reviewed\n",
		"shared/etc/cfg": "reviewed\n",
	})
	gittest.Commit(t, root, "package with an extra source")
	trees := gittest.Git(t, root, "rev-parse", "HEAD:pkg") + gittest.Git(t, root, "rev-parse", "HEAD:shared")
	return root, fmt.Sprintf("%x", sha1.Sum([]byte(trees)))
}

// suffix is -dirty- and 7 hex digits of sha256 over the files git lists
// in pkg/ then shared/ (tracked, then untracked not ignored).
func suffix(t *testing.T, root string) string {
	t.Helper()
	h := sha256.New()
	for _, dir := range []string{"pkg", "shared"} {
		tracked := gittest.Git(t, root, "ls-files", "-z", "--", dir)
		untracked := gittest.Git(t, root, "ls-files", "-z", "--others", "--exclude-standard", "--", dir)
		for _, f := range strings.Split(tracked+"\x00"+untracked, "\x00") {
			if f == "" {
				continue
			}
			data, err := os.ReadFile(filepath.Join(root, f))
			if err != nil {
				t.Fatal(err)
			}
			h.Write(data)
		}
	}
	return fmt.Sprintf("-dirty-%x", h.Sum(nil))[:len("-dirty-")+7]
}

// An uncommitted edit, or a new untracked file, in an extra source makes
// show-tag print the dirty tag, as one in the package itself does.
func TestShowTagDirtyExtraSource(t *testing.T) {
	root, tag := extraSourceRepo(t)
	dir := filepath.Join(root, "pkg")
	showTag := func() string {
		t.Helper()
		code, out, errOut := lkpkg(t, "show-tag", dir)
		if code != 0 {
			t.Fatalf("show-tag: exit %d\n%s", code, errOut)
		}
		return strings.TrimSpace(out)
	}
	if got := showTag(); got != "lkt/extra:"+tag {
		t.Fatalf("committed: show-tag = %s, want lkt/extra:%s", got, tag)
	}

	writeTree(t, root, map[string]string{"shared/run.sh": "!#!/bin/sh\necho unreviewed\n"})
	want := "lkt/extra:" + tag + suffix(t, root)
	if got := showTag(); got != want {
		t.Fatalf("edited extra source: show-tag = %s, want %s", got, want)
	}

	gittest.Git(t, root, "checkout", "--", "shared")
	writeTree(t, root, map[string]string{"shared/etc/new": "untracked\n"})
	if got := showTag(); got != "lkt/extra:"+tag+suffix(t, root) || got == want {
		t.Fatalf("untracked file in extra source: show-tag = %s, want lkt/extra:%s%s", got, tag, suffix(t, root))
	}
}

// A push of a package whose extra source is edited is refused, whether the
// build output is the committed tag's (built before the edit) or the dirty
// one's, and the registry is left without either tag.
func TestPushRefusesDirtyExtraSource(t *testing.T) {
	reg := testenv.StartRegistry(t)
	root, tag := extraSourceRepo(t)
	dir := filepath.Join(root, "pkg")
	writeTree(t, root, map[string]string{"shared/run.sh": "!#!/bin/sh\necho unreviewed\n"})
	dirty := tag + suffix(t, root)

	for _, tc := range []struct{ built, wantErr string }{
		// Built before the edit: the tag it holds is no longer the package's.
		{tag, "the package's tag is now " + dirty},
		// Built after: the dirty package itself is refused.
		{dirty, "has uncommitted changes (tag " + dirty + "): refusing to push a dirty package"},
	} {
		out := t.TempDir()
		if _, err := testenv.BuildOutput(out, "lkt/extra", tc.built, []string{"amd64"}, 1, 512, 1); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := lkpkg(t, "push", "--input-dir", out, "--registry", reg.Host, dir)
		if code == 0 || !strings.Contains(stderr, tc.wantErr) {
			t.Errorf("push of the output built as %s: exit %d, stderr %q; want a refusal containing %q\nstdout: %s", tc.built, code, stderr, tc.wantErr, stdout)
		}
		t.Logf("push of the output built as %s: exit %d: %s", tc.built, code, strings.TrimSpace(stderr))
	}
	for _, tg := range []string{tag, tag + "-amd64", dirty, dirty + "-amd64"} {
		ref, err := name.ParseReference(reg.Host + "/lkt/extra:" + tg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := remote.Head(ref); err == nil {
			t.Errorf("the registry has %s after a refused push", ref)
		}
	}
}
