package gitrepo

import (
	"errors"
	"fmt"
	"strings"
)

// TagsAt returns the tags that point at commit (git tag -l --points-at),
// sorted as git lists them. linuxkit pushes a package as a release named
// after the tag on HEAD when no release is given.
func (r *Repo) TagsAt(commit string) ([]string, error) {
	out, err := run(r.Top, "tag", "-l", "--points-at", commit)
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}

// ReleaseFromTag returns the release linuxkit derives from the git tag on
// HEAD of the work tree holding dir: "" when dir is not in a git work tree
// or no tag points at HEAD. Several tags are an error, since linuxkit would
// pass them all as one (invalid) release name.
func ReleaseFromTag(dir string) (string, error) {
	r, err := Open(dir)
	if errors.Is(err, ErrNotRepo) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	tags, err := r.TagsAt("HEAD")
	if err != nil {
		return "", err
	}
	switch len(tags) {
	case 0:
		return "", nil
	case 1:
		return tags[0], nil
	}
	return "", fmt.Errorf("HEAD of %s has several git tags (%s), and the release is named after the tag on HEAD: give the release with --release", r.Top, strings.Join(tags, ", "))
}
