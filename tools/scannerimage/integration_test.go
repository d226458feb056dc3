package scannerimage_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// attestation is what the test reads back from one SPDX attestation layer.
type attestation struct {
	Subject []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	Predicate struct {
		Name     string `json:"name"`
		Packages []struct {
			Name        string `json:"name"`
			VersionInfo string `json:"versionInfo"`
		} `json:"packages"`
		Files []struct {
			FileName    string `json:"fileName"`
			FileComment string `json:"comment"`
		} `json:"files"`
	} `json:"predicate"`
}

// TestBuildKitRunsTheScanner builds a Dockerfile FROM the busybox base with
// BuildKit's Dockerfile frontend and attest:sbom=generator=<our scanner>,
// for amd64 and arm64, exports OCI, and reads the SBOM attestations back:
// each names its image, lists busybox and the files of both layers. A
// second build after pruning BuildKit's cache gives the same SBOM bytes.
// A global ARG BUILDKIT_SBOM_SCAN_CONTEXT=true makes BuildKit mount the build context as an
// extra tree: its SBOM is a second attestation, named after it.
func TestBuildKitRunsTheScanner(t *testing.T) {
	bk := testenv.BuildKit(t)
	reg := testenv.StartRegistry(t)
	base := testenv.Busybox(t, reg)
	scanner := testenv.SBOMScanner(t, reg)

	ctxDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte("ARG BUILDKIT_SBOM_SCAN_CONTEXT=true\nFROM "+base+"\nCOPY hello.txt /etc/hello.txt\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ctxDir, "hello.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := client.New(ctx, bk.Address())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	build := func(out string) map[string]map[string]attestation {
		fs, err := fsutil.NewFS(ctxDir)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Solve(ctx, nil, client.SolveOpt{
			Frontend: "dockerfile.v0",
			FrontendAttrs: map[string]string{
				"filename":                    "Dockerfile",
				"platform":                    "linux/amd64,linux/arm64",
				"attest:sbom":                 "generator=" + scanner,
				"build-arg:SOURCE_DATE_EPOCH": "0",
			},
			LocalMounts: map[string]fsutil.FS{"context": fs, "dockerfile": fs},
			Exports: []client.ExportEntry{{
				Type:      client.ExporterOCI,
				Attrs:     map[string]string{"tar": "false", "name": "example.test/sbom:latest", "rewrite-timestamp": "true"},
				OutputDir: out,
			}},
		}, nil)
		if err != nil {
			t.Fatalf("build with attest:sbom=generator=%s: %v", scanner, err)
		}
		return readSBOMs(t, out)
	}

	first := build(t.TempDir())
	if len(first) != 2 {
		t.Fatalf("SBOM attestations for %d platforms, want amd64 and arm64", len(first))
	}
	for plat, docs := range first {
		var names []string
		for n := range docs {
			names = append(names, n)
		}
		sort.Strings(names)
		if strings.Join(names, ",") != "sbom,sbom-context" {
			t.Errorf("%s: SPDX documents %q, want the image's (sbom) and the context's (sbom-context)", plat, names)
		}
		// BuildKit mounts only the context paths the build uses: hello.txt.
		if c := docs["sbom-context"]; !listsFile(c, "hello.txt") {
			t.Errorf("%s: the context's SBOM does not list hello.txt: %+v", plat, c.Predicate.Files)
		}
		a := docs["sbom"]
		if len(a.Subject) == 0 || !strings.HasPrefix(a.Subject[0].Name, "pkg:docker/example.test/sbom@latest") || a.Subject[0].Digest["sha256"] == "" {
			t.Errorf("%s: subject %+v, want the image", plat, a.Subject)
		}
		var busybox bool
		for _, p := range a.Predicate.Packages {
			busybox = busybox || p.Name == "busybox" && strings.HasPrefix(p.VersionInfo, "1.")
		}
		if !busybox {
			t.Errorf("%s: no busybox 1.x package in %+v", plat, a.Predicate.Packages)
		}
		files := map[string]string{}
		for _, f := range a.Predicate.Files {
			files[f.FileName] = f.FileComment
		}
		for _, want := range []string{"bin/busybox", "etc/passwd", "etc/hello.txt"} {
			if _, ok := files[want]; !ok {
				t.Errorf("%s: the SBOM does not list %s", plat, want)
			}
		}
		// BuildKit adds the layer each file comes from: the base's and the COPY's differ.
		if b, h := files["bin/busybox"], files["etc/hello.txt"]; !strings.HasPrefix(b, "layerID: sha256:") || !strings.HasPrefix(h, "layerID: sha256:") || b == h {
			t.Errorf("%s: layer comments %q (busybox) and %q (hello.txt), want two different layers", plat, b, h)
		}
	}

	// Clean rebuild: no cached scan result, the same SBOMs.
	if err := c.Prune(ctx, nil, client.PruneAll); err != nil {
		t.Fatal(err)
	}
	second := build(t.TempDir())
	for plat, a := range first {
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(second[plat])
		if string(x) != string(y) {
			t.Errorf("%s: the SBOM changed across two clean builds:\n%s\n%s", plat, x, y)
		}
	}
}

func listsFile(a attestation, name string) bool {
	for _, f := range a.Predicate.Files {
		if f.FileName == name {
			return true
		}
	}
	return false
}

// readSBOMs returns the SPDX attestations in the OCI layout out, keyed by
// the platform of the image they refer to and the SPDX document's name.
func readSBOMs(t *testing.T, out string) map[string]map[string]attestation {
	t.Helper()
	p, err := layout.FromPath(out)
	if err != nil {
		t.Fatal(err)
	}
	top, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := top.IndexManifest()
	if err != nil || len(tm.Manifests) != 1 {
		t.Fatalf("layout index: %v, %d manifests", err, len(tm.Manifests))
	}
	idx, err := top.ImageIndex(tm.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	platOf := map[v1.Hash]string{}
	for _, d := range m.Manifests {
		if d.Platform != nil && d.Platform.OS != "unknown" {
			platOf[d.Digest] = d.Platform.OS + "/" + d.Platform.Architecture
		}
	}
	res := map[string]map[string]attestation{}
	var kinds []string
	for _, d := range m.Manifests {
		if d.Annotations["vnd.docker.reference.type"] != "attestation-manifest" {
			continue
		}
		ref, _ := v1.NewHash(d.Annotations["vnd.docker.reference.digest"])
		plat := platOf[ref]
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		mf, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range mf.Layers {
			kinds = append(kinds, plat+" "+l.Annotations["in-toto.io/predicate-type"])
			if l.Annotations["in-toto.io/predicate-type"] != "https://spdx.dev/Document" {
				continue
			}
			layer, err := img.LayerByDigest(l.Digest)
			if err != nil {
				t.Fatal(err)
			}
			rc, err := layer.Uncompressed()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			var a attestation
			if err := json.Unmarshal(b, &a); err != nil {
				t.Fatalf("%s: SPDX attestation: %v\n%.300s", plat, err, b)
			}
			if res[plat] == nil {
				res[plat] = map[string]attestation{}
			}
			res[plat][a.Predicate.Name] = a
		}
	}
	sort.Strings(kinds)
	t.Logf("attestation layers: %q", kinds)
	return res
}
