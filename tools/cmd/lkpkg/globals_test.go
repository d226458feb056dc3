package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestGlobalFlags: linuxkit's root command (cmd.go newCmd) has the
// persistent flags --cache, -v/--verbose and -q/--quiet, given before
// `pkg <command>` or among the command's flags; lkpkg takes them in both
// places, and `pkg` itself, so a linuxkit command line works unchanged.
func TestGlobalFlags(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"build.yml": "image: g\norg: lkt\n", "Dockerfile": "FROM scratch\n"})
	want := "lkt/g:0123456789abcdef0123456789abcdef01234567\n"
	for _, args := range [][]string{
		{"-q", "pkg", "show-tag", "--hash", "0123456789abcdef0123456789abcdef01234567", dir},
		{"--cache", t.TempDir(), "-v", "pkg", "show-tag", "--hash", "0123456789abcdef0123456789abcdef01234567", dir},
		{"--cache=" + t.TempDir(), "pkg", "-q", "show-tag", "--hash", "0123456789abcdef0123456789abcdef01234567", dir},
		{"pkg", "show-tag", "-v", "--hash", "0123456789abcdef0123456789abcdef01234567", dir, "--quiet"},
		{"--verbose", "show-tag", "--hash", "0123456789abcdef0123456789abcdef01234567", dir},
	} {
		code, stdout, stderr := lkpkg(t, args...)
		if code != 0 || stdout != want {
			t.Errorf("lkpkg %s: exit %d, stdout %q, stderr %q; want %q", strings.Join(args, " "), code, stdout, stderr, want)
		}
	}
	// A command's own flag before the command is refused with the fix.
	code, _, stderr := lkpkg(t, "--org", "x", "pkg", "show-tag", dir)
	if code != 2 || !strings.Contains(stderr, "unknown flag --org before the command") {
		t.Errorf("--org before the command: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := lkpkg(t, "--cache"); code != 2 || !strings.Contains(stderr, "--cache needs a value") {
		t.Errorf("--cache without a value: exit %d, stderr %q", code, stderr)
	}
	// --cache is where build looks for outputs: --dry-run names it.
	cache := filepath.Join(t.TempDir(), "c")
	code, stdout, stderr := lkpkg(t, "--cache", cache, "pkg", "build", "--dry-run", "--hash", "h", dir)
	if code != 0 || !strings.Contains(stdout, "into "+filepath.Join(cache, "lkt", "g", "h")) {
		t.Errorf("build --dry-run with --cache: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestIndexIsManifestAlias: linuxkit's pkg manifest has the alias index
// (pkg_manifest.go, Aliases: []string{"index"}); the Bazel rules' merge
// step is merge-outputs.
func TestIndexIsManifestAlias(t *testing.T) {
	for _, args := range [][]string{{"index", "-h"}, {"pkg", "index", "-h"}} {
		code, _, stderr := lkpkg(t, args...)
		if code != 0 || !strings.Contains(stderr, "Usage: lkpkg manifest") {
			t.Errorf("lkpkg %s: exit %d, stderr %q; want manifest's usage", strings.Join(args, " "), code, stderr)
		}
	}
	code, _, stderr := lkpkg(t, "merge-outputs", "-h")
	if code != 0 || !strings.Contains(stderr, "Usage: lkpkg merge-outputs --output-dir OUT BUILD_OUTPUT...") {
		t.Errorf("merge-outputs -h: exit %d, stderr %q", code, stderr)
	}
	code, stdout, _ := lkpkg(t, "help")
	if code != 0 || !strings.Contains(stdout, "(also: index)") || !strings.Contains(stdout, "remote-tag") {
		t.Errorf("help does not list the alias and remote-tag:\n%s", stdout)
	}
}
