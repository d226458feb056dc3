package gazelle

import (
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// images returns the "img:<name>" and "dir:<rel>" imports of the images the
// Dockerfile builds FROM or copies/mounts --from, with ARGs expanded as
// BuildKit does: global ARG defaults, overridden by build args for the ARGs
// the Dockerfile declares. A build arg that refers to a package has the
// value "@lkt:pkg:<dir>", which becomes a "dir:" import when it is what a
// FROM names.
func (df *dockerfile) images(buildArgs map[string]string) []string {
	lex := shell.NewLex('\\')
	env := &argEnv{m: map[string]string{}}
	for _, a := range df.metaArgs {
		if v, ok := buildArgs[a.Key]; ok {
			env.set(a.Key, v)
			continue
		}
		if a.Value != nil {
			v, _, err := lex.ProcessWord(*a.Value, env)
			if err != nil {
				v = *a.Value
			}
			env.set(a.Key, v)
		}
	}
	var out []string
	stageNames := map[string]bool{}
	add := func(word string, stages bool) {
		v, _, err := lex.ProcessWord(word, env)
		if err != nil || v == "" {
			return
		}
		if stages {
			if stageNames[strings.ToLower(v)] {
				return
			}
			if _, err := strconv.Atoi(v); err == nil {
				return // a stage index
			}
		}
		if imp := imageImport(v); imp != "" {
			out = append(out, imp)
		}
	}
	for _, st := range df.stages {
		add(st.base, true)
		for _, f := range st.froms {
			add(f, true)
		}
		if st.name != "" {
			stageNames[st.name] = true
		}
	}
	return out
}

// imageImport turns an image reference into an import string: "dir:<rel>"
// for a package reference, "img:<normalized name>" for an image name (tag
// and digest dropped), "" for scratch or what is not a reference.
func imageImport(ref string) string {
	if d, ok := strings.CutPrefix(ref, lktPkg); ok {
		return "dir:" + d
	}
	if ref == "scratch" {
		return ""
	}
	name := normalizeImage(ref)
	if name == "" {
		return ""
	}
	return "img:" + name
}

// normalizeImage returns the repository name of ref, fully qualified
// (docker.io/library/alpine), or "" if ref is not a valid reference.
func normalizeImage(ref string) string {
	n, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ""
	}
	return n.Name()
}

// argEnv is shell.EnvGetter over a map.
type argEnv struct {
	m    map[string]string
	keys []string
}

func (e *argEnv) set(k, v string) {
	if _, ok := e.m[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.m[k] = v
}

func (e *argEnv) Get(k string) (string, bool) {
	v, ok := e.m[k]
	return v, ok
}

func (e *argEnv) Keys() []string { return e.keys }
