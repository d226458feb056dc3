package build

import (
	"os"
	"path/filepath"
	"runtime"

	"github.com/distribution/reference"
	"github.com/rules-linuxkit/rules_linuxkit/tools/dockerfile"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
)

// fromImages returns the images p's Dockerfile builds from (FROM, COPY
// --from, RUN --mount from) for the arches it builds, in their familiar
// form (docker.io/ dropped), with ARGs expanded as BuildKit does: the
// automatic platform args, then the global ARG defaults, overridden by the
// package's build args for the ARGs it declares. A Dockerfile that cannot
// be read gives none: the build itself reports it in BuildKit's words.
func fromImages(p *pkg.Package, o Options, arches []string) []string {
	name, err := o.dockerfile(p)
	if err != nil {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(p.Dir, filepath.FromSlash(name)))
	if err != nil {
		return nil
	}
	df, err := dockerfile.Parse(data)
	if err != nil {
		return nil
	}
	args, err := BuildArgs(p, o)
	if err != nil {
		return nil
	}
	given := map[string]string{}
	for _, a := range args {
		given[a.Name] = a.Value
	}
	seen := map[string]bool{}
	var out []string
	for _, arch := range arches {
		for _, ref := range archImages(df, given, arch) {
			if !seen[ref] {
				seen[ref] = true
				out = append(out, ref)
			}
		}
	}
	return out
}

// archImages is fromImages for one target arch.
func archImages(df *dockerfile.File, given map[string]string, arch string) []string {
	env := map[string]string{
		"TARGETPLATFORM": "linux/" + arch, "TARGETOS": "linux", "TARGETARCH": arch,
		"BUILDPLATFORM": "linux/" + runtime.GOARCH, "BUILDOS": "linux", "BUILDARCH": runtime.GOARCH,
	}
	var out []string
	for _, v := range df.Images(env, given) {
		if v == "scratch" {
			continue
		}
		named, err := reference.ParseNormalizedNamed(v)
		if err != nil {
			continue
		}
		if _, ok := named.(reference.Tagged); !ok {
			continue // no tag, or a digest: no package output is named so
		}
		out = append(out, reference.FamiliarString(named))
	}
	return out
}

// storeLayout returns the OCI layout of ref's output in store, "" if the
// store holds none.
func storeLayout(store, ref string) string {
	d, err := pkg.FromRef("", ref)
	if err != nil {
		return ""
	}
	l := filepath.Join(StorePath(store, d), "index")
	if _, err := os.Stat(filepath.Join(l, "index.json")); err != nil {
		return ""
	}
	return l
}
