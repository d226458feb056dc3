package spec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Load reads dir/build.yml, parses it and checks it against the package
// directory: the Dockerfile, extra sources and depends.from-file must exist.
func Load(dir string) (*Spec, error) {
	return LoadFile(dir, DefaultBuildYML)
}

// LoadFile is Load with another file name in dir, like linuxkit's
// --build-yml flag.
func LoadFile(dir, buildYML string) (*Spec, error) {
	file := filepath.Join(dir, buildYML)
	data, err := ReadFile(file)
	if err != nil {
		p := &problems{file: file}
		var se *Error
		switch {
		case errors.Is(err, fs.ErrNotExist):
			p.add(0, 0, "", fmt.Sprintf("no %s in %s", buildYML, dir), fmt.Sprintf("a package directory needs a %s with at least `image: <name>`; check the path", buildYML))
		case errors.As(err, &se):
			p.list = append(p.list, se)
		default:
			p.add(0, 0, "", fmt.Sprintf("cannot read: %v", err), "check the file's permissions")
		}
		return nil, p.err()
	}
	s, p := parse(file, data)
	checkFiles(p, s, dir)
	if err := p.err(); err != nil {
		return nil, err
	}
	return s, nil
}

// checkFiles runs the filesystem checks on a (possibly partial) spec.
func checkFiles(p *problems, s *Spec, dir string) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		p.add(0, 0, "", fmt.Sprintf("cannot resolve package directory %s: %v", dir, err), "check the path")
		return
	}
	// Warnings go with the spec whatever the outcome; LoadFile returns it
	// only without errors.
	defer func() { s.Warnings = p.warnings() }()
	if s.Dockerfile != "" {
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(s.Dockerfile))); errors.Is(err, fs.ErrNotExist) {
			// linuxkit's show-tag never reads the Dockerfile: warn here,
			// and let a build fail with the same words (CheckDockerfile).
			pos := s.pos["dockerfile"]
			s.missingDockerfile = &Error{File: p.file, Line: pos.line, Column: pos.col, Field: "dockerfile",
				Problem: fmt.Sprintf("%s does not exist in the package directory, so the package cannot be built", s.Dockerfile),
				Fix:     fmt.Sprintf("create %s or point dockerfile at an existing file", s.Dockerfile)}
			p.warns = append(p.warns, s.missingDockerfile)
		} else {
			checkInside(p, s.pos["dockerfile"], "dockerfile", root, dir, s.Dockerfile)
		}
	}
	for i, es := range s.ExtraSources {
		field := fmt.Sprintf("extra-sources[%d]", i)
		full := filepath.FromSlash(es.Src)
		if !filepath.IsAbs(full) {
			full = filepath.Join(dir, full)
		}
		fi, err := os.Stat(full)
		switch {
		case err != nil:
			p.addf(s.pos[field], field, "check the path; it is relative to the package directory", "source %s does not exist (%s)", es.Src, full)
		case !fi.IsDir() && !fi.Mode().IsRegular():
			p.addf(s.pos[field], field, "point it at a directory or a regular file", "source %s is neither a directory nor a regular file", es.Src)
		}
	}
	if f := s.Depends.DockerImages.FromFile; f != "" {
		const field = "depends.docker-images.from-file"
		if checkInside(p, s.pos[field], field, root, dir, f) {
			checkFromFile(p, filepath.Join(dir, filepath.FromSlash(f)))
		}
	}
}

// checkInside checks that rel names a regular file inside the package once
// the package's own symlinks are resolved: a link pointing outside would
// pull files the package's hash does not cover into the build. Symlinks
// with an absolute target are taken as Bazel's: its sandboxes present every
// declared input as one (tools/hash follows the same rule).
func checkInside(p *problems, pos position, field, root, dir, rel string) bool {
	full := filepath.Join(dir, filepath.FromSlash(rel))
	if _, err := filepath.EvalSymlinks(full); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			p.addf(pos, field, fmt.Sprintf("create %s or point %s at an existing file", rel, field), "%s does not exist in the package directory", rel)
		} else {
			p.addf(pos, field, "check the path and its symlinks", "cannot resolve %s: %v", rel, err)
		}
		return false
	}
	if target, err := ownTarget(dir, rel); err != nil {
		p.addf(pos, field, "check the path and its symlinks", "cannot resolve %s: %v", rel, err)
		return false
	} else if target == "" {
		p.addf(pos, field, "copy the file into the package instead of linking to it", "%s is a symlink to a file outside the package directory", rel)
		return false
	}
	fi, err := os.Stat(full)
	if err != nil {
		p.addf(pos, field, "check the file's permissions", "cannot stat %s: %v", rel, err)
		return false
	}
	if !fi.Mode().IsRegular() {
		p.addf(pos, field, "point it at a file", "%s is not a regular file", rel)
		return false
	}
	return true
}

// ownTarget resolves the relative symlinks along rel (slash-separated,
// inside dir) and returns the package-relative path it names, "" if one of
// them leads outside the package. It stops at the first symlink with an
// absolute target and returns the path up to it.
func ownTarget(dir, rel string) (string, error) {
	pending := strings.Split(path.Clean(rel), "/")
	cur := ""
	for hops := 0; len(pending) > 0; {
		next := path.Join(cur, pending[0])
		pending = pending[1:]
		if next == ".." || strings.HasPrefix(next, "../") {
			return "", nil
		}
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(next)))
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if hops++; hops > 40 {
			return "", errors.New("too many levels of symbolic links")
		}
		target, err := os.Readlink(filepath.Join(dir, filepath.FromSlash(next)))
		if err != nil {
			return "", err
		}
		if filepath.IsAbs(target) {
			return next, nil
		}
		// Re-resolve from the link's directory through the target.
		pending = append(strings.Split(path.Join(path.Dir(next), filepath.ToSlash(target)), "/"), pending...)
		cur = ""
	}
	return cur, nil
}

// checkFromFile validates each image listed in a depends from-file, with
// that file's own line numbers.
func checkFromFile(p *problems, file string) {
	data, err := ReadFile(file)
	if err != nil {
		var se *Error
		if errors.As(err, &se) {
			p.list = append(p.list, se)
		} else {
			p.add(0, 0, "", fmt.Sprintf("cannot read %s: %v", file, err), "check the file's permissions")
		}
		return
	}
	sub := &problems{file: file}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for line := 1; sc.Scan(); line++ {
		t := sc.Text()
		// Same rule as linuxkit: skip blank lines and '#' in column 0.
		if t == "" || t[0] == '#' {
			continue
		}
		if prob, fix := checkPinnedRef(t); prob != "" {
			sub.add(line, 1, "", prob, fix)
		}
	}
	p.list = append(p.list, sub.list...)
}
