package pkg

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"

	"github.com/rules-linuxkit/rules_linuxkit/tools/gitrepo"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// gitSource is a directory hashed into the tag (the hash path or an extra
// source) and the git work tree that holds it.
type gitSource struct {
	path string
	repo *gitrepo.Repo
	// field names the build.yml entry in errors; "" for the hash path.
	field string
}

// gitSources pairs the hash path and each extra source with its work
// tree. An extra source may sit in another work tree than the package (a
// submodule, a sibling checkout): linuxkit opens one per source too.
func gitSources(repo *gitrepo.Repo, hashPath string, s *spec.Spec, extraPaths []string) ([]gitSource, error) {
	srcs := []gitSource{{path: hashPath, repo: repo}}
	for i, path := range extraPaths {
		field := fmt.Sprintf("%s: extra-sources %s", s.File, s.ExtraSources[i].Src)
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		r, err := gitrepo.Open(path)
		if errors.Is(err, gitrepo.ErrNotRepo) {
			return nil, fmt.Errorf("%s: %s is not in a git work tree, so whether it is committed cannot be checked: commit it in one, or hash files with --hermetic", field, path)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		if r.Top == repo.Top {
			r = repo
		}
		srcs = append(srcs, gitSource{path: path, repo: r, field: field})
	}
	return srcs, nil
}

func (g gitSource) wrap(err error) error {
	if err == nil || g.field == "" {
		return err
	}
	return fmt.Errorf("%s: %w", g.field, err)
}

// anyDirty reports whether any source differs from commit.
func anyDirty(srcs []gitSource, commit string) (bool, error) {
	for _, g := range srcs {
		d, err := g.repo.IsDirty(g.path, commit)
		if err != nil || d {
			return d, g.wrap(err)
		}
	}
	return false, nil
}

// dirtySuffix is -dirty- and the first 7 hex digits of the content hash
// (gitrepo.Repo.ContentHash) over the package directory dir, then each
// extra source. linuxkit's NewFromConfig hashes the package directory
// only, even with --hash-path (its git.contentHash runs in the package
// directory): without extra sources the suffix is linuxkit's. They are
// lkpkg's addition, so that an edit in one gives a new tag.
func dirtySuffix(dir string, srcs []gitSource) (string, error) {
	h := sha256.New()
	if err := srcs[0].repo.WriteContents(h, dir); err != nil {
		return "", err
	}
	for _, g := range srcs[1:] {
		if err := g.repo.WriteContents(h, g.path); err != nil {
			return "", g.wrap(err)
		}
	}
	return "-dirty-" + fmt.Sprintf("%x", h.Sum(nil))[:7], nil
}
