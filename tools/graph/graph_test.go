package graph

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// tree writes packages under one root: name -> build.yml.
func tree(t *testing.T, pkgs map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, yml := range pkgs {
		dir := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for f, data := range map[string]string{"build.yml": yml, "Dockerfile": "FROM scratch\n"} {
			if err := os.WriteFile(filepath.Join(dir, f), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

var opts = pkg.Options{Hermetic: true, Hash: "h1"}

func load(t *testing.T, dirs ...string) []*pkg.Package {
	t.Helper()
	var out []*pkg.Package
	for _, d := range dirs {
		p, err := pkg.Load(d, opts)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func images(ps []*pkg.Package) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Spec.Image)
	}
	return strings.Join(s, " ")
}

func TestOrderPutsDepsFirst(t *testing.T) {
	root := tree(t, map[string]string{
		"app":       "image: app\norg: ex\nbuildArgs:\n  - BASE=@lkt:pkg:../base\n  - TOOL_%=@lkt:pkgs:../tools/*\n",
		"base":      "image: base\norg: ex\n",
		"tools/one": "image: one\norg: ex\n",
		"tools/two": "image: two\norg: ex\n",
	})
	j := func(n string) string { return filepath.Join(root, n) }
	ps := load(t, j("app"), j("tools/two"), j("base"), j("tools/one"))
	got, err := Order(ps, opts)
	if err != nil {
		t.Fatal(err)
	}
	if s := images(got); s != "base one two app" {
		t.Errorf("Order = %s, want base one two app", s)
	}
	deps, err := Deps(ps[0], opts)
	if err != nil {
		t.Fatal(err)
	}
	if s := images(deps); s != "base one two" {
		t.Errorf("Deps(app) = %s, want base one two", s)
	}
	var resolved []string
	for _, a := range ps[0].Spec.BuildArgs {
		r, err := ResolveBuildArg(ps[0], a, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range r {
			// RefOptions drops the caller's Hash: each dep has its own.
			name, _, _ := strings.Cut(b.Value, ":")
			resolved = append(resolved, b.Name+"="+name)
		}
	}
	if s := strings.Join(resolved, " "); s != "BASE=ex/base TOOL_EX_ONE=ex/one TOOL_EX_TWO=ex/two" {
		t.Errorf("resolved build args: %s", s)
	}
}

func TestOrderRefusesCycle(t *testing.T) {
	root := tree(t, map[string]string{
		"a": "image: a\norg: ex\nbuildArgs:\n  - B=@lkt:pkg:../b\n",
		"b": "image: b\norg: ex\nbuildArgs:\n  - A=@lkt:pkg:../a\n",
	})
	_, err := Order(load(t, filepath.Join(root, "a"), filepath.Join(root, "b")), opts)
	if err == nil || !strings.Contains(err.Error(), "cycle") || !strings.Contains(err.Error(), filepath.Join(root, "a")) {
		t.Errorf("Order of a cycle: %v, want an error naming the cycle", err)
	}
}

// With a srcs manifest (a Bazel action), a dependency must be declared.
func TestUndeclaredDepInHermeticAction(t *testing.T) {
	root := tree(t, map[string]string{
		"a": "image: a\norg: ex\nbuildArgs:\n  - B=@lkt:pkg:../b\n",
		"b": "image: b\norg: ex\n",
	})
	p := load(t, filepath.Join(root, "a"))[0]
	o := opts
	o.SrcsManifest = "srcs.json"
	if _, err := Deps(p, o); err == nil || !strings.Contains(err.Error(), "not a declared dependency") || !strings.Contains(err.Error(), "buildArgs B") {
		t.Errorf("Deps: %v, want not a declared dependency", err)
	}
	o.Refs = map[string]string{filepath.Join(root, "b"): "ex/b:pinned"}
	r, err := ResolveBuildArg(p, spec.BuildArg{Name: "B", Value: "@lkt:pkg:../b"}, o)
	if err != nil || len(r) != 1 || r[0].Value != "ex/b:pinned" {
		t.Errorf("ResolveBuildArg with Refs = %v, %v; want ex/b:pinned", r, err)
	}
}
