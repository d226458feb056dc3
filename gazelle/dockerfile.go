package gazelle

import (
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
	var out []string
	for _, v := range df.Images(nil, buildArgs) {
		if imp := imageImport(v); imp != "" {
			out = append(out, imp)
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
