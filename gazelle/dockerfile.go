package gazelle

import (
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/rules-linuxkit/rules_linuxkit/tools/dockerfile"
)

// dfImages returns the "img:<name>" and "dir:<rel>" imports of the images
// the Dockerfile builds FROM or copies/mounts --from, with ARGs expanded as
// BuildKit does: global ARG defaults, overridden by build args for the ARGs
// the Dockerfile declares. A build arg that refers to a package has the
// value "@lkt:pkg:<dir>", which becomes a "dir:" import when it is what a
// FROM names.
func dfImages(df *dockerfile.File, buildArgs map[string]string) []string {
	env := map[string]string{}
	lookup := func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
	for _, a := range df.MetaArgs {
		if v, ok := buildArgs[a.Key]; ok {
			env[a.Key] = v
			continue
		}
		if a.HasValue {
			v, err := dockerfile.Expand(a.Value, df.Escape, lookup)
			if err != nil {
				v = a.Value
			}
			env[a.Key] = v
		}
	}
	var out []string
	stageNames := map[string]bool{}
	add := func(word string) {
		v, err := dockerfile.Expand(word, df.Escape, lookup)
		if err != nil || v == "" {
			return
		}
		if stageNames[strings.ToLower(v)] {
			return
		}
		if _, err := strconv.Atoi(v); err == nil {
			return // a stage index
		}
		if imp := imageImport(v); imp != "" {
			out = append(out, imp)
		}
	}
	for _, st := range df.Stages {
		add(st.Base)
		for _, f := range st.Froms {
			add(f)
		}
		if st.Name != "" {
			stageNames[st.Name] = true
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
