package build

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
)

// DefaultStoreDir is where `lkpkg build` keeps outputs when no --output-dir
// is given: ${XDG_CACHE_HOME:-~/.cache}/rules_linuxkit/images. A package's
// output is StoreDir/<org>/<image>/<tag>, where later builds of packages
// that refer to it find it.
func DefaultStoreDir() (string, error) {
	c, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(c, "rules_linuxkit", "images"), nil
}

// StorePath is p's output directory in the store.
func StorePath(store string, p *pkg.Package) string {
	return filepath.Join(store, filepath.FromSlash(p.Spec.Org), p.Spec.Image, p.Tag)
}

// reusable returns the result of the earlier output in out when it holds
// p's tag for every arch in arches, in format, with every kind of
// attestation in want (an output built with --no-sbom is rebuilt once a
// scanner is there), and nil otherwise.
func reusable(out string, p *pkg.Package, arches []string, format Format, want []string) *Result {
	res, err := ReadResult(out)
	if err != nil || res.Tag != p.Tag || res.Ref != p.Ref() {
		return nil
	}
	for _, k := range want {
		if !slices.Contains(res.Attestations, k) {
			return nil
		}
	}
	have := map[string]string{}
	for _, a := range res.Arches {
		have[a.Arch] = a.Layout
	}
	for _, a := range arches {
		l, ok := have[a]
		if !ok || (format == FormatTar) != strings.HasSuffix(l, ".tar") {
			return nil
		}
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(l))); err != nil {
			return nil
		}
	}
	return res
}
