package graph

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
)

// resolveAll resolves every build arg of p and returns NAME=VALUE pairs;
// the tags of references are cut off unless keepTags.
func resolveAll(t *testing.T, p *pkg.Package, o pkg.Options, keepTags bool) []string {
	t.Helper()
	var out []string
	for _, a := range p.Spec.BuildArgs {
		r, err := ResolveBuildArg(p, a, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range r {
			if !keepTags && strings.Contains(b.Value, "/") {
				b.Value = b.Value[:strings.LastIndexByte(b.Value, ':')]
			}
			out = append(out, b.String())
		}
	}
	return out
}

// @lkt:pkgs: names each arg from the matched package's org and image, as
// linuxkit's TransformBuildArgValue (pkglib/buildarg.go) does, and a Bazel
// action, which knows its dependencies only by reference (Refs, from
// --dep), gets the same names and values as the CLI.
func TestPkgsArgNamesFromOrgAndImage(t *testing.T) {
	root := tree(t, map[string]string{
		"app":         "image: app\norg: ex\nbuildArgs:\n  - TOOL_%=@lkt:pkgs:../tools/*\n",
		"tools/one":   "image: one-x\norg: ex\n",
		"tools/two":   "image: two\norg: my-org\n",
		"tools/three": "image: three\n", // linuxkit's default org
		// A dot directory the glob matches is left out, as linuxkit does.
		"tools/.hidden": "image: hidden\norg: ex\n",
	})
	app := load(t, filepath.Join(root, "app"))[0]
	cli := resolveAll(t, app, opts, false)
	want := "TOOL_EX_ONE_X=ex/one-x TOOL_LINUXKIT_THREE=linuxkit/three TOOL_MY_ORG_TWO=my-org/two"
	if got := strings.Join(cli, " "); got != want {
		t.Errorf("CLI: %s\nwant %s", got, want)
	}

	// A Bazel action: a srcs manifest, the dependencies as references, and
	// none of their sources on disk (the sandbox holds only declared inputs).
	sandbox := tree(t, map[string]string{"app": "image: app\norg: ex\nbuildArgs:\n  - TOOL_%=@lkt:pkgs:../tools/*\n"})
	bapp := load(t, filepath.Join(sandbox, "app"))[0]
	o := opts
	o.SrcsManifest = "srcs.json"
	o.Refs = map[string]string{
		filepath.Join(sandbox, "tools/one"):     "ex/one-x:h1",
		filepath.Join(sandbox, "tools/two"):     "my-org/two:h1",
		filepath.Join(sandbox, "tools/three"):   "linuxkit/three:h1",
		filepath.Join(sandbox, "tools/.hidden"): "ex/hidden:h1",
	}
	if got := strings.Join(resolveAll(t, bapp, o, false), " "); got != want {
		t.Errorf("Bazel action: %s\nwant %s (what the CLI gives)", got, want)
	}
	deps, err := Deps(bapp, o)
	if err != nil || len(deps) != 3 {
		t.Errorf("Deps in a Bazel action: %d packages, %v; want the 3 declared ones", len(deps), err)
	}
}

// Packages that build args refer to are loaded with linuxkit's default
// configuration (TransformBuildArgValue calls NewFromConfig with only
// BuildYML and HashCommit: HEAD), not with the caller's --org, --dev,
// --tag, --force-dirty, --hash-commit or --hash-path.
func TestDepsIgnoreCallerOverrides(t *testing.T) {
	gittest.Need(t)
	root := tree(t, map[string]string{
		"app":  "image: app\norg: ex\nbuildArgs:\n  - BASE=@lkt:pkg:../base\n  - ALL_%=@lkt:pkgs:../base\n",
		"base": "image: base\norg: ex\n",
	})
	gittest.Git(t, root, "init", "-q")
	gittest.Commit(t, root, "one")
	first := gittest.Git(t, root, "rev-parse", "HEAD")
	writeTree(t, root, "base/new", "second commit\n")
	gittest.Commit(t, root, "two")
	baseTree := gittest.Git(t, root, "rev-parse", "HEAD:base")

	t.Setenv("USER", "someone")
	caller := pkg.Options{Org: "mine", Dev: true, Tag: "x-{{.Hash}}", ForceDirty: true, HashCommit: first, HashPath: root}
	app, err := pkg.Load(filepath.Join(root, "app"), caller)
	if err != nil {
		t.Fatal(err)
	}
	want := "BASE=ex/base:" + baseTree + " ALL_EX_BASE=ex/base:" + baseTree
	if got := strings.Join(resolveAll(t, app, caller, true), " "); got != want {
		t.Errorf("resolved with the caller's overrides: %s\nwant %s", got, want)
	}
}

// An absolute @lkt:pkg:/@lkt:pkgs: path is taken as is by linuxkit
// (TransformBuildArgValue joins only paths not starting with '/'): the CLI
// resolves it; a Bazel action cannot declare it as an input, so it fails
// naming the build arg and the fix.
func TestAbsoluteRefPaths(t *testing.T) {
	root := tree(t, map[string]string{"base": "image: base\norg: ex\n", "tools/one": "image: one\norg: ex\n"})
	app := filepath.Join(root, "app")
	writeTree(t, root, "app/build.yml", "image: app\norg: ex\nbuildArgs:\n  - BASE=@lkt:pkg:"+filepath.Join(root, "base")+"\n  - T_%=@lkt:pkgs:"+filepath.Join(root, "tools")+"/*\n")
	writeTree(t, root, "app/Dockerfile", "FROM scratch\n")
	p := load(t, app)[0]
	if got := strings.Join(resolveAll(t, p, opts, false), " "); got != "BASE=ex/base T_EX_ONE=ex/one" {
		t.Errorf("CLI: %s, want BASE=ex/base T_EX_ONE=ex/one", got)
	}
	if deps, err := Deps(p, opts); err != nil || images(deps) != "base one" {
		t.Errorf("Deps = %s, %v; want base one", images(deps), err)
	}

	o := opts
	o.SrcsManifest = "srcs.json"
	o.Refs = map[string]string{filepath.Join(root, "base"): "ex/base:h1"}
	for _, a := range p.Spec.BuildArgs {
		_, err := ResolveBuildArg(p, a, o)
		if err == nil || !strings.Contains(err.Error(), "buildArgs "+a.Name) || !strings.Contains(err.Error(), "absolute") || !strings.Contains(err.Error(), "relative to") {
			t.Errorf("%s in a Bazel action: %v; want an error naming the arg, the absolute path and the fix", a.Name, err)
		}
	}
	if _, err := Deps(p, o); err == nil || !strings.Contains(err.Error(), "absolute") {
		t.Errorf("Deps in a Bazel action: %v; want the absolute path refused", err)
	}
}

// writeTree writes one file under root.
func writeTree(t *testing.T, root, name, data string) {
	t.Helper()
	path := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
