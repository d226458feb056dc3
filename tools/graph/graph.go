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

// RefOptions are the options the packages that build args refer to are
// loaded with: linuxkit's defaults, as its TransformBuildArgValue
// (pkglib/buildarg.go) loads them with only BuildYML and HashCommit HEAD.
// The caller's --org, --dev, --hash, --tag, --hash-commit, --hash-path,
// --force-dirty and --build-yml name the packages being built, not their
// dependencies. What is not about one package stays: Hermetic (a Bazel
// action never asks git), Refs (dependencies known by reference) and
// DefaultOrg ($LINUXKIT_PKG_ORG, lkpkg's replacement of the default org).
func RefOptions(o pkg.Options) pkg.Options { return o.RefOptions() }

// hermetic reports whether o is a Bazel action's: its dependencies must be
// declared (o.Refs), since their sources are not its inputs.
func hermetic(o pkg.Options) bool { return o.SrcsManifest != "" }

// refDirs returns the package directories a build arg refers to: one for
// @lkt:pkg:, every match with a build.yml for @lkt:pkgs: (in a Bazel action
// also the declared dependencies the glob matches, whose sources are not
// in its sandbox), none for a plain value. A path is relative to the
// package, unless absolute, as in linuxkit; a Bazel action refuses an
// absolute one, which no action can declare as an input.
func refDirs(p *pkg.Package, a spec.BuildArg, o pkg.Options) ([]string, error) {
	kind, rel := a.Ref()
	if kind == spec.RefNone {
		return nil, nil
	}
	ref := filepath.FromSlash(rel)
	if a.RefIsAbs() {
		if hermetic(o) {
			return nil, fmt.Errorf("%s: buildArgs %s: %s is an absolute path, which a Bazel action cannot declare as an input: make it relative to %s", p.Spec.File, a.Name, rel, p.Dir)
		}
	} else {
		ref = filepath.Join(p.Dir, ref)
	}
	if kind == spec.RefPkg {
		return []string{filepath.Clean(ref)}, nil
	}
	dirs, err := PkgsGlob(p.Dir, ref)
	if err != nil {
		return nil, fmt.Errorf("%s: buildArgs %s: %w", p.Spec.File, a.Name, err)
	}
	if hermetic(o) {
		for d := range o.Refs {
			if ok, _ := filepath.Match(ref, d); ok && d != p.Dir && !dotName(d) && !slices.Contains(dirs, d) {
				dirs = append(dirs, d)
			}
		}
		slices.Sort(dirs)
	}
	return dirs, nil
}

// ResolveBuildArg resolves one build.yml build arg: @lkt:pkg:<path> becomes
// the referenced package's org/image:tag; @lkt:pkgs:<glob> becomes one arg
// per matching package directory, the '%' in the name replaced by that
// package's org/image (spec.BuildArg.PkgsName).
func ResolveBuildArg(p *pkg.Package, a spec.BuildArg, o pkg.Options) ([]spec.BuildArg, error) {
	kind, _ := a.Ref()
	if kind == spec.RefNone {
		return []spec.BuildArg{a}, nil
	}
	if o.HashDir != "" {
		return pkg.ResolveWithManifests(p, a, o)
	}
	dirs, err := refDirs(p, a, o)
	if err != nil {
		return nil, err
	}
	var out []spec.BuildArg
	for _, d := range dirs {
		dep, err := loadDep(d, o)
		if err != nil {
			return nil, fmt.Errorf("%s: buildArgs %s: %w", p.Spec.File, a.Name, err)
		}
		name := a.Name
		if kind == spec.RefPkgs {
			name = a.PkgsName(dep.Spec.Org, dep.Spec.Image)
		}
		out = append(out, spec.BuildArg{Name: name, Value: dep.Ref()})
	}
	return out, nil
}

// loadDep loads the package in dir that a build arg refers to, or returns
// its stand-in when o.Refs knows it. In a Bazel action an unknown package
// is an error: its sources are not the action's inputs.
func loadDep(dir string, o pkg.Options) (*pkg.Package, error) {
	if ref, ok := o.Refs[filepath.Clean(dir)]; ok {
		return pkg.FromRef(dir, ref)
	}
	if hermetic(o) {
		return nil, fmt.Errorf("%s is not a declared dependency (in Bazel: add its linuxkit_pkg to deps; run gazelle)", dir)
	}
	return pkg.Load(dir, RefOptions(o))
}

// PkgsGlob returns the package directories (those with a build.yml)
// matching glob, relative to dir unless absolute, sorted; dir itself and
// directories whose name starts with a dot are left out, as linuxkit's
// TransformBuildArgValue leaves them out (Go's '*' matches a leading dot).
func PkgsGlob(dir, glob string) ([]string, error) {
	if !filepath.IsAbs(glob) {
		glob = filepath.Join(dir, filepath.FromSlash(glob))
	}
	m, err := filepath.Glob(glob)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range m {
		if d == dir || dotName(d) {
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
		dirs, err := refDirs(p, a, o)
		if err != nil {
			return nil, err
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

// dotName reports whether the last element of a path starts with a dot.
func dotName(d string) bool { return strings.HasPrefix(filepath.Base(d), ".") }
