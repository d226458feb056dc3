package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
)

// linuxkitShapes are packages whose build.yml linuxkit accepts and lkpkg
// once refused, with the org/image linuxkit's show-tag prints for each.
var linuxkitShapes = []struct{ dir, buildYML, image string }{
	{"pkg/noarches", "image: noarches\narches:\n", "linuxkit/noarches"},
	{"pkg/emptyarches", "image: emptyarches\narches: []\n", "linuxkit/emptyarches"},
	{"pkg/nullkeys", "image: nullkeys\norg:\nconfig:\nbuildArgs:\n", "linuxkit/nullkeys"},
	{"pkg/emptytag", "image: emptytag\norg: wombat\ntag: \"\"\n", "wombat/emptytag"},
	{"pkg/yes", "image: yes\nnetwork: yes\ndisable-cache: Off\n", "linuxkit/yes"},
	{"pkg/nodockerfile", "image: nodockerfile\narches: [amd64]\n", "linuxkit/nodockerfile"},
}

func shapesRepo(t *testing.T) string {
	t.Helper()
	gittest.Need(t)
	root := t.TempDir()
	files := map[string]string{}
	for _, s := range linuxkitShapes {
		files[s.dir+"/build.yml"] = s.buildYML
		if s.dir != "pkg/nodockerfile" {
			files[s.dir+"/Dockerfile"] = "FROM scratch\n"
		}
	}
	writeTree(t, root, files)
	gittest.Git(t, root, "init", "-q")
	gittest.Commit(t, root, "linuxkit shapes")
	return root
}

func shapeDirs(root string) []string {
	var dirs []string
	for _, s := range linuxkitShapes {
		dirs = append(dirs, filepath.Join(root, s.dir))
	}
	return dirs
}

// TestShowTagLinuxkitShapes: show-tag prints, for every package in one
// run, the tag linuxkit prints: org/image:<git tree hash of the dir>.
func TestShowTagLinuxkitShapes(t *testing.T) {
	root := shapesRepo(t)
	t.Setenv("LINUXKIT_PKG_ORG", "")
	code, stdout, stderr := lkpkg(t, append([]string{"show-tag"}, shapeDirs(root)...)...)
	if code != 0 {
		t.Fatalf("show-tag exit %d:\n%s", code, stderr)
	}
	var want strings.Builder
	for _, s := range linuxkitShapes {
		want.WriteString(s.image + ":" + gittest.Git(t, root, "rev-parse", "HEAD:"+s.dir) + "\n")
	}
	if stdout != want.String() {
		t.Errorf("show-tag printed\n%s\nwant\n%s", stdout, want.String())
	}
	// The warnings go to stderr, naming the file and field.
	for _, w := range []string{"noarches/build.yml:2:", "arches: has no value", "yes/build.yml:2:10: network:", "YAML 1.1", "nodockerfile/build.yml: dockerfile: Dockerfile does not exist"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
}

// TestValidateWarnsStrictFails: validate accepts them with warnings;
// --strict makes the warnings errors.
func TestValidateWarnsStrictFails(t *testing.T) {
	root := shapesRepo(t)
	dirs := shapeDirs(root)
	code, stdout, stderr := lkpkg(t, append([]string{"validate"}, dirs...)...)
	if code != 0 {
		t.Fatalf("validate exit %d:\n%s", code, stderr)
	}
	if n := strings.Count(stdout, "ok "); n != len(dirs) {
		t.Errorf("%d ok lines, want %d:\n%s", n, len(dirs), stdout)
	}
	if !strings.Contains(stdout, "noarches/build.yml (linuxkit/noarches, no arches)") {
		t.Errorf("stdout does not say noarches has no arches:\n%s", stdout)
	}
	if !strings.Contains(stderr, "warning: "+filepath.Join(root, "pkg/nodockerfile/build.yml")+": dockerfile: Dockerfile does not exist") {
		t.Errorf("no Dockerfile warning:\n%s", stderr)
	}
	code, _, stderr = lkpkg(t, append([]string{"validate", "--strict"}, dirs...)...)
	if code != 1 || !strings.Contains(stderr, "6 packages are invalid") || strings.Contains(stderr, "warning: ") {
		t.Errorf("validate --strict: exit %d, want 1 with every warning an error:\n%s", code, stderr)
	}
	// A clean package passes --strict.
	clean := filepath.Join(root, "pkg/clean")
	writeTree(t, clean, map[string]string{"build.yml": "image: clean\n", "Dockerfile": "FROM scratch\n"})
	if code, _, stderr := lkpkg(t, "validate", "--strict", clean); code != 0 {
		t.Errorf("validate --strict on a clean package: exit %d:\n%s", code, stderr)
	}
}

// TestBuildSkipsNoArches: build skips packages with no arches, without
// stopping the run, and a missing Dockerfile fails with the file and fix
// before BuildKit is asked anything.
func TestBuildSkipsNoArches(t *testing.T) {
	root := shapesRepo(t)
	out := t.TempDir()
	noarches := filepath.Join(root, "pkg/noarches")
	empty := filepath.Join(root, "pkg/emptyarches")
	// Only packages with no arches: nothing to do, success, no daemon.
	code, stdout, stderr := lkpkg(t, "build", "--builder-addr", "unix:///nonexistent/buildkitd.sock", "--output-dir", out, noarches, empty)
	if code != 0 {
		t.Fatalf("build of packages with no arches: exit %d:\n%s", code, stderr)
	}
	for _, d := range []string{"noarches", "emptyarches"} {
		ref := "linuxkit/" + d + ":" + gittest.Git(t, root, "rev-parse", "HEAD:pkg/"+d)
		if !strings.Contains(stderr, ref+": no arches, skipped") {
			t.Errorf("stderr lacks the skip of %s:\n%s", ref, stderr)
		}
	}
	if stdout != "" {
		t.Errorf("stdout: %q", stdout)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("output dir not empty: %v", entries)
	}
	// The run goes on past them to the next package, whose missing
	// Dockerfile is the error.
	code, _, stderr = lkpkg(t, "build", "--builder-addr", "unix:///nonexistent/buildkitd.sock", "--output-dir", out, noarches, filepath.Join(root, "pkg/nodockerfile"))
	want := filepath.Join(root, "pkg/nodockerfile/build.yml") + ": dockerfile: Dockerfile does not exist in the package directory, so the package cannot be built; create Dockerfile"
	if code != 1 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "no arches, skipped") {
		t.Errorf("exit %d, want 1 with %q and the skip:\n%s", code, want, stderr)
	}
}

// TestEnvOrg: $LINUXKIT_PKG_ORG replaces the default org only; build.yml's
// org and --org win.
func TestEnvOrg(t *testing.T) {
	root := shapesRepo(t)
	t.Setenv("LINUXKIT_PKG_ORG", "envorg")
	nullkeys, emptytag := filepath.Join(root, "pkg/nullkeys"), filepath.Join(root, "pkg/emptytag")
	hash := func(d string) string { return gittest.Git(t, root, "rev-parse", "HEAD:pkg/"+d) }
	code, stdout, stderr := lkpkg(t, "show-tag", nullkeys, emptytag)
	if want := "envorg/nullkeys:" + hash("nullkeys") + "\nwombat/emptytag:" + hash("emptytag") + "\n"; code != 0 || stdout != want {
		t.Errorf("show-tag with $LINUXKIT_PKG_ORG: exit %d\n%s\nwant\n%s\n%s", code, stdout, want, stderr)
	}
	code, stdout, stderr = lkpkg(t, "show-tag", "--org", "flag", nullkeys, emptytag)
	if want := "flag/nullkeys:" + hash("nullkeys") + "\nflag/emptytag:" + hash("emptytag") + "\n"; code != 0 || stdout != want {
		t.Errorf("show-tag --org: exit %d\n%s\nwant\n%s\n%s", code, stdout, want, stderr)
	}
}
