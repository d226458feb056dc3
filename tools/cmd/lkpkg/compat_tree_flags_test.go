package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCompatTreeFlags: linuxkit pkg build's flags (pkg_build.go,
// pkgBuildCmd) and command shape on the tree's packages, with a real
// BuildKit.
func TestCompatTreeFlags(t *testing.T) {
	tree := newCompatTree(t, nil)
	b := newCompatBuilder(t)
	args := tree.pkg(t, "build/030_build_args")
	hash := strings.TrimPrefix(args.exp.Ref, "compat/build-args:")
	if code, stdout, stderr := b.build(t, args.dir); code != 0 {
		t.Fatalf("build: exit %d\n%s%s", code, stdout, stderr)
	}
	result := filepath.Join(refStoreDir(t, args.exp.Ref), "result.json")

	t.Run("force", func(t *testing.T) {
		pending(t, "flag --force")
		// Pkg.Build: without --force, an image in the cache is not built
		// again; with it, it is.
		before := modTime(t, result)
		time.Sleep(10 * time.Millisecond)
		if code, stdout, stderr := b.build(t, args.dir); code != 0 {
			t.Fatalf("second build: exit %d\n%s%s", code, stdout, stderr)
		}
		if after := modTime(t, result); !after.Equal(before) {
			t.Errorf("a second build without --force rewrote %s", result)
		}
		if code, stdout, stderr := b.build(t, "--force", args.dir); code != 0 {
			t.Fatalf("build --force: exit %d\n%s%s", code, stdout, stderr)
		}
		if after := modTime(t, result); after.Equal(before) {
			t.Errorf("build --force did not rebuild %s", result)
		}
	})

	t.Run("skip-platforms", func(t *testing.T) {
		pending(t, "flag --skip-platforms")
		// pkgBuildCmd: a package left with no platform is skipped, not
		// an error.
		code, stdout, stderr := b.build(t, "--skip-platforms", "linux/amd64", "--tag", "skip-{{.Hash}}", args.dir)
		if code != 0 || !strings.Contains(strings.ToLower(stdout+stderr), "skip") {
			t.Errorf("--skip-platforms linux/amd64: exit %d, want 0 and a skip:\n%s%s", code, stdout, stderr)
		}
		if _, err := os.Stat(refStoreDir(t, "compat/build-args:skip-"+hash)); err == nil {
			t.Error("--skip-platforms of the only arch built it")
		}
	})

	t.Run("dry-run", func(t *testing.T) {
		pending(t, "flag --dry-run")
		// WithDryRun: print what would be built, build nothing.
		code, stdout, stderr := b.build(t, "--dry-run", "--tag", "dry-{{.Hash}}", args.dir)
		if code != 0 || !strings.Contains(stdout, "compat/build-args:dry-"+hash) {
			t.Errorf("--dry-run: exit %d, want 0 and the ref on stdout:\n%s%s", code, stdout, stderr)
		}
		if _, err := os.Stat(refStoreDir(t, "compat/build-args:dry-"+hash)); err == nil {
			t.Error("--dry-run built the package")
		}
	})

	t.Run("ignore-cached", func(t *testing.T) {
		pending(t, "build build/040_chained/from_tag")
		pending(t, "flag --ignore-cached")
		// WithBuildIgnoreCache: FROM images are not taken from the cache,
		// so the chained package's base, never pushed, is not found.
		base, from := tree.pkg(t, "build/040_chained/base"), tree.pkg(t, "build/040_chained/from_tag")
		if code, stdout, stderr := b.build(t, base.dir); code != 0 {
			t.Fatalf("base: exit %d\n%s%s", code, stdout, stderr)
		}
		if code, stdout, stderr := b.build(t, from.dir); code != 0 {
			t.Fatalf("chained build: exit %d\n%s%s", code, stdout, stderr)
		}
		if code, stdout, stderr := b.build(t, "--force", "--ignore-cached", from.dir); code == 0 {
			t.Errorf("--ignore-cached found the base in the store:\n%s%s", stdout, stderr)
		}
	})

	t.Run("global --cache", func(t *testing.T) {
		pending(t, "flag global --cache")
		// linuxkit --cache DIR pkg build: the cache is DIR.
		cache := t.TempDir()
		code, stdout, stderr := lkpkg(t, "--cache", cache, "pkg", "build", "--builder-addr", b.addr, "--progress", "quiet",
			"--context-from", compatBase+"="+b.base, "--tag", "cache-{{.Hash}}", args.dir)
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		if _, err := os.Stat(filepath.Join(cache, "compat", "build-args", "cache-"+hash, "result.json")); err != nil {
			t.Errorf("nothing in --cache: %v", err)
		}
	})

	t.Run("global -q", func(t *testing.T) {
		pending(t, "flag global -q")
		code, stdout, stderr := lkpkg(t, "-q", "pkg", "show-tag", args.dir)
		if code != 0 || strings.TrimSpace(stdout) != args.exp.Ref {
			t.Errorf("lkpkg -q pkg show-tag: exit %d, %q, want %s\n%s", code, stdout, args.exp.Ref, stderr)
		}
	})

	t.Run("builder du", func(t *testing.T) {
		pending(t, "flag builder du")
		code, stdout, stderr := lkpkg(t, "builder", "du", "--builder-addr", b.addr)
		if code != 0 || strings.TrimSpace(stdout) == "" {
			t.Errorf("builder du: exit %d, want 0 and the disk usage:\n%s%s", code, stdout, stderr)
		}
	})
}

func modTime(t *testing.T, file string) time.Time {
	t.Helper()
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime()
}
