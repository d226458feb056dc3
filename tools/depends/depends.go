// Package depends carries out build.yml's depends.docker-images: before a
// package is built, each listed image (pinned by digest) is fetched for the
// arch being built and saved into the build context, at target (one archive
// of every image) or in target-dir (one archive per image, named
// <last path element>@<digest>.tar, as linuxkit names them).
//
// An archive is what `docker save` writes (manifest.json, loadable with
// `docker load`) and also an OCI image layout (index.json, for `ctr import`
// and skopeo), written byte for byte the same for the same images so the
// package's image stays reproducible.
//
// The archives go into the build context, which is a copy of the package
// (tools/build), never into the package directory itself: the package's hash
// and tag cannot change and no file of the user's is replaced. A package
// that already has a file at the target is refused: the archive would hide it.
package depends

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// Field names, for errors.
const (
	fieldTarget    = "depends.docker-images.target"
	fieldTargetDir = "depends.docker-images.target-dir"
	fieldFromFile  = "depends.docker-images.from-file"
	fieldList      = "depends.docker-images.list"
)

// Image is one image that depends lists.
type Image struct {
	// Ref is the reference as written in build.yml or its from-file.
	Ref string
	// Digest is its pinned digest reference.
	Digest name.Digest
	// Tag is the tag written before the digest (alpine:3.20@sha256:...),
	// recorded in the archive; nil when there is none.
	Tag *name.Tag
	// Field names where it is listed, for errors.
	Field string
}

// FileName is the image's archive name in target-dir.
func (i Image) FileName() string {
	return path.Base(i.Digest.Context().RepositoryStr()) + "@" + i.Digest.DigestStr() + ".tar"
}

// List returns the images s's depends lists, in order, reading from-file
// from dir (the package directory or a copy of it).
func List(s *spec.Spec, dir string) ([]Image, error) {
	di := s.Depends.DockerImages
	refs, fields := di.List, []string{}
	for i := range refs {
		fields = append(fields, fmt.Sprintf("%s[%d]", fieldList, i))
	}
	if di.FromFile != "" {
		data, err := spec.ReadFile(filepath.Join(dir, filepath.FromSlash(di.FromFile)))
		if err != nil {
			return nil, &spec.Error{File: s.File, Field: fieldFromFile, Problem: fmt.Sprintf("cannot read %s: %v", di.FromFile, err), Fix: "create the file or fix the path; it is relative to the package directory"}
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, len(data)+1)
		for line := 1; sc.Scan(); line++ {
			// linuxkit's rule: blank lines and '#' in column 0 are skipped.
			if t := sc.Text(); t != "" && t[0] != '#' {
				refs = append(refs, t)
				fields = append(fields, fmt.Sprintf("%s %s line %d", fieldFromFile, di.FromFile, line))
			}
		}
	}
	out := make([]Image, 0, len(refs))
	for i, ref := range refs {
		img, err := parse(ref)
		if err != nil {
			return nil, &spec.Error{File: s.File, Field: fields[i], Problem: err.Error(), Fix: "pin it by digest: " + pinHint(ref)}
		}
		img.Field = fields[i]
		out = append(out, img)
	}
	return out, nil
}

func pinHint(ref string) string {
	if strings.Contains(ref, "@") {
		return "name[:tag]@sha256:<64 hex digits>"
	}
	return ref + "@sha256:<digest> (`docker buildx imagetools inspect " + ref + "` prints it)"
}

// parse splits name[:tag]@digest; build.yml's parser has already checked
// list entries, from-file lines are checked here.
func parse(ref string) (Image, error) {
	before, _, ok := strings.Cut(ref, "@")
	if !ok {
		return Image{}, fmt.Errorf("image %q is not pinned by digest", ref)
	}
	d, err := name.NewDigest(ref)
	if err != nil {
		return Image{}, fmt.Errorf("image %q: %v", ref, err)
	}
	img := Image{Ref: ref, Digest: d}
	// A tag is after the last ':' not followed by '/' (which is a port).
	if i := strings.LastIndex(before, ":"); i >= 0 && !strings.Contains(before[i+1:], "/") {
		t, err := name.NewTag(before)
		if err != nil {
			return Image{}, fmt.Errorf("image %q: %v", ref, err)
		}
		img.Tag = &t
	}
	return img, nil
}

// Place fetches the images s's depends lists for arch from src and writes
// their archives into ctxDir, the build context (a copy of the package). It
// does nothing when no image is listed. A file already at the target came
// from the package and is refused, not replaced.
func Place(ctx context.Context, s *spec.Spec, ctxDir, arch string, src Source, log io.Writer) error {
	imgs, err := List(s, ctxDir)
	if err != nil || len(imgs) == 0 {
		return err
	}
	target, err := CheckTarget(s, ctxDir)
	if err != nil {
		return err
	}
	di := s.Depends.DockerImages
	fetched := make([]fetchedImage, 0, len(imgs))
	for _, img := range imgs {
		fi, err := src.Fetch(ctx, img.Digest, arch)
		if err != nil {
			return &spec.Error{File: s.File, Field: img.Field, Problem: fmt.Sprintf("cannot fetch %s for linux/%s: %v", img.Ref, arch, err), Fix: src.Fix(img)}
		}
		fetched = append(fetched, fetchedImage{Image: img, image: fi})
		if log != nil {
			fmt.Fprintf(log, "depends: %s (linux/%s)\n", img.Ref, arch)
		}
	}
	if di.TargetDir == "" {
		return writeFile(target, fetched)
	}
	if err := os.MkdirAll(target, 0o755); err != nil {
		return err
	}
	for _, f := range fetched {
		if err := writeFile(filepath.Join(target, f.FileName()), []fetchedImage{f}); err != nil {
			return err
		}
	}
	return nil
}

// CheckTarget returns the path of the target (file or directory) in dir,
// the package or its copy, and refuses one that holds a file of the
// package's own: lkpkg would hide it behind the saved images.
func CheckTarget(s *spec.Spec, dir string) (string, error) {
	di := s.Depends.DockerImages
	field, rel := fieldTarget, di.Target
	if di.TargetDir != "" {
		field, rel = fieldTargetDir, di.TargetDir
	}
	if rel == "" {
		return "", &spec.Error{File: s.File, Field: "depends.docker-images", Problem: "images are listed but there is no target or target-dir to save them to", Fix: "add target: <file>.tar or target-dir: <dir>"}
	}
	target := filepath.Join(dir, filepath.FromSlash(rel))
	if err := checkFree(target, di.TargetDir != ""); err != nil {
		return "", &spec.Error{File: s.File, Field: field, Problem: err.Error(),
			Fix: "remove it from the package (a leftover of `linuxkit pkg build`? it belongs in .gitignore, not in the package) or choose another " + field[strings.LastIndex(field, ".")+1:]}
	}
	return target, nil
}

// checkFree refuses a target that exists: a file, or a directory holding
// any file (an empty directory, e.g. kept for linuxkit, is fine).
func checkFree(target string, dir bool) error {
	fi, err := os.Lstat(target)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !dir || !fi.IsDir() {
		return fmt.Errorf("the package already has %s there, which the saved images would replace in the build context", describe(fi))
	}
	found := ""
	err = filepath.WalkDir(target, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			found, _ = filepath.Rel(target, p)
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return err
	}
	if found != "" {
		return fmt.Errorf("the package already has files in that directory (%s), which lkpkg does not mix with the saved images", filepath.ToSlash(found))
	}
	return nil
}

func describe(fi fs.FileInfo) string {
	switch {
	case fi.IsDir():
		return "a directory"
	case fi.Mode()&fs.ModeSymlink != 0:
		return "a symlink"
	}
	return "a file"
}

// writeFile writes the archive of imgs to a temporary file beside p and
// renames it into place, so that p is whole or absent.
func writeFile(p string, imgs []fetchedImage) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".lkpkg-depends-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = writeArchive(f, imgs)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp) // ours: created above
		return fmt.Errorf("saving %s: %w", filepath.Base(p), err)
	}
	return nil
}
