package pkg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/hashmanifest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// With Options.HashDir, a package's tags and build args follow linuxkit's
// --hash-dir (PkglibConfig.HashDir, pkglib/pkglib.go and
// pkglib/buildarg.go):
//
//   - the hash is the hex SHA-1 of the tree hash, the extra sources'
//     hashes and every build arg line as resolved below (NewFromConfig),
//     or the tree hash alone when there is nothing to add;
//   - an @lkt:pkg:/@lkt:pkgs: package's tag is read from its hash manifest
//     (hashmanifest), else, unless StrictDeps, computed with the default
//     configuration, else (no build.yml) the arg is left out
//     (resolveDepTag);
//   - @lkt:pkgs: keeps only the packages whose arg name the package's
//     Dockerfile declares with ARG (transformBuildArgValue,
//     DockerfileARGNames);
//   - a package whose build yml does not exist is read with the build yml
//     its manifest names.

// RefOptions are the options the packages that build args refer to are
// loaded with when no manifest names their tag: linuxkit's defaults, as its
// resolveDepTag (pkglib/buildarg.go) loads them with only BuildYML and
// HashCommit HEAD. What is not about one package stays: Hermetic, Refs and
// DefaultOrg.
func (o Options) RefOptions() Options {
	return Options{Hermetic: o.Hermetic, Refs: o.Refs, DefaultOrg: o.DefaultOrg}
}

// manifestBuildYML returns the build yml to read in dir when buildYML does
// not exist there: the one dir's manifest names, or buildYML.
func (o Options) manifestBuildYML(dir, buildYML string) (string, error) {
	if o.HashDir == "" {
		return buildYML, nil
	}
	if _, err := os.Stat(filepath.Join(dir, buildYML)); !errors.Is(err, fs.ErrNotExist) {
		return buildYML, nil
	}
	m, err := hashmanifest.Read(o.HashDir, dir)
	if err != nil {
		return "", err
	}
	if m != nil && m.BuildYML != "" {
		return m.BuildYML, nil
	}
	return buildYML, nil
}

// hashDirLines returns the build arg lines linuxkit mixes into the hash
// under --hash-dir, in build.yml order.
func (o Options) hashDirLines(dir string, s *spec.Spec) ([]string, error) {
	var lines []string
	for _, a := range s.BuildArgs {
		r, err := o.resolveWithManifests(dir, s, a)
		if err != nil {
			return nil, err
		}
		for _, x := range r {
			lines = append(lines, x.String())
		}
	}
	return lines, nil
}

// ResolveWithManifests resolves one of p's build args as linuxkit's
// ProcessBuildArgs does under --hash-dir (transformBuildArgValue with a
// hash dir): what the build passes to docker build.
func ResolveWithManifests(p *Package, a spec.BuildArg, o Options) ([]spec.BuildArg, error) {
	return o.resolveWithManifests(p.Dir, p.Spec, a)
}

// resolveWithManifests mirrors transformBuildArgValue (pkglib/buildarg.go)
// with a hash dir. One difference: an @lkt:pkgs: glob that matches the
// package itself leaves it out, as lkpkg does without --hash-dir
// (graph.PkgsGlob); linuxkit would read the package's own previous
// manifest, so its tag would depend on its previous tag.
func (o Options) resolveWithManifests(dir string, s *spec.Spec, a spec.BuildArg) ([]spec.BuildArg, error) {
	kind, ref := a.Ref()
	if kind == spec.RefNone {
		return []spec.BuildArg{a}, nil
	}
	field := fmt.Sprintf("%s: buildArgs %s", s.File, a.Name)
	path := filepath.FromSlash(ref)
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	path = filepath.Clean(path)
	if kind == spec.RefPkg {
		tag, err := o.depTag(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		if tag == "" {
			return nil, nil
		}
		return []spec.BuildArg{{Name: a.Name, Value: tag}}, nil
	}
	matches, err := filepath.Glob(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("%s: no packages match %s: check the glob", field, path)
	}
	declared := DockerfileARGNames(filepath.Join(dir, "Dockerfile"))
	var out []spec.BuildArg
	dirs := 0
	for _, m := range matches {
		st, err := os.Stat(m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		if !st.IsDir() || strings.HasPrefix(st.Name(), ".") || m == dir {
			continue
		}
		dirs++
		org, image, ok := o.imageName(m)
		if !ok {
			continue // linuxkit skips a directory without a usable build yml
		}
		name := a.PkgsName(org, image)
		if len(declared) > 0 && !declared[name] {
			continue
		}
		tag, err := o.depTag(m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		if tag != "" {
			out = append(out, spec.BuildArg{Name: name, Value: tag})
		}
	}
	if dirs == 0 {
		return nil, fmt.Errorf("%s: no package directories match %s: check the glob", field, path)
	}
	return out, nil
}

// depTag mirrors resolveDepTag: the tag in dir's manifest; else, with
// StrictDeps, an error; else the tag computed with the default
// configuration, or "" when dir has no build.yml.
func (o Options) depTag(dir string) (string, error) {
	m, err := hashmanifest.Read(o.HashDir, dir)
	if err != nil {
		return "", err
	}
	if m != nil && m.Tag != "" {
		return m.Tag, nil
	}
	if o.StrictDeps {
		return "", fmt.Errorf("%s has no tag in %s (--strict-deps): run `lkpkg update-hashes --hash-dir %s` with %s among its packages first, or drop --strict-deps", dir, hashmanifest.PathFor(o.HashDir, dir), o.HashDir, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, spec.DefaultBuildYML)); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	p, err := Load(dir, o.RefOptions())
	if err != nil {
		return "", err
	}
	return p.Ref(), nil
}

// imageName returns the org and image of the package in dir, read from the
// build yml its manifest names or build.yml, as linuxkit's pkgImageName:
// build.yml's org, else the default org.
func (o Options) imageName(dir string) (org, image string, ok bool) {
	buildYML := spec.DefaultBuildYML
	if m, _ := hashmanifest.Read(o.HashDir, dir); m != nil && m.BuildYML != "" {
		buildYML = m.BuildYML
	}
	s, err := spec.LoadFile(dir, buildYML)
	if err != nil {
		return "", "", false
	}
	if err := (Options{DefaultOrg: o.DefaultOrg}).apply(s); err != nil {
		return "", "", false
	}
	return s.Org, s.Image, true
}

// DockerfileARGNames mirrors linuxkit's DockerfileARGNames
// (pkglib/buildarg.go) exactly, since its answer changes tags: each line
// that starts, after white space, with "ARG " in any case gives the text
// up to '=' as a name. An unreadable file gives none (no filtering).
func DockerfileARGNames(file string) map[string]bool {
	names := map[string]bool{}
	data, err := os.ReadFile(file)
	if err != nil {
		return names
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(strings.ToUpper(line), "ARG ") {
			continue
		}
		name := strings.TrimSpace(line[4:])
		if i := strings.IndexByte(name, '='); i >= 0 {
			name = name[:i]
		}
		names[strings.TrimSpace(name)] = true
	}
	return names
}
