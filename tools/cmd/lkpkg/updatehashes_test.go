package main

import (
	"crypto/sha1"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rules-linuxkit/rules_linuxkit/tools/hashmanifest"
)

// hashDirRepo commits packages shaped like lf-edge/eve's, which drive
// linuxkit's hash manifests: a versioned package with only build-2.3.yml,
// @lkt:pkg: and @lkt:pkgs: consumers, and a Dockerfile that declares only
// some of the args a glob gives. The test runs in the repository's root,
// as eve's Makefile does, so manifests' dep paths are relative to it.
func hashDirRepo(t *testing.T) string {
	t.Helper()
	needGit(t)
	root := t.TempDir()
	git(t, root, "init", "-q")
	writeTree(t, root, map[string]string{
		"pkg/base/build.yml":      "image: base\norg: ex\n",
		"pkg/base/Dockerfile":     "FROM scratch\n",
		"pkg/app/build.yml":       "image: app\norg: ex\nbuildArgs:\n  - BASE=@lkt:pkg:../base\n  - PLAIN=x\n",
		"pkg/app/Dockerfile":      "ARG BASE\nFROM ${BASE}\n",
		"pkg/zfs/build-2.3.yml":   "image: zfs\norg: ex\n",
		"pkg/zfs/Dockerfile":      "FROM scratch\n",
		"pkg/app2/build.yml":      "image: app2\norg: ex\nbuildArgs:\n  - ZFS=@lkt:pkg:../zfs\n",
		"pkg/app2/Dockerfile":     "ARG ZFS\nFROM ${ZFS}\n",
		"pkg/multi/build.yml":     "image: multi\norg: ex\nbuildArgs:\n  - LIB_%=@lkt:pkgs:../libs/*\n",
		"pkg/multi/Dockerfile":    "ARG LIB_EX_ONE\nFROM ${LIB_EX_ONE}\n",
		"pkg/libs/one/build.yml":  "image: one\norg: ex\n",
		"pkg/libs/one/Dockerfile": "FROM scratch\n",
		"pkg/libs/two/build.yml":  "image: two\norg: ex\n",
		"pkg/libs/two/Dockerfile": "FROM scratch\n",
	})
	commitRepo(t, root)
	t.Chdir(root)
	return root
}

// hashDirTag is the tag linuxkit's NewFromConfig gives dir under
// --hash-dir: image, then the SHA-1 of git's tree id of dir followed by
// each resolved build arg line, or the tree id alone without lines.
func hashDirTag(t *testing.T, root, image, dir string, lines ...string) string {
	t.Helper()
	tree := git(t, root, "rev-parse", "HEAD:"+dir)
	if len(lines) == 0 {
		return image + ":" + tree
	}
	return image + ":" + fmt.Sprintf("%x", sha1.Sum([]byte(tree+strings.Join(lines, ""))))
}

func readManifest(t *testing.T, file string) hashmanifest.File {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m, err := hashmanifest.Parse(file, data)
	if err != nil {
		t.Fatal(err)
	}
	return *m
}

func TestUpdateHashes(t *testing.T) {
	root := hashDirRepo(t)
	hd := filepath.Join(t.TempDir(), "hashes")
	rev := func(d string) string { return git(t, root, "rev-parse", "HEAD:"+d) }
	base := "ex/base:" + rev("pkg/base")
	zfs := "ex/zfs:" + rev("pkg/zfs")
	one := "ex/one:" + rev("pkg/libs/one")
	want := map[string]hashmanifest.File{
		"base.hash":  {Tag: base, BuildYML: "build.yml", Arch: "arm64"},
		"zfs.hash":   {Tag: zfs, BuildYML: "build-2.3.yml", Arch: "arm64"},
		"one.hash":   {Tag: one, BuildYML: "build.yml", Arch: "arm64"},
		"two.hash":   {Tag: "ex/two:" + rev("pkg/libs/two"), BuildYML: "build.yml", Arch: "arm64"},
		"app.hash":   {Tag: hashDirTag(t, root, "ex/app", "pkg/app", "BASE="+base, "PLAIN=x"), BuildYML: "build.yml", Arch: "arm64", Deps: []hashmanifest.Dep{{Path: "pkg/base", Tag: base}}},
		"app2.hash":  {Tag: hashDirTag(t, root, "ex/app2", "pkg/app2", "ZFS="+zfs), BuildYML: "build.yml", Arch: "arm64", Deps: []hashmanifest.Dep{{Path: "pkg/zfs", Tag: zfs}}},
		"multi.hash": {Tag: hashDirTag(t, root, "ex/multi", "pkg/multi", "LIB_EX_ONE="+one), BuildYML: "build.yml", Arch: "arm64", Deps: []hashmanifest.Dep{{Path: "pkg/libs/one", Tag: one}}},
	}
	// Consumers first: update-hashes orders them after their deps, and
	// --strict-deps holds because every dep is among them.
	args := []string{"pkg", "update-hashes", "--hash-dir", hd, "--strict-deps", "--arch", "arm64",
		"pkg/app", "pkg/app2", "pkg/multi", "pkg/base", "pkg/zfs:build-2.3.yml", "pkg/libs/one", "pkg/libs/two"}
	if code, _, stderr := lkpkg(t, args...); code != 0 {
		t.Fatalf("update-hashes: exit %d\n%s", code, stderr)
	}
	entries, err := os.ReadDir(hd)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("hash dir holds %d files, want %d", len(entries), len(want))
	}
	for name, w := range want {
		file := filepath.Join(hd, name)
		if got, _ := os.ReadFile(file); string(got) != string(hashmanifest.Marshal(w)) {
			t.Errorf("%s =\n%s\nwant\n%s", name, got, hashmanifest.Marshal(w))
		}
		if st, err := os.Stat(file); err != nil || !st.ModTime().Equal(time.Unix(0, 0)) {
			t.Errorf("%s: mtime %v, want the epoch (make sees it stale)", name, st.ModTime())
		}
	}
	// show-tag --hash-dir prints the manifests' tags; the versioned
	// package is found through its manifest's build-yml.
	for dir, name := range map[string]string{"pkg/app": "app.hash", "pkg/app2": "app2.hash", "pkg/multi": "multi.hash", "pkg/zfs": "zfs.hash"} {
		code, stdout, stderr := lkpkg(t, "pkg", "show-tag", "--hash-dir", hd, "--strict-deps", dir)
		if got := strings.TrimSpace(stdout); code != 0 || got != want[name].Tag {
			t.Errorf("show-tag --hash-dir %s: exit %d, %q, want %q\n%s", dir, code, got, want[name].Tag, stderr)
		}
	}
	// Without --hash-dir the tag is the tree's, as before.
	if _, stdout, _ := lkpkg(t, "show-tag", "pkg/app"); strings.TrimSpace(stdout) != "ex/app:"+rev("pkg/app") {
		t.Errorf("show-tag without --hash-dir: %q", stdout)
	}
	// The build gets its build args from the manifests.
	code, stdout, stderr := lkpkg(t, "--cache", t.TempDir(), "pkg", "build", "--dry-run", "--hash-dir", hd, "pkg/app")
	if code != 0 || !strings.Contains(stdout, "BASE="+base) || !strings.Contains(stdout, want["app.hash"].Tag) {
		t.Errorf("build --dry-run --hash-dir: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// A second run writes nothing: make's touched stamps stay.
	now := time.Now().Truncate(time.Second)
	for name := range want {
		if err := os.Chtimes(filepath.Join(hd, name), now, now); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, stderr := lkpkg(t, args...); code != 0 {
		t.Fatalf("second update-hashes: exit %d\n%s", code, stderr)
	}
	for name := range want {
		if st, _ := os.Stat(filepath.Join(hd, name)); !st.ModTime().Equal(now) {
			t.Errorf("%s rewritten by an update-hashes with nothing to change", name)
		}
	}
}

func TestUpdateHashesErrors(t *testing.T) {
	root := hashDirRepo(t)
	writeTree(t, root, map[string]string{
		"other/base/build.yml":   "image: base2\n",
		"cycle/a/build.yml":      "image: a\nbuildArgs:\n  - B=@lkt:pkg:../b\n",
		"cycle/b/build.yml":      "image: b\nbuildArgs:\n  - A=@lkt:pkg:../a\n",
		"foreign/base.hash":      "not: a manifest\ntag: [1]\n",
		"pkg/base/stale.hash.go": "",
	})
	commitRepo(t, root)
	hd := t.TempDir()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"pkg/base"}, []string{"--hash-dir"}},
		{[]string{"--hash-dir", hd, "pkg/base", "other/base"}, []string{"pkg/base", "other/base", "base.hash"}},
		{[]string{"--hash-dir", hd, "cycle/a", "cycle/b"}, []string{"cycle", "cycle/a", "cycle/b"}},
		{[]string{"--hash-dir", hd, "--strict-deps", "pkg/app"}, []string{"base.hash", "--strict-deps"}},
		{[]string{"--hash-dir", "foreign", "pkg/base"}, []string{"foreign/base.hash:2", "tag", "remove"}},
		{[]string{"--hash-dir", hd, "pkg/zfs"}, []string{"build.yml", "pkg/zfs"}},
	} {
		code, _, stderr := lkpkg(t, append([]string{"update-hashes"}, c.args...)...)
		if code == 0 {
			t.Errorf("update-hashes %v succeeded", c.args)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("update-hashes %v: %q does not name %q", c.args, stderr, w)
			}
		}
	}
	if data, _ := os.ReadFile("foreign/base.hash"); string(data) != "not: a manifest\ntag: [1]\n" {
		t.Errorf("a foreign file was replaced: %q", data)
	}
}
