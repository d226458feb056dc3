package build

import (
	"os"
	"path/filepath"

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
