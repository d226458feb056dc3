package build

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// OCI media types and annotations used in layouts.
const (
	MediaTypeIndex    = "application/vnd.oci.image.index.v1+json"
	MediaTypeManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeDockerML = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaTypeDockerM  = "application/vnd.docker.distribution.manifest.v2+json"

	// AnnotationRefName is the tag of an image in a layout's index.json.
	AnnotationRefName = "org.opencontainers.image.ref.name"
	// AnnotationImageName is the full reference (containerd's convention).
	AnnotationImageName = "io.containerd.image.name"
)

// Platform is an OCI platform.
type Platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Variant      string `json:"variant,omitempty"`
}

// Descriptor is an OCI content descriptor.
type Descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Platform    *Platform         `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Index is an OCI image index (also a layout's index.json).
type Index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType,omitempty"`
	Manifests     []Descriptor `json:"manifests"`
}

// Manifest is the part of an OCI image manifest this package reads.
type Manifest struct {
	MediaType string       `json:"mediaType,omitempty"`
	Config    Descriptor   `json:"config"`
	Layers    []Descriptor `json:"layers"`
}

// ociDigestRE is the OCI image spec's digest grammar: algorithm ':' encoded.
// Neither part can hold a '/' or be "..", so a digest read from a layout
// cannot name a path outside its blobs directory.
var ociDigestRE = regexp.MustCompile(`^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`)

func blobPath(layout, digest string) (string, error) {
	if !ociDigestRE.MatchString(digest) {
		return "", fmt.Errorf("invalid digest %q", digest)
	}
	alg, hex, _ := strings.Cut(digest, ":")
	return filepath.Join(layout, "blobs", alg, hex), nil
}

func readBlob(layout, digest string) ([]byte, error) {
	p, err := blobPath(layout, digest)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(p)
}

// ReadIndex reads a layout's index.json.
func ReadIndex(layout string) (*Index, error) {
	b, err := spec.ReadFile(filepath.Join(layout, "index.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is not an OCI layout (no index.json)", layout)
	}
	if err != nil {
		return nil, err
	}
	var idx Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(layout, "index.json"), err)
	}
	return &idx, nil
}

// layoutRoot returns the image (or index) a layout holds: its only entry,
// or the one index entry that is an index.
func layoutRoot(layout string) (Descriptor, error) {
	idx, err := ReadIndex(layout)
	if err != nil {
		return Descriptor{}, err
	}
	switch len(idx.Manifests) {
	case 0:
		return Descriptor{}, errors.New("the layout's index.json lists no image")
	case 1:
		return idx.Manifests[0], nil
	}
	var roots []Descriptor
	for _, d := range idx.Manifests {
		if isIndex(d.MediaType) {
			roots = append(roots, d)
		}
	}
	if len(roots) == 1 {
		return roots[0], nil
	}
	return Descriptor{}, fmt.Errorf("the layout's index.json lists %d images; give a layout with one", len(idx.Manifests))
}

// indexBlob serialises a multi-arch index and returns its bytes and the
// descriptor a layout's index.json names it by (tag and ref annotations).
func indexBlob(index Index, tag, ref string) ([]byte, Descriptor, error) {
	ib, err := json.Marshal(index)
	if err != nil {
		return nil, Descriptor{}, err
	}
	sum := sha256.Sum256(ib)
	id := Descriptor{
		MediaType:   MediaTypeIndex,
		Digest:      "sha256:" + hex.EncodeToString(sum[:]),
		Size:        int64(len(ib)),
		Annotations: map[string]string{AnnotationRefName: tag, AnnotationImageName: ref},
	}
	return ib, id, nil
}

func isIndex(mt string) bool { return mt == MediaTypeIndex || mt == mediaTypeDockerML }

// writeLayouts splits BuildKit's export into one layout per arch plus an
// index layout, in stage, and returns the result.
func writeLayouts(export, stage string, p *pkg.Package, arches []string, format Format) (*Result, error) {
	root, err := layoutRoot(export)
	if err != nil {
		return nil, fmt.Errorf("reading BuildKit's output: %w", err)
	}
	images := map[string]Descriptor{} // arch -> manifest
	if isIndex(root.MediaType) {
		b, err := readBlob(export, root.Digest)
		if err != nil {
			return nil, err
		}
		var idx Index
		if err := json.Unmarshal(b, &idx); err != nil {
			return nil, err
		}
		for _, d := range idx.Manifests {
			if d.Platform == nil || d.Platform.OS != "linux" || d.Annotations["vnd.docker.reference.type"] != "" {
				continue // attestations
			}
			d.Annotations = nil
			images[d.Platform.Architecture] = d
		}
	} else {
		if len(arches) != 1 {
			return nil, fmt.Errorf("BuildKit returned one image for %d arches", len(arches))
		}
		root.Annotations = nil
		images[arches[0]] = root
	}

	res := &Result{Ref: p.Ref(), Tag: p.Tag, Layout: "index"}
	index := Index{SchemaVersion: 2, MediaType: MediaTypeIndex}
	var all []string
	for _, arch := range arches {
		d, ok := images[arch]
		if !ok {
			return nil, fmt.Errorf("BuildKit's output has no %s image", arch)
		}
		blobs, plat, err := imageBlobs(export, d)
		if err != nil {
			return nil, fmt.Errorf("%s image: %w", arch, err)
		}
		d.Platform = plat
		all = append(all, blobs...)
		tag := p.Tag + "-" + arch
		entry := d
		entry.Annotations = map[string]string{AnnotationRefName: tag, AnnotationImageName: p.ArchRef(arch)}
		if err := writeLayout(export, filepath.Join(stage, arch), blobs, nil, entry); err != nil {
			return nil, err
		}
		res.Arches = append(res.Arches, ArchResult{Arch: arch, Ref: p.ArchRef(arch), Digest: d.Digest, Layout: arch})
		index.Manifests = append(index.Manifests, d)
	}

	ib, id, err := indexBlob(index, p.Tag, p.Ref())
	if err != nil {
		return nil, err
	}
	res.Digest = id.Digest
	if err := writeLayout(export, filepath.Join(stage, "index"), all, map[string][]byte{id.Digest: ib}, id); err != nil {
		return nil, err
	}

	if format == FormatTar {
		for i := range res.Arches {
			if err := tarDir(filepath.Join(stage, res.Arches[i].Layout)); err != nil {
				return nil, err
			}
			res.Arches[i].Layout += ".tar"
		}
		if err := tarDir(filepath.Join(stage, res.Layout)); err != nil {
			return nil, err
		}
		res.Layout += ".tar"
	}
	return res, nil
}

// imageBlobs returns the digests of an image's manifest, config and layers,
// and its platform (from its config).
func imageBlobs(layout string, d Descriptor) ([]string, *Platform, error) {
	b, err := readBlob(layout, d.Digest)
	if err != nil {
		return nil, nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, nil, err
	}
	cb, err := readBlob(layout, m.Config.Digest)
	if err != nil {
		return nil, nil, err
	}
	var plat Platform
	if err := json.Unmarshal(cb, &plat); err != nil {
		return nil, nil, err
	}
	blobs := []string{d.Digest, m.Config.Digest}
	for _, l := range m.Layers {
		blobs = append(blobs, l.Digest)
	}
	return blobs, &plat, nil
}

// writeLayout writes an OCI layout at dir whose index.json lists root,
// with the blobs hard-linked (or copied) from src plus extra ones.
func writeLayout(src, dir string, blobs []string, extra map[string][]byte, root Descriptor) error {
	for _, dg := range blobs {
		from, err := blobPath(src, dg)
		if err != nil {
			return err
		}
		to, _ := blobPath(dir, dg)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if _, err := os.Lstat(to); err == nil {
			continue
		}
		if err := linkOrCopy(from, to); err != nil {
			return err
		}
	}
	for dg, b := range extra {
		to, err := blobPath(dir, dg)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		return err
	}
	ib, err := json.Marshal(Index{SchemaVersion: 2, MediaType: MediaTypeIndex, Manifests: []Descriptor{root}})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "index.json"), ib, 0o644)
}

func linkOrCopy(from, to string) error {
	if err := os.Link(from, to); err == nil {
		return nil
	}
	return copyFile(from, to, 0o644)
}

func copyFile(from, to string, mode fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// copyTree copies a directory (regular files, dirs, symlinks), for build
// contexts with extra sources.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(l, target)
		case d.Type().IsRegular():
			return copyFile(path, target, info.Mode().Perm())
		}
		return nil
	})
}

// tarDir replaces the layout directory dir with dir.tar, a deterministic
// tar archive of its contents (sorted, fixed times and owners).
func tarDir(dir string) error {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.Sort(files)
	f, err := os.Create(dir + ".tar")
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	for _, p := range files {
		rel, _ := filepath.Rel(dir, p)
		st, err := os.Stat(p)
		if err != nil {
			f.Close()
			return err
		}
		h := &tar.Header{Name: filepath.ToSlash(rel), ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		if st.IsDir() {
			h.Typeflag, h.Name, h.Mode = tar.TypeDir, h.Name+"/", 0o755
			if err := tw.WriteHeader(h); err != nil {
				f.Close()
				return err
			}
			continue
		}
		h.Typeflag, h.Mode, h.Size = tar.TypeReg, 0o644, st.Size()
		if err := tw.WriteHeader(h); err != nil {
			f.Close()
			return err
		}
		in, err := os.Open(p)
		if err != nil {
			f.Close()
			return err
		}
		_, err = io.Copy(tw, in)
		in.Close()
		if err != nil {
			f.Close()
			return err
		}
	}
	if err := tw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}
