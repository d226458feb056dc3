package spec

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Prefixes of the linuxkit build-arg values that refer to other packages.
const (
	lktPrefix     = "@lkt:"
	lktPkgPrefix  = lktPrefix + "pkg:"
	lktPkgsPrefix = lktPrefix + "pkgs:"
	// pkgsStem is the character in a @lkt:pkgs: arg's name that is replaced
	// by each matched package's image name, upper-cased, '/' and '-' as '_'.
	pkgsStem = "%"
)

// RefKind says whether, and how, a build arg refers to other packages.
type RefKind int

const (
	// RefNone is a plain value passed to docker build as is.
	RefNone RefKind = iota
	// RefPkg is "@lkt:pkg:<path>": the value becomes the image reference of
	// the package at path (relative to the package directory).
	RefPkg
	// RefPkgs is "@lkt:pkgs:<glob>": one build arg per package directory
	// matching glob, the name's '%' replaced by that package's image name.
	RefPkgs
)

// String returns the spelling used in build.yml.
func (k RefKind) String() string {
	switch k {
	case RefNone:
		return "none"
	case RefPkg:
		return "pkg"
	case RefPkgs:
		return "pkgs"
	}
	return fmt.Sprintf("RefKind(%d)", int(k))
}

// BuildArg is one buildArgs entry, NAME=VALUE.
type BuildArg struct {
	Name, Value string
}

// Ref reports whether the value refers to other packages and, if so, the
// package path (RefPkg) or glob (RefPkgs), relative to the package directory.
func (a BuildArg) Ref() (kind RefKind, path string) {
	if p, ok := strings.CutPrefix(a.Value, lktPkgsPrefix); ok {
		return RefPkgs, p
	}
	if p, ok := strings.CutPrefix(a.Value, lktPkgPrefix); ok {
		return RefPkg, p
	}
	return RefNone, ""
}

// PkgsName returns the build arg name an @lkt:pkgs: reference gives the
// package org/image: the '%' in the name replaced by "org/image" in upper
// case with '/' and '-' turned into '_', as linuxkit names it (BASE_% and
// org ex, image foo-bar give BASE_EX_FOO_BAR).
func (a BuildArg) PkgsName(org, image string) string {
	stem := strings.ToUpper(strings.NewReplacer("-", "_", "/", "_").Replace(org + "/" + image))
	return strings.ReplaceAll(a.Name, pkgsStem, stem)
}

// RefIsAbs reports whether an @lkt:pkg: or @lkt:pkgs: path is absolute:
// linuxkit takes such a path as is, relative ones from the package.
func (a BuildArg) RefIsAbs() bool {
	kind, ref := a.Ref()
	return kind != RefNone && path.IsAbs(ref)
}

// String returns the NAME=VALUE form given to docker build --build-arg.
func (a BuildArg) String() string { return a.Name + "=" + a.Value }

// argNameRE is a Dockerfile ARG name: shell-variable-like. linuxkit's pkgs
// form additionally needs the '%' stem, checked separately.
var argNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// parseBuildArg splits and checks one buildArgs entry. It returns problems
// and warnings as (problem, fix) pairs so the caller can attach the position.
func parseBuildArg(s string) (a BuildArg, probs, warns [][2]string) {
	bad := func(p, f string) { probs = append(probs, [2]string{p, f}) }

	name, value, ok := strings.Cut(s, "=")
	if !ok {
		bad(fmt.Sprintf("%q is not in NAME=VALUE form", s), fmt.Sprintf("write it as %s=<value> (an empty value is %s=)", firstWord(s), firstWord(s)))
		return BuildArg{}, probs, nil
	}
	a = BuildArg{Name: name, Value: value}
	kind, ref := a.Ref()
	if kind == RefNone && strings.HasPrefix(value, lktPrefix) {
		bad(fmt.Sprintf("%q is not a known linuxkit reference", value), "use @lkt:pkg:<path> for one package or @lkt:pkgs:<glob> for several")
	}

	// For pkgs the name is a template: check it with the stem substituted.
	checkName := name
	if kind == RefPkgs {
		if !strings.Contains(name, pkgsStem) {
			bad(fmt.Sprintf("build arg %q uses @lkt:pkgs: but its name has no %q", name, pkgsStem),
				fmt.Sprintf("put %q where each package's name goes, e.g. %s_%s", pkgsStem, name, pkgsStem))
		}
		checkName = strings.ReplaceAll(name, pkgsStem, "X")
	}
	switch {
	case name == "":
		bad(fmt.Sprintf("%q has an empty name", s), "write it as NAME=VALUE")
	case !argNameRE.MatchString(checkName):
		fix := "use letters, digits and '_', not starting with a digit"
		if kind != RefPkgs && strings.Contains(name, pkgsStem) {
			fix = "'%' is only allowed with @lkt:pkgs: values; " + fix
		}
		bad(fmt.Sprintf("%q is not a valid build arg name", name), fix)
	}

	if kind != RefNone {
		switch {
		case ref == "":
			bad(fmt.Sprintf("%q has an empty package path", value), "give a path relative to this package, e.g. @lkt:pkg:../base")
		case path.IsAbs(ref):
			// linuxkit takes it as is (TransformBuildArgValue), and so does
			// the CLI; but it ties the build to one machine, and a Bazel
			// action cannot declare it as an input.
			warns = append(warns, [2]string{fmt.Sprintf("%q is an absolute path: the build depends on this machine, and Bazel refuses it", ref), "make it relative to this package's directory"})
		case strings.HasPrefix(ref, `\`) || (len(ref) > 1 && ref[1] == ':'):
			bad(fmt.Sprintf("%q is an absolute path", ref), "make it relative to this package's directory")
		case strings.ContainsAny(ref, "\x00\n\r"):
			bad(fmt.Sprintf("%q contains a control character", ref), "remove it")
		}
		if kind == RefPkgs {
			if _, err := path.Match(ref, ""); err != nil {
				bad(fmt.Sprintf("%q is not a valid glob: %v", ref, err), "check the brackets and escapes, e.g. ../*")
			}
		}
	}
	return a, probs, warns
}

// firstWord returns s up to the first space, for use in hints.
func firstWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t:"); i > 0 {
		return s[:i]
	}
	if s == "" {
		return "NAME"
	}
	return s
}
