package main

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
)

// lkpkg runs the CLI in-process and returns its exit status and output.
func lkpkg(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// git and needGit are gittest's, under the short names these tests use.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return gittest.Git(t, dir, args...)
}

func needGit(t *testing.T) { t.Helper(); gittest.Need(t) }

// writeTree writes files (path -> contents; a "!" prefix makes the file
// executable, "@" makes a symlink to the rest) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case strings.HasPrefix(content, "@"):
			err = os.Symlink(content[1:], path)
		case strings.HasPrefix(content, "!"):
			err = os.WriteFile(path, []byte(content[1:]), 0o755)
		default:
			err = os.WriteFile(path, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// linuxkitTree is a package tree shaped like linuxkit's pkg/: packages
// with subdirectories, scripts, symlinks, an extra source and a tag template.
var linuxkitTree = map[string]string{
	"pkg/init/build.yml":             "image: init\nnetwork: true\narches: [amd64, arm64]\n",
	"pkg/init/Dockerfile":            "FROM scratch\nCOPY . /\n",
	"pkg/init/cmd/init/main.go":      "package main\n\nfunc main() {}\n",
	"pkg/init/cmd/init/go.mod":       "module init\n",
	"pkg/init/etc/init.d/rcS":        "!#!/bin/sh\nmount -a\n",
	"pkg/init/etc/init.d/default":    "@rcS",
	"pkg/getty/build.yml":            "image: getty\norg: wombat\nextra-sources:\n  - ../init/etc:/etc\nconfig:\n  binds:\n    - /etc/getty.shadow:/etc/shadow\n  capabilities:\n    - all\n",
	"pkg/getty/Dockerfile":           "FROM scratch\nCOPY usr/ /usr/\n",
	"pkg/getty/usr/bin/rungetty.sh":  "!#!/bin/sh\nexec getty\n",
	"pkg/sshd/build.yml":             "image: sshd\ntag: \"v0.1-{{.Hash}}\"\n",
	"pkg/sshd/Dockerfile":            "FROM scratch\n",
	"pkg/sshd/sshd_config":           "PermitRootLogin no\n",
	"pkg/sshd/a b/ünïcode -file":     "x\n",
	"tools/alpine/build.yml":         "image: alpine\norg: linuxkit\narches: [amd64, arm64, riscv64]\ndisable-cache: true\n",
	"tools/alpine/Dockerfile":        "FROM scratch\n",
	"tools/alpine/packages":          "busybox\nmusl\n",
	"examples/hello/build.yml":       "image: hello\norg: example\narches:\n  - amd64\n  - arm64\n",
	"examples/hello/Dockerfile":      "ARG BASE=127.0.0.1:5000/lkpkg/busybox:latest\nFROM ${BASE}\nCOPY hello.sh /usr/bin/hello\n",
	"examples/hello/hello.sh":        "!#!/bin/sh\necho hello\n",
	"examples/greeter/build.yml":     "image: greeter\norg: example\nbuildArgs:\n  - HELLO=@lkt:pkg:../hello\n",
	"examples/greeter/Dockerfile":    "ARG HELLO\nFROM ${HELLO}\n",
	"examples/base-tools/build.yml":  "image: base-tools\norg: example\narches: [amd64]\nnetwork: true\ntag: \"v1-{{.Hash}}\"\n",
	"examples/base-tools/Dockerfile": "FROM scratch\n",
}

func newRepo(t *testing.T) string {
	t.Helper()
	needGit(t)
	root := t.TempDir()
	git(t, root, "init", "-q")
	writeTree(t, root, linuxkitTree)
	git(t, root, "add", "-A")
	gittest.Commit(t, root, "packages")
	return root
}

// packageDirs lists every directory of root holding a build.yml.
func packageDirs(t *testing.T, root string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Name() == "build.yml" {
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			dirs = append(dirs, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 7 {
		t.Fatalf("found %d packages, want at least 7", len(dirs))
	}
	return dirs
}

// expectedRef is what `linuxkit pkg show-tag` prints for a clean package,
// derived from git itself rather than from our code.
func expectedRef(t *testing.T, root, dir string) string {
	t.Helper()
	tree := git(t, root, "rev-parse", "HEAD:"+dir)
	org, image, tag := "linuxkit", "", "{{.Hash}}"
	data, err := os.ReadFile(filepath.Join(root, dir, "build.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, _ := strings.Cut(line, ":")
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch k {
		case "org":
			org = v
		case "image":
			image = v
		case "tag":
			tag = v
		}
	}
	if strings.Contains(string(data), "extra-sources") {
		extra := git(t, root, "rev-parse", "HEAD:pkg/init/etc")
		tree = fmt.Sprintf("%x", sha1.Sum([]byte(tree+extra)))
	}
	return org + "/" + image + ":" + strings.ReplaceAll(tag, "{{.Hash}}", tree)
}

func TestShowTagEqualsGitTreeHash(t *testing.T) {
	root := newRepo(t)
	dirs := packageDirs(t, root)
	var args, want []string
	for _, dir := range dirs {
		args = append(args, filepath.Join(root, dir))
		want = append(want, expectedRef(t, root, dir))
	}
	code, out, errOut := lkpkg(t, append([]string{"show-tag"}, args...)...)
	if code != 0 {
		t.Fatalf("show-tag exited %d: %s", code, errOut)
	}
	if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("show-tag printed\n%s\nwant\n%s", out, strings.Join(want, "\n"))
	}
}

// Without git (a tarball, or a Bazel action), the hash must not change.
func TestShowTagWithoutGitEqualsGit(t *testing.T) {
	root := newRepo(t)
	dirs := packageDirs(t, root)
	want := map[string]string{}
	for _, dir := range dirs {
		want[dir] = expectedRef(t, root, dir)
	}
	if err := os.RemoveAll(filepath.Join(root, ".git")); err != nil {
		t.Fatal(err)
	}
	for _, hermetic := range []bool{false, true} {
		for _, dir := range dirs {
			args := []string{"show-tag", filepath.Join(root, dir)}
			if hermetic {
				args = append(args, "--hermetic")
			}
			code, out, errOut := lkpkg(t, args...)
			if code != 0 {
				t.Fatalf("%v exited %d: %s", args, code, errOut)
			}
			if got := strings.TrimSpace(out); got != want[dir] {
				t.Errorf("%v = %s, want %s", args, got, want[dir])
			}
		}
	}
}

func TestShowTagDirty(t *testing.T) {
	root := newRepo(t)
	dir := filepath.Join(root, "pkg/sshd")
	tree := git(t, root, "rev-parse", "HEAD:pkg/sshd")
	clean := expectedRef(t, root, "pkg/sshd")

	// An untracked file that .gitignore covers keeps the package clean.
	writeTree(t, root, map[string]string{".gitignore": "*.swp\n", "pkg/sshd/.sshd_config.swp": "junk"})
	git(t, root, "add", ".gitignore")
	gittest.Commit(t, root, "ignore swap files")
	if _, out, _ := lkpkg(t, "show-tag", dir); strings.TrimSpace(out) != clean {
		t.Fatalf("ignored file made the package dirty: %s, want %s", out, clean)
	}

	// A modified tracked file makes it dirty, with linuxkit's suffix
	// (git.contentHash, pkglib/git.go): the first 7 hex digits of sha256
	// over the files `git ls-files` lists in the package directory, read
	// by the names as git prints them: "a b/ünïcode -file" is quoted
	// (core.quotePath), so it is not opened and not hashed.
	writeTree(t, root, map[string]string{"pkg/sshd/sshd_config": "PermitRootLogin yes\n"})
	code, out, errOut := lkpkg(t, "show-tag", dir)
	if code != 0 {
		t.Fatal(errOut)
	}
	h := sha256.New()
	for _, name := range strings.Split(git(t, dir, "ls-files"), "\n") {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		h.Write(data)
	}
	want := fmt.Sprintf("linuxkit/sshd:v0.1-%s-dirty-%s", tree, fmt.Sprintf("%x", h.Sum(nil))[:7])
	if got := strings.TrimSpace(out); got != want {
		t.Fatalf("dirty tag = %s, want %s", got, want)
	}

	// An untracked, not ignored file makes it dirty too, and changes the suffix.
	git(t, root, "checkout", "--", "pkg/sshd")
	writeTree(t, root, map[string]string{"pkg/sshd/new-file": "new\n"})
	_, out, _ = lkpkg(t, "show-tag", dir)
	if got := strings.TrimSpace(out); !strings.HasPrefix(got, "linuxkit/sshd:v0.1-"+tree+"-dirty-") || got == want {
		t.Fatalf("untracked file: tag = %s, want a new dirty suffix", got)
	}
}

func TestShowTagOverrides(t *testing.T) {
	root := newRepo(t)
	dir := filepath.Join(root, "examples/hello")
	tree := git(t, root, "rev-parse", "HEAD:examples/hello")
	t.Setenv("USER", "wombat")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--org", "acme"}, "acme/hello:" + tree},
		{[]string{"-org=acme"}, "acme/hello:" + tree}, // seed-era single-dash form
		{[]string{"--hash", "foo"}, "example/hello:foo"},
		{[]string{"--tag", "rel-{{.Hash}}"}, "example/hello:rel-" + tree},
		{[]string{"--dev"}, "wombat/hello:dev"},
		{[]string{"--dev", "--hash", "bar"}, "wombat/hello:bar"},
		{[]string{"--canonical"}, "docker.io/example/hello:" + tree},
		{[]string{"--canonical", "--org", "127.0.0.1:5000/acme"}, "127.0.0.1:5000/acme/hello:" + tree},
	} {
		// Flags after the directory work too, as with cobra.
		args := append([]string{"pkg", "show-tag", dir}, tc.args...)
		code, out, errOut := lkpkg(t, args...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", tc.args, code, errOut)
			continue
		}
		if got := strings.TrimSpace(out); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.args, got, tc.want)
		}
	}
}

func TestShowTagErrorsPrintNothing(t *testing.T) {
	root := newRepo(t)
	writeTree(t, root, map[string]string{"pkg/bad/build.yml": "image: bad\narches: [x86_64]\n", "pkg/bad/Dockerfile": "FROM scratch\n"})
	code, out, errOut := lkpkg(t, "show-tag", filepath.Join(root, "pkg/init"), filepath.Join(root, "pkg/bad"))
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q; want 1 and no partial output", code, out)
	}
	for _, want := range []string{"pkg/bad/build.yml", "arches", "x86_64", "amd64"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("error %q does not mention %q", errOut, want)
		}
	}
	if code, _, _ := lkpkg(t, "show-tag"); code != 2 {
		t.Errorf("show-tag with no directory: exit %d, want 2", code)
	}
}

func TestValidate(t *testing.T) {
	root := newRepo(t)
	writeTree(t, root, map[string]string{
		"pkg/bad/build.yml":  "image: bad\nnetwork: yes please\nunknown: 1\n",
		"pkg/bad/Dockerfile": "FROM scratch\n",
		"pkg/nodf/build.yml": "image: nodf\n",
	})
	code, out, errOut := lkpkg(t, "validate", filepath.Join(root, "pkg/init"), filepath.Join(root, "pkg/bad"), filepath.Join(root, "pkg/nodf"))
	if code != 1 {
		t.Fatalf("validate exit %d, want 1", code)
	}
	if !strings.Contains(out, "ok ") || !strings.Contains(out, "linuxkit/init") {
		t.Errorf("validate did not report the good package: %q", out)
	}
	for _, want := range []string{"pkg/bad/build.yml:2", "network", "pkg/bad/build.yml:3", "unknown", "warning: ", "pkg/nodf", "Dockerfile", "1 package is invalid"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("validate stderr does not mention %q:\n%s", want, errOut)
		}
	}
}

func TestShowTagUncommittedPackage(t *testing.T) {
	root := newRepo(t)
	writeTree(t, root, map[string]string{"pkg/new/build.yml": "image: new\n", "pkg/new/Dockerfile": "FROM scratch\n"})
	code, out, errOut := lkpkg(t, "show-tag", filepath.Join(root, "pkg/new"))
	if code != 1 || out != "" || !strings.Contains(errOut, "pkg/new is not committed") || !strings.Contains(errOut, "--hash") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want the not-committed error naming the fix", code, out, errOut)
	}
	// The repository's root is a package too (linuxkit's top-level case).
	writeTree(t, root, map[string]string{"build.yml": "image: top\n", "Dockerfile": "FROM scratch\n"})
	git(t, root, "add", "-A")
	gittest.Commit(t, root, "top")
	code, out, errOut = lkpkg(t, "show-tag", root)
	if want := "linuxkit/top:" + git(t, root, "rev-parse", "HEAD^{tree}"); code != 0 || strings.TrimSpace(out) != want {
		t.Fatalf("top-level package: exit %d, %q (%s), want %s", code, out, errOut, want)
	}
}
