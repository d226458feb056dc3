package testenv

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// fixtureScan is a BuildKit SBOM generator (BuildKit's SBOM generator
// protocol) in busybox sh: it writes an in-toto statement whose SPDX
// document lists every regular file of $BUILDKIT_SCAN_SOURCE. Like real
// scanners, it puts the clock and a per-run value into the document
// (created, documentNamespace), which lkpkg must make deterministic.
const fixtureScan = `set -eu
src=$BUILDKIT_SCAN_SOURCE
out=$BUILDKIT_SCAN_DESTINATION/$(basename "$src").spdx.json
{
printf '{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://spdx.dev/Document","subject":[],"predicate":{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"fixture","documentNamespace":"https://example.com/fixture/run-%s","creationInfo":{"created":"%s","creators":["Tool: lkpkg-fixture-scanner"]},"files":[' "$$$(date +%N)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
cd "$src"
n=0
for f in $(find . -type f | sort); do
	n=$((n+1))
	[ $n -gt 1 ] && printf ','
	printf '{"SPDXID":"SPDXRef-File-%d","fileName":"%s"}' $n "${f#.}"
done
printf ']}}'
} > "$out"
`

// FixtureScanner pushes a small SBOM scanner image for amd64 (busybox and
// fixtureScan) to reg and returns its reference, for tests of the SBOM
// attestation path that must not depend on the real scanner image.
func FixtureScanner(tb testing.TB, reg *Registry) string {
	tb.Helper()
	Busybox(tb, reg) // the .debs must be there
	ref := reg.Host + "/lkpkg/fixture-scanner:latest"
	if err := PushFixtureScanner(ref); err != nil {
		tb.Fatalf("pushing %s: %v", ref, err)
	}
	return ref
}

// PushFixtureScanner pushes the fixture SBOM scanner image to ref (plain
// HTTP for 127.0.0.1 and localhost registries).
func PushFixtureScanner(ref string) error {
	img, err := fixtureScannerImage()
	if err != nil {
		return err
	}
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return err
	}
	return remote.Write(r, img)
}

// FixtureScannerLayout writes the fixture SBOM scanner image as an OCI
// layout in dir (its index.json's one entry), what --sbom-scanner-layout
// takes, and returns the image's digest.
func FixtureScannerLayout(tb testing.TB, dir string) v1.Hash {
	tb.Helper()
	img, err := fixtureScannerImage()
	if err != nil {
		tb.Fatal(err)
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		tb.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		tb.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func fixtureScannerImage() (v1.Image, error) {
	idx, err := BusyboxIndex()
	if err != nil {
		return nil, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	var base v1.Image
	for _, d := range im.Manifests {
		if d.Platform != nil && d.Platform.Architecture == "amd64" {
			if base, err = idx.Image(d.Digest); err != nil {
				return nil, err
			}
		}
	}
	if base == nil {
		return nil, errors.New("no amd64 busybox image")
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "scan.sh", Mode: 0o755, Size: int64(len(fixtureScan)), Typeflag: tar.TypeReg}); err != nil {
		return nil, err
	}
	if _, err := tw.Write([]byte(fixtureScan)); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(buf.Bytes())), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, err
	}
	img, err = WithConfig(img, func(cf *v1.ConfigFile) {
		cf.Config.Entrypoint = []string{"/bin/sh", "/scan.sh"}
		cf.Config.Cmd = nil
	})
	if err != nil {
		return nil, err
	}
	return img, nil
}
