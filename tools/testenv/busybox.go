package testenv

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// BaseArches are the architectures base images are made for.
var BaseArches = []string{"amd64", "arm64"}

// DefaultBaseRef is the base image the examples' Dockerfiles use (ARG BASE):
// the demo registry on 127.0.0.1:5000 serves it.
const DefaultBaseRef = "127.0.0.1:5000/lkpkg/busybox:latest"

// busyboxDeb finds the cached busybox-static .deb for arch.
func busyboxDeb(arch string) (string, error) {
	m, _ := filepath.Glob(filepath.Join(DebCache, "busybox-static_*_"+arch+".deb"))
	if len(m) == 0 {
		return "", fmt.Errorf("no busybox-static .deb for %s in %s", arch, DebCache)
	}
	sort.Strings(m)
	return m[len(m)-1], nil
}

// busyboxBinary extracts bin/busybox from the .deb for arch.
func busyboxBinary(arch string) ([]byte, error) {
	deb, err := busyboxDeb(arch)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "busybox-deb")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if out, err := exec.Command("dpkg-deb", "-x", deb, tmp).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("dpkg-deb -x %s: %v: %s", deb, err, out)
	}
	for _, p := range []string{"bin/busybox", "usr/bin/busybox"} {
		if b, err := os.ReadFile(filepath.Join(tmp, p)); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%s has no bin/busybox", deb)
}

// applets lists busybox's applets by running the native (amd64) binary.
// Both arches come from the same Debian version, so they have the same list.
func applets() ([]string, error) {
	bin, err := busyboxBinary("amd64")
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "busybox")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(bin); err != nil {
		f.Close()
		return nil, err
	}
	f.Close()
	if err := os.Chmod(f.Name(), 0o755); err != nil {
		return nil, err
	}
	out, err := exec.Command(f.Name(), "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list: %w", err)
	}
	var list []string
	for _, a := range strings.Fields(string(out)) {
		if a != "busybox" && !strings.Contains(a, "/") {
			list = append(list, a)
		}
	}
	return list, nil
}

// rootfsTar makes a minimal root filesystem: busybox with one symlink per
// applet in /bin, /etc/passwd and /etc/group for root, /tmp and /root.
// Timestamps are fixed so the image digest is reproducible.
func rootfsTar(busybox []byte, applets []string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(0, 0)
	dir := func(name string, mode int64) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: mtime, Format: tar.FormatPAX})
	}
	file := func(name string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), ModTime: mtime, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	for _, d := range []struct {
		name string
		mode int64
	}{{"bin", 0o755}, {"etc", 0o755}, {"root", 0o700}, {"tmp", 0o1777}, {"usr", 0o755}, {"usr/bin", 0o755}, {"var", 0o755}} {
		if err := dir(d.name, d.mode); err != nil {
			return nil, err
		}
	}
	if err := file("bin/busybox", 0o755, busybox); err != nil {
		return nil, err
	}
	for _, a := range applets {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777, ModTime: mtime, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
	}
	if err := file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")); err != nil {
		return nil, err
	}
	if err := file("etc/group", 0o644, []byte("root:x:0:\nnogroup:x:65534:\n")); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var busybox struct {
	once sync.Once
	idx  v1.ImageIndex
	err  error
}

// BusyboxIndex makes the multi-arch busybox base image (one image per
// BaseArches entry) from the cached busybox-static .debs. It is made once
// per process.
func BusyboxIndex() (v1.ImageIndex, error) {
	busybox.once.Do(func() { busybox.idx, busybox.err = makeBusyboxIndex() })
	return busybox.idx, busybox.err
}

func makeBusyboxIndex() (v1.ImageIndex, error) {
	list, err := applets()
	if err != nil {
		return nil, err
	}
	var idx v1.ImageIndex = mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range BaseArches {
		bin, err := busyboxBinary(arch)
		if err != nil {
			return nil, err
		}
		tb, err := rootfsTar(bin, list)
		if err != nil {
			return nil, err
		}
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(tb)), nil
		}, tarball.WithMediaType(types.OCILayer))
		if err != nil {
			return nil, err
		}
		img, err := mutate.AppendLayers(mutate.MediaType(mutate.ConfigMediaType(empty.Image, types.OCIConfigJSON), types.OCIManifestSchema1), layer)
		if err != nil {
			return nil, err
		}
		img, err = WithConfig(img, func(cf *v1.ConfigFile) {
			cf.OS, cf.Architecture = "linux", arch
			cf.Created = v1.Time{Time: time.Unix(0, 0).UTC()}
			cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
			cf.Config.Cmd = []string{"/bin/sh"}
		})
		if err != nil {
			return nil, err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	return idx, nil
}

// PushBusybox pushes the busybox base image index to ref (plain HTTP for
// 127.0.0.1 and localhost registries).
func PushBusybox(ref string) error {
	idx, err := BusyboxIndex()
	if err != nil {
		return err
	}
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return err
	}
	return remote.WriteIndex(r, idx)
}

// WriteBusyboxLayout writes the busybox base image index as an OCI layout
// in dir (which lkpkg build --context-from can use without a registry) and
// returns its digest.
func WriteBusyboxLayout(dir string) (v1.Hash, error) {
	idx, err := BusyboxIndex()
	if err != nil {
		return v1.Hash{}, err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return v1.Hash{}, err
	}
	if err := p.AppendIndex(idx); err != nil {
		return v1.Hash{}, err
	}
	return idx.Digest()
}

// Busybox pushes the busybox base image to reg as <host>/lkpkg/busybox:latest
// and returns that reference. Tests skip (fail under CI=true) if the .debs
// are missing.
func Busybox(tb testing.TB, reg *Registry) string {
	tb.Helper()
	for _, a := range BaseArches {
		if _, err := busyboxDeb(a); err != nil {
			unavailable(tb, "%v", err)
		}
	}
	ref := reg.Host + "/lkpkg/busybox:latest"
	if err := PushBusybox(ref); err != nil {
		tb.Fatalf("pushing %s: %v", ref, err)
	}
	return ref
}

// BusyboxLayout writes the busybox base image as an OCI layout in dir, for
// builds that get it through --context-from instead of a registry.
func BusyboxLayout(tb testing.TB, dir string) {
	tb.Helper()
	for _, a := range BaseArches {
		if _, err := busyboxDeb(a); err != nil {
			unavailable(tb, "%v", err)
		}
	}
	if _, err := WriteBusyboxLayout(dir); err != nil {
		tb.Fatalf("writing the busybox layout: %v", err)
	}
}
