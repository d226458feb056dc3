package build

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// SkipArches reads linuxkit's --skip-platforms list: every entry is
// linux/<arch> (linuxkit refuses anything else), and arches the package
// does not build for are simply not there to skip.
func SkipArches(platforms []string) ([]string, error) {
	var out []string
	for _, p := range platforms {
		osName, arch, ok := strings.Cut(strings.TrimSpace(p), "/")
		arch = strings.TrimSpace(arch)
		if !ok || osName != "linux" || arch == "" {
			return nil, fmt.Errorf("--skip-platforms %q: want linux/<arch>, e.g. linux/arm64 (as linuxkit)", p)
		}
		out = append(out, arch)
	}
	return out, nil
}

// arches returns the arches to build p for under o: Arches, less
// o.SkipPlatforms (which may leave none).
func (o Options) arches(s *spec.Spec) ([]string, error) {
	arches, err := Arches(s, o.Platforms)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(arches, func(a string) bool { return slices.Contains(o.SkipPlatforms, a) }), nil
}

// dockerfile returns the Dockerfile to build p with, relative to the
// package directory: o.Dockerfile (linuxkit's --dockerfile) or build.yml's.
// An override must stay inside the package and exist.
func (o Options) dockerfile(p *pkg.Package) (string, error) {
	if o.Dockerfile == "" {
		return p.Spec.Dockerfile, nil
	}
	df := filepath.ToSlash(o.Dockerfile)
	if path.IsAbs(df) || slices.Contains(strings.Split(df, "/"), "..") {
		return "", fmt.Errorf("--dockerfile %s: give a path inside the package directory %s, relative to it", o.Dockerfile, p.Dir)
	}
	df = path.Clean(df)
	if p.Sources == nil {
		if fi, err := os.Stat(filepath.Join(p.Dir, filepath.FromSlash(df))); err != nil || !fi.Mode().IsRegular() {
			return "", fmt.Errorf("--dockerfile %s: there is no such file in %s: check the name (it is relative to the package directory)", o.Dockerfile, p.Dir)
		}
	}
	return df, nil
}
