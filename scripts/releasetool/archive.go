package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// archive is one file of the release.
type archive struct {
	File   string // base name in the release directory
	SHA256 string // hex
	Sum    [32]byte
}

// entry is a regular file to put in a tar archive.
type entry struct {
	name string
	mode int64
	data []byte
}

// writeTarGz writes entries to dir/name as a tar.gz that depends on nothing but the
// entries: sorted names, zero modification times, root owner, gzip header without name
// or time.
func writeTarGz(dir, name string, entries []entry) (archive, error) {
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return archive{}, err
	}
	zw.ModTime = time.Time{}
	zw.OS = 255 // "unknown": the same on every build machine
	tw := tar.NewWriter(zw)
	dirs := map[string]bool{}
	for _, e := range entries {
		// Directory entries, so extractors create them with a fixed mode.
		for d := filepath.Dir(e.name); d != "." && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	var dirList []string
	for d := range dirs {
		dirList = append(dirList, d)
	}
	sort.Strings(dirList)
	hdr := func(name string, mode int64, typ byte, size int64) *tar.Header {
		return &tar.Header{Name: name, Mode: mode, Typeflag: typ, Size: size, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
	}
	for _, d := range dirList {
		if err := tw.WriteHeader(hdr(d+"/", 0o755, tar.TypeDir, 0)); err != nil {
			return archive{}, err
		}
	}
	for _, e := range entries {
		if err := tw.WriteHeader(hdr(e.name, e.mode, tar.TypeReg, int64(len(e.data)))); err != nil {
			return archive{}, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return archive{}, err
		}
	}
	if err := tw.Close(); err != nil {
		return archive{}, err
	}
	if err := zw.Close(); err != nil {
		return archive{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
		return archive{}, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return archive{File: name, SHA256: hex.EncodeToString(sum[:]), Sum: sum}, nil
}

// buildLkpkg cross-compiles lkpkg for goos/goarch and archives it as
// lkpkg-VERSION-GOOS-GOARCH.tar.gz holding the one file `lkpkg`.
func buildLkpkg(root, out string, stamp versionStamp, goos, goarch string) (archive, error) {
	version := stamp.version
	tmp, err := os.MkdirTemp("", "lkpkg-release-")
	if err != nil {
		return archive{}, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "lkpkg")
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags=-s -w -buildid= "+stamp.ldflags(), "-o", bin, "./tools/cmd/lkpkg")
	cmd.Dir = root
	// Only what decides the bytes: the platform, no cgo, baseline CPU levels; nothing
	// from the releaser's GOFLAGS.
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0",
		"GOFLAGS=", "GOAMD64=v1", "GOARM64=v8.0", "GOEXPERIMENT=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return archive{}, fmt.Errorf("go build lkpkg for %s/%s: %w", goos, goarch, err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return archive{}, err
	}
	name := fmt.Sprintf("lkpkg-%s-%s-%s.tar.gz", version, goos, goarch)
	return writeTarGz(out, name, []entry{{name: "lkpkg", mode: 0o755, data: data}})
}

// sourceArchive writes rules_linuxkit-VERSION.tar.gz: the files git tracks (as they are
// in the checkout), under rules_linuxkit-VERSION/, with MODULE.bazel's version set and
// the new versions.bzl. It also returns the archive's files by their path below the top
// directory.
func sourceArchive(root, out string, stamp versionStamp, versionsBzl []byte) (archive, map[string][]byte, error) {
	version := stamp.version
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	list, err := cmd.Output()
	if err != nil {
		return archive{}, nil, fmt.Errorf("git ls-files in %s: %w", root, err)
	}
	prefix := "rules_linuxkit-" + version + "/"
	var entries []entry
	seenVersions := false
	for _, f := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		if f == "" {
			continue
		}
		path := filepath.Join(root, f)
		st, err := os.Lstat(path)
		if os.IsNotExist(err) {
			continue // deleted in the checkout, not yet committed
		}
		if err != nil {
			return archive{}, nil, err
		}
		if !st.Mode().IsRegular() {
			return archive{}, nil, fmt.Errorf("%s: only regular files can be released (mode %v)", f, st.Mode())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return archive{}, nil, err
		}
		switch f {
		case "MODULE.bazel":
			if data, err = setModuleVersion(data, version); err != nil {
				return archive{}, nil, err
			}
		case versionsPath:
			data, seenVersions = versionsBzl, true
		case versionGoPath:
			if data, err = stamp.setVersionFile(data); err != nil {
				return archive{}, nil, err
			}
		}
		mode := int64(0o644)
		if st.Mode()&0o111 != 0 {
			mode = 0o755
		}
		entries = append(entries, entry{name: prefix + f, mode: mode, data: data})
	}
	if !seenVersions {
		entries = append(entries, entry{name: prefix + versionsPath, mode: 0o644, data: versionsBzl})
	}
	files := map[string][]byte{}
	for _, e := range entries {
		files[strings.TrimPrefix(e.name, prefix)] = e.data
	}
	a, err := writeTarGz(out, "rules_linuxkit-"+version+".tar.gz", entries)
	return a, files, err
}

// setModuleVersion replaces the version in MODULE.bazel's module() call.
func setModuleVersion(data []byte, version string) ([]byte, error) {
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "    version = \"") {
			lines[i] = fmt.Sprintf("    version = %q,", version)
			return []byte(strings.Join(lines, "\n")), nil
		}
	}
	return nil, fmt.Errorf("MODULE.bazel: no `    version = \"...\",` line in module() to set to %s", version)
}

// versionGoPath is the Go file that holds lkpkg's version and revision,
// stamped into every image it builds (tools/version).
const versionGoPath = "tools/version/version.go"

// versionPackage is its import path, for -X.
const versionPackage = "github.com/rules-linuxkit/rules_linuxkit/tools/version"

// versionStamp is what a release sets in tools/version: the same values in
// the prebuilt binaries (-X) and in the released sources (setVersionFile),
// so lkpkg built either way stamps the same labels.
type versionStamp struct{ version, revision string }

func (s versionStamp) ldflags() string {
	return "-X " + versionPackage + ".Version=" + s.version + " -X " + versionPackage + ".Revision=" + s.revision
}

// setVersionFile sets the Version and Revision lines of tools/version.
func (s versionStamp) setVersionFile(data []byte) ([]byte, error) {
	lines := strings.Split(string(data), "\n")
	set := map[string]string{"Version": s.version, "Revision": s.revision}
	for i, l := range lines {
		for name, v := range set {
			if strings.HasPrefix(l, "\t"+name+" = \"") {
				lines[i] = fmt.Sprintf("\t%s = %q", name, v)
				delete(set, name)
			}
		}
	}
	if len(set) > 0 {
		return nil, fmt.Errorf("%s: no tab-indented `Version = \"...\"` and `Revision = \"...\"` lines to set", versionGoPath)
	}
	return []byte(strings.Join(lines, "\n")), nil
}
