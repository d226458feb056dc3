package build

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/hash"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
)

// contextDir returns the build context: the package directory itself, or,
// with extra-sources, a copy of it with each extra source placed at its
// destination. A package with depends gets a copy too, as the saved images
// go into the context, never into the package (tools/depends).
func contextDir(p *pkg.Package, stage string) (string, func(), error) {
	if p.Sources != nil {
		return manifestContext(p, stage)
	}
	if len(p.Spec.ExtraSources) == 0 && !hasDepends(p.Spec) {
		return p.Dir, func() {}, nil
	}
	dir := filepath.Join(stage, ".context")
	if err := copyTree(p.Dir, dir); err != nil {
		return "", nil, err
	}
	for _, es := range p.Spec.ExtraSources {
		src := es.Src
		if !filepath.IsAbs(src) {
			src = filepath.Join(p.Dir, src)
		}
		dst := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(es.Dst, "/")))
		if err := copyTree(src, dst); err != nil {
			return "", nil, fmt.Errorf("%s: extra-sources %s:%s: %w", p.Spec.File, es.Src, es.Dst, err)
		}
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// manifestContext makes the build context of exactly the files p.Sources
// declares, resolving Bazel's absolute symlinks (hash.FileEntry's rule), so
// that BuildKit sees the same files that were hashed.
func manifestContext(p *pkg.Package, stage string) (string, func(), error) {
	dir := filepath.Join(stage, ".context")
	place := func(files []pkg.SourceFile, under string) error {
		for _, f := range files {
			e, err := hash.FileEntry(f.Rel, filepath.FromSlash(f.Path))
			if err != nil {
				return err
			}
			to := filepath.Join(dir, filepath.FromSlash(under), filepath.FromSlash(f.Rel))
			if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
				return err
			}
			switch e.Mode {
			case hash.ModeSymlink:
				err = os.Symlink(e.Target, to)
			case hash.ModeExecutable:
				err = copyFile(filepath.FromSlash(f.Path), to, 0o755)
			default:
				err = copyFile(filepath.FromSlash(f.Path), to, 0o644)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := place(p.Sources.Srcs, ""); err != nil {
		return "", nil, err
	}
	for _, es := range p.Spec.ExtraSources {
		files, ok := p.Sources.Extra(es.Src)
		if !ok {
			return "", nil, fmt.Errorf("%s: extra-sources %s is not in the srcs manifest", p.Spec.File, es.Src)
		}
		if err := place(files, strings.TrimPrefix(es.Dst, "/")); err != nil {
			return "", nil, fmt.Errorf("%s: extra-sources %s:%s: %w", p.Spec.File, es.Src, es.Dst, err)
		}
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}
