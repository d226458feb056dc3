package pkg

import (
	"crypto/sha1"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/hashmanifest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// hashDirTree commits packages whose build args refer to others:
//
//	base/            image ex/base, no build args
//	app/             BASE=@lkt:pkg:../base, PLAIN=x
//	gone/            X=@lkt:pkg:../empty (a directory without build.yml)
//	multi/           LIB_%=@lkt:pkgs:../libs/*, a Dockerfile declaring only ARG LIB_EX_ONE
//	libs/one, libs/two
//	zfs/             only build-2.3.yml
func hashDirTree(t *testing.T) string {
	t.Helper()
	gittest.Need(t)
	root := t.TempDir()
	gittest.Git(t, root, "init", "-q")
	for name, data := range map[string]string{
		"base/build.yml":     "image: base\norg: ex\n",
		"base/Dockerfile":    "FROM scratch\n",
		"app/build.yml":      "image: app\norg: ex\nbuildArgs:\n  - BASE=@lkt:pkg:../base\n  - PLAIN=x\n",
		"app/Dockerfile":     "ARG BASE\nFROM ${BASE}\n",
		"gone/build.yml":     "image: gone\norg: ex\nbuildArgs:\n  - X=@lkt:pkg:../empty\n",
		"empty/README":       "not a package\n",
		"multi/build.yml":    "image: multi\norg: ex\nbuildArgs:\n  - LIB_%=@lkt:pkgs:../libs/*\n",
		"multi/Dockerfile":   "ARG LIB_EX_ONE\nFROM ${LIB_EX_ONE}\n",
		"libs/one/build.yml": "image: one\norg: ex\n",
		"libs/two/build.yml": "image: two\norg: ex\n",
		"zfs/build-2.3.yml":  "image: zfs\norg: ex\n",
	} {
		writeFile(t, filepath.Join(root, name), data)
	}
	gittest.Commit(t, root, "packages")
	return root
}

// linuxkitHashDirHash is the hash linuxkit's NewFromConfig gives under
// --hash-dir (pkglib/pkglib.go): the hex SHA-1 of the package's git tree id
// followed by each resolved build arg line, or the tree id alone when no
// line resolves.
func linuxkitHashDirHash(t *testing.T, root, dir string, lines ...string) string {
	t.Helper()
	tree := gittest.Git(t, root, "rev-parse", "HEAD:"+dir)
	if len(lines) == 0 {
		return tree
	}
	return fmt.Sprintf("%x", sha1.Sum([]byte(tree+strings.Join(lines, ""))))
}

func TestHashDirTag(t *testing.T) {
	root := hashDirTree(t)
	hd := filepath.Join(t.TempDir(), "hashes")
	rev := func(d string) string { return gittest.Git(t, root, "rev-parse", "HEAD:"+d) }
	load := func(dir string, o Options) *Package {
		t.Helper()
		p, err := Load(filepath.Join(root, dir), o)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	// Without --hash-dir the tag is the tree's, build args or not.
	if got := load("app", Options{}).Hash; got != rev("app") {
		t.Errorf("app without --hash-dir = %s, want HEAD:app %s", got, rev("app"))
	}
	// No manifests, not strict: each dependency's tag is computed with
	// the default configuration (resolveDepTag's fallback).
	o := Options{HashDir: hd}
	if got, want := load("app", o).Hash, linuxkitHashDirHash(t, root, "app", "BASE=ex/base:"+rev("base"), "PLAIN=x"); got != want {
		t.Errorf("app with --hash-dir, no manifests = %s, want %s", got, want)
	}
	// A package without build args keeps its tree hash.
	if got := load("base", o).Hash; got != rev("base") {
		t.Errorf("base with --hash-dir = %s, want %s", got, rev("base"))
	}
	// A reference to a directory without build.yml is left out.
	if got, want := load("gone", o).Hash, rev("gone"); got != want {
		t.Errorf("gone = %s, want %s (the arg left out)", got, want)
	}
	// @lkt:pkgs: keeps the packages whose arg the Dockerfile declares.
	if got, want := load("multi", o).Hash, linuxkitHashDirHash(t, root, "multi", "LIB_EX_ONE=ex/one:"+rev("libs/one")); got != want {
		t.Errorf("multi = %s, want %s", got, want)
	}
	// A manifest's tag wins over the computed one.
	if _, err := hashmanifest.Write(hd, filepath.Join(root, "base"), hashmanifest.File{Tag: "ex/base:from-manifest", BuildYML: "build.yml"}); err != nil {
		t.Fatal(err)
	}
	if got, want := load("app", o).Hash, linuxkitHashDirHash(t, root, "app", "BASE=ex/base:from-manifest", "PLAIN=x"); got != want {
		t.Errorf("app with base's manifest = %s, want %s", got, want)
	}
	// The build args the build gets come from the manifests too.
	app := load("app", o)
	got, err := ResolveWithManifests(app, spec.BuildArg{Name: "BASE", Value: "@lkt:pkg:../base"}, o)
	if err != nil || len(got) != 1 || got[0].Value != "ex/base:from-manifest" {
		t.Errorf("ResolveWithManifests = %v, %v", got, err)
	}
	// --hash and --dev replace the computed hash: no build arg is read.
	if got := load("app", Options{HashDir: hd, StrictDeps: true, Hash: "h"}).Hash; got != "h" {
		t.Errorf("--hash with --hash-dir = %s", got)
	}
}

func TestHashDirStrictDeps(t *testing.T) {
	root := hashDirTree(t)
	hd := t.TempDir()
	_, err := Load(filepath.Join(root, "app"), Options{HashDir: hd, StrictDeps: true})
	if err == nil || !strings.Contains(err.Error(), "base.hash") || !strings.Contains(err.Error(), "update-hashes") || !strings.Contains(err.Error(), "BASE") {
		t.Fatalf("--strict-deps without base's manifest: %v", err)
	}
	if _, err := hashmanifest.Write(hd, filepath.Join(root, "base"), hashmanifest.File{Tag: "ex/base:1", BuildYML: "build.yml"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(filepath.Join(root, "app"), Options{HashDir: hd, StrictDeps: true}); err != nil {
		t.Errorf("--strict-deps with base's manifest: %v", err)
	}
	// A broken manifest is an error naming it, not a fallback.
	if err := os.WriteFile(filepath.Join(hd, "base.hash"), []byte("tag: [x]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(filepath.Join(root, "app"), Options{HashDir: hd}); err == nil || !strings.Contains(err.Error(), "base.hash:1") {
		t.Errorf("broken manifest: %v", err)
	}
}

// A package with only build-2.3.yml is loaded with the build yml its
// manifest names (linuxkit's NewFromConfig does so when the build yml
// asked for does not exist).
func TestHashDirBuildYML(t *testing.T) {
	root := hashDirTree(t)
	hd := t.TempDir()
	if _, err := Load(filepath.Join(root, "zfs"), Options{HashDir: hd}); err == nil {
		t.Fatal("zfs loaded without build.yml or manifest")
	}
	if _, err := hashmanifest.Write(hd, filepath.Join(root, "zfs"), hashmanifest.File{Tag: "ex/zfs:1", BuildYML: "build-2.3.yml"}); err != nil {
		t.Fatal(err)
	}
	p, err := Load(filepath.Join(root, "zfs"), Options{HashDir: hd})
	if err != nil {
		t.Fatal(err)
	}
	if p.Ref() != "ex/zfs:"+gittest.Git(t, root, "rev-parse", "HEAD:zfs") {
		t.Errorf("zfs = %s", p.Ref())
	}
}

// A Bazel action hashes declared inputs only; a hash dir is not one.
func TestHashDirRefusedInBazelActions(t *testing.T) {
	dir := writePkg(t, "image: foo\n")
	m := filepath.Join(t.TempDir(), "srcs.json")
	writeFile(t, m, `{"srcs": [["build.yml", "`+filepath.Join(dir, "build.yml")+`"]]}`)
	for _, o := range []Options{{SrcsManifest: m, Hermetic: true}, {Hermetic: true}} {
		o.HashDir = t.TempDir()
		_, err := Load(dir, o)
		if err == nil || !strings.Contains(err.Error(), "--hash-dir") || !strings.Contains(err.Error(), "declared") {
			t.Errorf("--hash-dir in a Bazel action (%+v): %v", o, err)
		}
	}
}
