// Package graph is the dependency graph of LinuxKit packages: the packages
// a package's build args refer to (@lkt:pkg:<path>, @lkt:pkgs:<glob>), their
// resolution to image references, and a build order. It reads build.yml
// files only, never a daemon, so the Gazelle extension can use it without
// BuildKit's client.
package graph

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// RefOptions are the options dependencies are loaded with: the caller's,
// except the overrides that name one package (hash, tag, spec file).
func RefOptions(o pkg.Options) pkg.Options {
	o.Hash, o.Tag, o.BuildYML, o.HashPath, o.SrcsManifest = "", "", "", "", ""
	return o
}

// ResolveBuildArg resolves one build.yml build arg: @lkt:pkg:<path> becomes
// the referenced package's org/image:tag; @lkt:pkgs:<glob> becomes one arg
// per matching package directory, the '%' in the name replaced by that
// package's image name (upper-cased, '-' and '/' as '_').
func ResolveBuildArg(p *pkg.Package, a spec.BuildArg, o pkg.Options) ([]spec.BuildArg, error) {
	kind, rel := a.Ref()
	switch kind {
	case spec.RefPkg:
		dep, err := loadDep(filepath.Join(p.Dir, filepath.FromSlash(rel)), o)
		if err != nil {
			return nil, fmt.Errorf("%s: buildArgs %s: %w", p.Spec.File, a.Name, err)
		}
		return []spec.BuildArg{{Name: a.Name, Value: dep.Ref()}}, nil
	case spec.RefPkgs:
		dirs, err := PkgsGlob(p.Dir, rel)
		if err != nil {
			return nil, fmt.Errorf("%s: buildArgs %s: %w", p.Spec.File, a.Name, err)
		}
		var out []spec.BuildArg
		for _, d := range dirs {
			dep, err := pkg.Load(d, RefOptions(o))
			if err != nil {
				return nil, fmt.Errorf("%s: buildArgs %s: %w", p.Spec.File, a.Name, err)
			}
			out = append(out, spec.BuildArg{Name: a.PkgsName(dep.Spec.Image), Value: dep.Ref()})
		}
		return out, nil
	}
	return []spec.BuildArg{a}, nil
}

// loadDep loads the package in dir that a build arg refers to, or returns
// its stand-in when o.Refs knows it. In hermetic mode an unknown package is
// an error: its sources are not the action's inputs.
func loadDep(dir string, o pkg.Options) (*pkg.Package, error) {
	if ref, ok := o.Refs[filepath.Clean(dir)]; ok {
		return pkg.FromRef(dir, ref)
	}
	if o.SrcsManifest != "" {
		return nil, fmt.Errorf("%s is not a declared dependency (in Bazel: add its linuxkit_pkg to deps; run gazelle)", dir)
	}
	return pkg.Load(dir, RefOptions(o))
}

// PkgsGlob returns the package directories (those with a build.yml)
// matching glob, relative to dir, sorted.
func PkgsGlob(dir, glob string) ([]string, error) {
	m, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(glob)))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range m {
		if d == dir {
			continue
		}
		if st, err := os.Stat(filepath.Join(d, spec.DefaultBuildYML)); err == nil && st.Mode().IsRegular() {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Deps returns the packages p's build args refer to (@lkt:pkg: and
// @lkt:pkgs:), loaded with RefOptions(o).
func Deps(p *pkg.Package, o pkg.Options) ([]*pkg.Package, error) {
	var deps []*pkg.Package
	for _, a := range p.Spec.BuildArgs {
		kind, rel := a.Ref()
		var dirs []string
		switch kind {
		case spec.RefPkg:
			dirs = []string{filepath.Join(p.Dir, filepath.FromSlash(rel))}
		case spec.RefPkgs:
			m, err := PkgsGlob(p.Dir, rel)
			if err != nil {
				return nil, err
			}
			dirs = m
		}
		for _, d := range dirs {
			dep, err := loadDep(d, o)
			if err != nil {
				return nil, fmt.Errorf("%s: buildArgs %s: %w", p.Spec.File, a.Name, err)
			}
			deps = append(deps, dep)
		}
	}
	return deps, nil
}

// Order sorts packages so that each comes after the packages among them
// that it refers to through build args; it fails on a cycle.
func Order(pkgs []*pkg.Package, o pkg.Options) ([]*pkg.Package, error) {
	byDir := map[string]*pkg.Package{}
	for _, p := range pkgs {
		byDir[p.Dir] = p
	}
	state := map[string]int{} // 1 visiting, 2 done
	var out []*pkg.Package
	var visit func(p *pkg.Package, path []string) error
	visit = func(p *pkg.Package, path []string) error {
		switch state[p.Dir] {
		case 1:
			return fmt.Errorf("build args form a cycle: %s", strings.Join(append(path, p.Dir), " -> "))
		case 2:
			return nil
		}
		state[p.Dir] = 1
		deps, err := Deps(p, o)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if q, ok := byDir[d.Dir]; ok {
				if err := visit(q, append(path, p.Dir)); err != nil {
					return err
				}
			}
		}
		state[p.Dir] = 2
		out = append(out, p)
		return nil
	}
	for _, p := range pkgs {
		if err := visit(p, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}
