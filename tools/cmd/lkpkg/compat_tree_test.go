package main

import (
	"crypto/sha1"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"text/template"

	"gopkg.in/yaml.v3"

	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
)

// The compatibility tree (gazelle/testdata/compat, also a Gazelle golden
// case) holds one package per linuxkit behaviour lkpkg follows and per
// package case of linuxkit's test/cases. Each package directory has an
// expect.yaml (or expect-<variant>.yaml) saying, with the linuxkit function
// it comes from, the tag show-tag prints, the build args found in the
// image and the build's outcome. The tests copy the tree into a fresh git
// repository and compare lkpkg's answers with what git itself says.
const compatTreeDir = "../../../gazelle/testdata/compat"

// compatAbs is where the tree's packages with absolute paths look, as
// linuxkit's test cases use fixed /tmp paths. A lock file serializes the
// tests that write there.
const compatAbs = "/tmp/lkpkg-compat"

// pendingOnMain lists the checks that need a behaviour not on main yet,
// with what they need. Each check that names one here is skipped; delete
// the entry when the behaviour lands and the check runs. Keys: "show-tag
// <pkg>", "build <pkg>", "push <step>", "flag <step>".
var pendingOnMain = map[string]string{
	// A deliberate difference (docs/compat.md): lkpkg presets no REVISION
	// and no revision label from HEAD, and makes GOPKGVERSION from
	// SOURCE_DATE_EPOCH and the package hash, not from HEAD's commit, so
	// that the CLI and Bazel give the same digests whatever HEAD is.
	"build build/031_fixed_build_args": "REVISION, the revision label and GOPKGVERSION from HEAD (lkpkg: not set / from the package, by design)",
}

// pending skips the test when key is pending on main, unless
// $LKPKG_COMPAT_PENDING is "run" (to see which pending checks pass now).
func pending(t *testing.T, key string) {
	t.Helper()
	if why, ok := pendingOnMain[key]; ok && os.Getenv("LKPKG_COMPAT_PENDING") != "run" {
		t.Skipf("pending on main (%s): %s", key, why)
	}
}

// isPending says whether any of keys is pending on main.
func isPending(keys ...string) bool {
	if os.Getenv("LKPKG_COMPAT_PENDING") == "run" {
		return false
	}
	for _, k := range keys {
		if _, ok := pendingOnMain[k]; ok {
			return true
		}
	}
	return false
}

// expectation is one expect*.yaml.
type expectation struct {
	// Ref is what show-tag prints (org/image:tag).
	Ref string `yaml:"ref"`
	// Flags are given to show-tag (those it takes) and build.
	Flags []string `yaml:"flags"`
	// Phase orders builds: packages of phase 1 are built by an earlier
	// lkpkg build run than those of phase 2.
	Phase int `yaml:"phase"`
	// Build is ok, skipped or error (then Error is in its stderr).
	Build string `yaml:"build"`
	Error string `yaml:"error"`
	// Args are NAME=VALUE lines the image has in /compat/args, Labels its
	// config's labels.
	Args   map[string]string `yaml:"args"`
	Labels map[string]string `yaml:"labels"`
	// EnvOrg: build.yml sets no org, so $LINUXKIT_PKG_ORG gives it.
	EnvOrg bool `yaml:"envOrg"`
	// From is a package whose tag the Dockerfile names.
	From string `yaml:"from"`
	// NotBuilt are refs the build must not write.
	NotBuilt []string `yaml:"notBuilt"`
	// Needs names what the build needs besides BuildKit
	// ("depends-registry": TestCompatTreeDepends builds it).
	Needs string `yaml:"needs"`
}

// compatPkg is one expectation of one package directory.
type compatPkg struct {
	name string // rel, plus ":<variant>" for expect-<variant>.yaml
	rel  string // slash path under the tree
	dir  string
	exp  expectation
}

type compatTree struct {
	root string
	pkgs []*compatPkg
}

// newCompatTree copies the tree into a new repository, makes the
// directories that are repositories of their own (repos/README.md), commits
// and reads the expectations. before runs on the outer work tree before
// the commit.
func newCompatTree(t *testing.T, before func(root string)) *compatTree {
	t.Helper()
	gittest.Need(t)
	hermeticGit(t)
	lockCompatAbs(t)
	root := t.TempDir()
	copyCompatTree(t, compatTreeDir, root)
	// repos/ holds repositories of their own, not part of this one. (Not
	// a .gitignore of the tree's: Gazelle's golden case would see it.)
	writeTree(t, root, map[string]string{".gitignore": "/repos/\n"})
	gittest.Git(t, root, "init", "-q")
	for _, near := range []string{"build/056_build_args/005_build_arg_special_yaml/near", "build/056_build_args/006_build_arg_special_cli/near", "repos/other"} {
		commitRepo(t, filepath.Join(root, near))
	}
	if err := os.RemoveAll(compatAbs); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(compatAbs) })
	for _, d := range []string{"far", "many", "abs-source"} {
		copyCompatTree(t, filepath.Join(root, "repos", d), filepath.Join(compatAbs, d))
		commitRepo(t, filepath.Join(compatAbs, d))
	}
	sub := filepath.Join(t.TempDir(), "submodule")
	copyCompatTree(t, filepath.Join(root, "repos/submodule"), sub)
	commitRepo(t, sub)
	gittest.Git(t, root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", sub, "behaviour/extra_sources/submodule")
	if before != nil {
		before(root)
	}
	gittest.Commit(t, root, "compatibility tree")
	return &compatTree{root: root, pkgs: loadExpectations(t, root)}
}

// hermeticGit gives lkpkg's git the configuration gittest gives the
// tests' git (none), so both see the same repository the same way.
func hermeticGit(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("LC_ALL", "C")
	t.Setenv("LINUXKIT_PKG_ORG", "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
}

func lockCompatAbs(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(compatAbs+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
}

// commitRepo makes dir a repository with everything in it committed.
func commitRepo(t *testing.T, dir string) {
	t.Helper()
	gittest.Git(t, dir, "init", "-q")
	gittest.Commit(t, dir, "a repository of its own")
}

// copyCompatTree copies src to dst, leaving out Gazelle's golden files.
func copyCompatTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		switch d.Name() {
		case "BUILD.in", "BUILD.out", "expectedStderr.txt", "MODULE.bazel":
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// loadExpectations reads and renders every expect*.yaml under root.
func loadExpectations(t *testing.T, root string) []*compatPkg {
	t.Helper()
	var pkgs []*compatPkg
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || p == filepath.Join(root, "repos")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasPrefix(d.Name(), "expect") || !strings.HasSuffix(d.Name(), ".yaml") {
			return nil
		}
		dir := filepath.Dir(p)
		rel, _ := filepath.Rel(root, dir)
		cp := &compatPkg{name: filepath.ToSlash(rel), rel: filepath.ToSlash(rel), dir: dir}
		if v := strings.TrimSuffix(strings.TrimPrefix(d.Name(), "expect"), ".yaml"); v != "" {
			cp.name += ":" + strings.TrimPrefix(v, "-")
		}
		cp.exp = renderExpectation(t, p, dir)
		pkgs = append(pkgs, cp)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].name < pkgs[j].name })
	if len(pkgs) < 30 {
		t.Fatalf("found %d expectations in %s, want at least 30", len(pkgs), root)
	}
	return pkgs
}

// renderExpectation expands file's template functions, which ask git
// about the committed repository, and decodes it. {{.Hash}} stays as it is,
// for tag templates.
func renderExpectation(t *testing.T, file, dir string) expectation {
	t.Helper()
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := template.New(filepath.Base(file)).Funcs(compatFuncs(t, dir)).Parse(string(text))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var out strings.Builder
	if err := tmpl.Execute(&out, map[string]string{"Hash": "{{.Hash}}"}); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var e expectation
	dec := yaml.NewDecoder(strings.NewReader(out.String()))
	dec.KnownFields(true)
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return e
}

// compatFuncs are the expectations' template functions, paths relative to
// the package directory dir. Every value comes from git, never from lkpkg.
func compatFuncs(t *testing.T, dir string) template.FuncMap {
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	return template.FuncMap{
		"dir":  func() string { return dir },
		"tree": func(p string) string { return gitTree(t, abs(p), "HEAD") },
		"sha1": func(parts ...string) string { return fmt.Sprintf("%x", sha1.Sum([]byte(strings.Join(parts, "")))) },
		"head": func() string { return gittest.Git(t, dir, "rev-parse", "HEAD") },
		// git.goPkgVersion: no tag matches its quoted pattern, so always
		// v0.0.0, then the committer date in local time and the commit.
		"gopkgversion": func() string {
			return "v0.0.0-" + gittest.Git(t, dir, "--no-pager", "show", "--quiet", "--abbrev=12", "--date=format-local:%Y%m%d%H%M%S", "--format=%cd-%h")
		},
		"ref": func(p string) string { return gitRef(t, abs(p)) },
	}
}

// gitTree is the id git gives the tree of dir at commit, asked of the
// repository dir is in.
func gitTree(t *testing.T, dir, commit string) string {
	t.Helper()
	prefix := gittest.Git(t, dir, "rev-parse", "--show-prefix")
	return gittest.Git(t, dir, "rev-parse", commit+":"+strings.TrimSuffix(prefix, "/"))
}

// gitRef is the tag linuxkit gives the package in dir loaded with its
// defaults (org linuxkit, tag {{.Hash}}): what @lkt:pkg: values become.
func gitRef(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "build.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var y struct{ Image, Org, Tag string }
	if err := yaml.Unmarshal(data, &y); err != nil {
		t.Fatalf("%s/build.yml: %v", dir, err)
	}
	if y.Org == "" {
		y.Org = "linuxkit"
	}
	if y.Tag == "" {
		y.Tag = "{{.Hash}}"
	}
	return y.Org + "/" + y.Image + ":" + strings.ReplaceAll(y.Tag, "{{.Hash}}", gitTree(t, dir, "HEAD"))
}

// showTagFlags are the flags of an expectation show-tag takes: linuxkit
// pkg's persistent flags.
func showTagFlags(flags []string) []string {
	var out []string
	for i := 0; i < len(flags); i++ {
		switch flags[i] {
		case "--org", "--tag", "--build-yml", "--hash", "--hash-path", "--hash-commit", "--hash-dir":
			out = append(out, flags[i], flags[i+1])
			i++
		}
	}
	return out
}

// TestCompatTreeShowTag: show-tag prints every package's expected tag, and
// $LINUXKIT_PKG_ORG gives the org of those whose build.yml sets none.
func TestCompatTreeShowTag(t *testing.T) {
	tree := newCompatTree(t, nil)
	for _, p := range tree.pkgs {
		t.Run(p.name, func(t *testing.T) {
			pending(t, "show-tag "+p.name)
			args := append(append([]string{"show-tag"}, showTagFlags(p.exp.Flags)...), p.dir)
			code, stdout, stderr := lkpkg(t, args...)
			if got := strings.TrimSpace(stdout); code != 0 || got != p.exp.Ref {
				t.Errorf("lkpkg %s: exit %d, printed %q, want %q\n%s", strings.Join(args, " "), code, got, p.exp.Ref, stderr)
			}
			if p.exp.EnvOrg {
				t.Setenv("LINUXKIT_PKG_ORG", "envorg")
				_, stdout, stderr = lkpkg(t, args...)
				want := "envorg/" + strings.SplitN(p.exp.Ref, "/", 2)[1]
				if got := strings.TrimSpace(stdout); got != want {
					t.Errorf("with $LINUXKIT_PKG_ORG=envorg: printed %q, want %q\n%s", got, want, stderr)
				}
			}
			if p.exp.From != "" {
				checkFromLine(t, p)
			}
		})
	}
}

// checkFromLine: the Dockerfile names the current tag of the package it
// builds on (linuxkit's chained-build cases write it out too).
func checkFromLine(t *testing.T, p *compatPkg) {
	t.Helper()
	want := gitRef(t, filepath.Join(p.dir, p.exp.From))
	df, err := os.ReadFile(filepath.Join(p.dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	_, tag, _ := strings.Cut(want, ":")
	if !strings.Contains(string(df), tag) {
		t.Errorf("%s/Dockerfile does not name %s, the tag of %s: put it in the FROM line of %s", p.rel, want, p.exp.From, filepath.Join(compatTreeDir, p.rel, "Dockerfile"))
	}
}
