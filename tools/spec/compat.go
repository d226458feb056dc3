package spec

import (
	"fmt"
	"sort"

	"gopkg.in/yaml.v3"
)

// This file holds what lkpkg accepts only because linuxkit does. Every
// build.yml that linuxkit's pkglib.NewFromConfig decodes (yaml.v3 with
// KnownFields, into pkgInfo with NewPkgInfo's defaults) must give the tag
// linuxkit gives; where lkpkg would rather see it written otherwise, the
// problem becomes a warning (Spec.Warnings) instead of an error. `lkpkg
// validate --strict` turns the warnings back into errors.

// yaml11Bools are the YAML 1.1 words yaml.v3 decodes into a Go bool (its
// decoder.scalar, reflect.Bool case), quoted or not; YAML 1.2 readers see
// strings.
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"n": false, "N": false, "no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false,
}

// NoArches reports whether build.yml lists no arches (`arches:` with no
// value, or `arches: []`). linuxkit then has nothing to build (its
// Pkg.Arches is empty), yet show-tag prints the tag; lkpkg build skips it.
func (s *Spec) NoArches() bool { return len(s.Arches) == 0 }

// CheckDockerfile returns the error a build reports when the Dockerfile
// is missing. Load accepts such a package with a warning, as linuxkit's
// show-tag never reads the Dockerfile (only pkglib's build does).
func (s *Spec) CheckDockerfile() error {
	if s.missingDockerfile == nil {
		return nil
	}
	e := *s.missingDockerfile
	return &e
}

func (p *problems) warnf(pos position, field, fix, format string, args ...any) {
	p.warns = append(p.warns, &Error{File: p.file, Line: pos.line, Column: pos.col, Field: field, Problem: fmt.Sprintf(format, args...), Fix: fix})
}

// warnings returns the warnings sorted by position, nil if none.
func (p *problems) warnings() []*Error {
	if len(p.warns) == 0 {
		return nil
	}
	sort.SliceStable(p.warns, func(i, j int) bool {
		a, b := p.warns[i], p.warns[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return p.warns
}

// nullKey handles `key:` with no value. yaml.v3 leaves a scalar field at
// its default and sets a list or pointer to nil; for arches that means no
// arches at all, not the default list (pkgInfo.Arches is a slice).
func nullKey(p *problems, s *Spec, key string, pos position) {
	if key == "arches" {
		s.Arches = nil
		p.warnf(pos, key, "list the arches to build, or remove the key to build for the default ones",
			"has no value, so the package has no arches: show-tag prints its tag, build skips it (as linuxkit does)")
		return
	}
	what := "the default is used"
	switch key {
	case "config", "buildArgs", "extra-sources", "depends":
		what = "it is ignored"
	}
	p.warnf(pos, key, "give it a value, or remove the key", "has no value; %s, as in linuxkit", what)
}

// yaml11Bool accepts the YAML 1.1 words yaml.v3 decodes into a bool, with
// a warning.
func yaml11Bool(p *problems, v *yaml.Node, field string) (bool, bool) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!bool" {
		return false, false
	}
	b, ok := yaml11Bools[v.Value]
	if !ok {
		return false, false
	}
	p.warnf(position{v.Line, v.Column}, field, fmt.Sprintf("write %v (unquoted)", b),
		"%q is a YAML 1.1 boolean, read as %v (as linuxkit reads it); YAML 1.2 readers see the string %q", v.Value, b, v.Value)
	return b, true
}
