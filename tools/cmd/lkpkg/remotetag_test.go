package main

import (
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// putImage writes a synthetic linux/amd64 image as ref and returns its digest.
func putImage(t *testing.T, ref string, seed uint64) v1.Hash {
	t.Helper()
	img, err := testenv.SyntheticImage("amd64", 1, 512, seed)
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// digestOf returns the digest ref names in the registry, or "" when none.
func digestOf(t *testing.T, ref string) string {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.Head(r)
	if err != nil {
		return ""
	}
	return d.Digest.String()
}

// TestRemoteTag matches linuxkit's pkgRemoteTagCmd (pkg_remotetag.go): TO
// ends up naming what FROM names, without pulling; an identical TO is left
// alone. It differs on purpose where TO names another image: refused
// without --force (linuxkit overwrites).
func TestRemoteTag(t *testing.T) {
	reg := testenv.StartRegistry(t)
	src := reg.Host + "/lkt/tagme:abc"
	want := putImage(t, src, 1).String()

	// The command line a linuxkit script has, with the binary renamed and
	// its global -q in front.
	code, stdout, stderr := lkpkg(t, "-q", "pkg", "remote-tag", src, reg.Host+"/lkt/tagme:v1.0")
	if code != 0 {
		t.Fatalf("remote-tag: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if got := digestOf(t, reg.Host+"/lkt/tagme:v1.0"); got != want {
		t.Fatalf("v1.0 names %q, want %s", got, want)
	}
	if !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks the digest %s: %q", want, stdout)
	}
	if stderr != "" {
		t.Errorf("-q: stderr is not empty: %q", stderr)
	}

	// Again: nothing to do, success.
	if code, _, stderr := lkpkg(t, "remote-tag", "--registry", reg.Host, "lkt/tagme:abc", "lkt/tagme:v1.0"); code != 0 || !strings.Contains(stderr, "nothing to do") {
		t.Errorf("second remote-tag: exit %d, stderr %q; want success saying nothing to do", code, stderr)
	}

	// Into another repository: the blobs come along.
	if code, _, stderr := lkpkg(t, "remote-tag", src, reg.Host+"/other/copy:1"); code != 0 {
		t.Fatalf("remote-tag into another repository: exit %d\n%s", code, stderr)
	}
	img, err := remote.Image(mustRef(t, reg.Host+"/other/copy:1"))
	if err != nil {
		t.Fatal(err)
	}
	if ls, err := img.Layers(); err != nil || len(ls) != 1 {
		t.Fatalf("layers of the copy: %v %v", ls, err)
	} else if _, err := ls[0].Compressed(); err != nil {
		t.Fatalf("the copy's layer is not in its repository: %v", err)
	}

	// TO names another image: refused, the tag unchanged.
	other := putImage(t, reg.Host+"/lkt/tagme:def", 2).String()
	code, _, stderr = lkpkg(t, "remote-tag", reg.Host+"/lkt/tagme:def", reg.Host+"/lkt/tagme:v1.0")
	if code == 0 || !strings.Contains(stderr, "never rewritten") || !strings.Contains(stderr, "--force") {
		t.Errorf("rewriting v1.0: exit %d, stderr %q; want a refusal naming --force", code, stderr)
	}
	if got := digestOf(t, reg.Host+"/lkt/tagme:v1.0"); got != want {
		t.Fatalf("after the refusal v1.0 names %q, want %s", got, want)
	}
	// --force overwrites, as linuxkit does.
	if code, _, stderr := lkpkg(t, "remote-tag", "--force", reg.Host+"/lkt/tagme:def", reg.Host+"/lkt/tagme:v1.0"); code != 0 {
		t.Fatalf("--force: exit %d\n%s", code, stderr)
	}
	if got := digestOf(t, reg.Host+"/lkt/tagme:v1.0"); got != other {
		t.Fatalf("after --force v1.0 names %q, want %s", got, other)
	}

	// A missing FROM is named; wrong argument counts are usage errors.
	if code, _, stderr := lkpkg(t, "remote-tag", reg.Host+"/lkt/tagme:nope", reg.Host+"/lkt/tagme:x"); code != 1 || !strings.Contains(stderr, "lkt/tagme:nope is not in the registry") {
		t.Errorf("missing FROM: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := lkpkg(t, "remote-tag", src); code != 2 {
		t.Errorf("one argument: exit %d, want 2", code)
	}
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
