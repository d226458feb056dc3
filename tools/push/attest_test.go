package push_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// buildAttested builds a one-arch package whose a.txt holds content with
// BuildKit (provenance on, as lkpkg builds by default) and returns the
// package to push and the build's result.
func buildAttested(t *testing.T, c *client.Client, base, content string) (*push.Package, *build.Result) {
	t.Helper()
	dir := t.TempDir()
	for n, data := range map[string]string{
		"build.yml":  "image: attested\norg: lkt\narches:\n  - amd64\n",
		"Dockerfile": "ARG BASE\nFROM ${BASE}\nCOPY a.txt /a.txt\n",
		"a.txt":      content,
	} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := pkg.Load(dir, pkg.Options{Hermetic: true})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := build.Build(ctx, c, p, build.Options{OutputDir: out, PkgOptions: pkg.Options{Hermetic: true}, BuildArgs: []spec.BuildArg{{Name: "BASE", Value: base}}}); err != nil {
		t.Fatal(err)
	}
	pp, res, err := push.FromBuild(out, "lkt/pkg")
	if err != nil {
		t.Fatal(err)
	}
	if res.Arches[0].Attestation == "" {
		t.Fatal("the build made no attestation manifest")
	}
	return pp, res
}

// remoteIndex reads host/lkt/pkg:tag, checking that every manifest it
// names exists.
func remoteIndex(t *testing.T, host, tag string) *v1.IndexManifest {
	t.Helper()
	ref, err := name.ParseReference(host + "/lkt/pkg:" + tag)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.Get(ref)
	if err != nil {
		t.Fatal(err)
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range im.Manifests {
		if _, err := remote.Get(ref.Context().Digest(m.Digest.String())); err != nil {
			t.Errorf("the index names %s, which the registry lacks: %v", m.Digest, err)
		}
	}
	return im
}

// TestPushAttestations: each image's attestation manifest goes to the
// registry with it and into the index after the images; when --force
// replaces the image, its attestation goes too and the new one comes in.
func TestPushAttestations(t *testing.T) {
	d := testenv.BuildKit(t)
	reg := testenv.StartRegistry(t)
	base := testenv.Busybox(t, reg)
	c, err := client.New(context.Background(), d.Address())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	first, res1 := buildAttested(t, c, base, "one\n")
	rep, err := push.Push(ctx, first, opts(reg.Host))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Attestations) != 1 || rep.Attestations[0].Digest.String() != res1.Arches[0].Attestation {
		t.Errorf("report attestations = %v, want %s", rep.Attestations, res1.Arches[0].Attestation)
	}
	im := remoteIndex(t, reg.Host, first.Tag)
	if got := keysOf(im); got != "linux/amd64@"+res1.Arches[0].Digest+" att("+res1.Arches[0].Digest+")@"+res1.Arches[0].Attestation {
		t.Errorf("index after the first push: %s", got)
	}
	// The provenance statement can be read back from the registry.
	attRef := mustRef(t, reg.Host+"/lkt/pkg@"+res1.Arches[0].Attestation)
	img, err := remote.Image(attRef)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) == 0 {
		t.Fatalf("attestation layers: %v %v", layers, err)
	}
	rc, err := layers[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(rc)
	rc.Close()
	if !strings.Contains(buf.String(), "https://slsa.dev/provenance/v1") || !strings.Contains(buf.String(), strings.TrimPrefix(res1.Arches[0].Digest, "sha256:")) {
		t.Errorf("attestation statement = %.300s", buf.String())
	}

	// Pushing again changes nothing.
	rep, err = push.Push(ctx, first, opts(reg.Host))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Written) != 0 {
		t.Errorf("second push wrote %v", rep.Written)
	}

	// Another image for the same tag, forced in: the old attestation goes.
	second, res2 := buildAttested(t, c, base, "two\n")
	second.Tag = first.Tag
	o := opts(reg.Host)
	o.Force = true
	if _, err := push.Push(ctx, second, o); err != nil {
		t.Fatal(err)
	}
	im = remoteIndex(t, reg.Host, first.Tag)
	if got := keysOf(im); got != "linux/amd64@"+res2.Arches[0].Digest+" att("+res2.Arches[0].Digest+")@"+res2.Arches[0].Attestation {
		t.Errorf("index after --force: %s", got)
	}
}

// keysOf shows an index's entries: platform@digest, att(subject)@digest.
func keysOf(im *v1.IndexManifest) string {
	var out []string
	for _, m := range im.Manifests {
		if s := m.Annotations["vnd.docker.reference.digest"]; s != "" {
			if m.Platform == nil || m.Platform.OS != "unknown" || m.Annotations["vnd.docker.reference.type"] != "attestation-manifest" {
				out = append(out, "BAD-ATTESTATION-ENTRY")
			}
			out = append(out, "att("+s+")@"+m.Digest.String())
			continue
		}
		out = append(out, m.Platform.OS+"/"+m.Platform.Architecture+"@"+m.Digest.String())
	}
	return strings.Join(out, " ")
}

// TestPushRefusesForeignAttestation: a layout whose attestation manifest
// is about another image (or that lists two) is refused before anything
// is pushed, naming the layout.
func TestPushRefusesForeignAttestation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		subject func(img v1.Hash) []string
		want    string
	}{
		{"another image", func(v1.Hash) []string { return []string{"sha256:" + strings.Repeat("0", 64)} }, "not for its image"},
		{"two attestations", func(img v1.Hash) []string { return []string{img.String(), img.String()} }, "2 attestation manifests"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			digests, err := testenv.BuildOutput(dir, "lkt/pkg", "t", []string{"amd64"}, 1, 64, 1)
			if err != nil {
				t.Fatal(err)
			}
			lp, err := layout.FromPath(filepath.Join(dir, "amd64"))
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tc.subject(digests["amd64"]) {
				att, err := testenv.SyntheticImage("unknown", 1, 16, uint64(10+i))
				if err != nil {
					t.Fatal(err)
				}
				if err := lp.AppendImage(att, layout.WithPlatform(v1.Platform{OS: "unknown", Architecture: "unknown"}), layout.WithAnnotations(map[string]string{
					"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": s,
				})); err != nil {
					t.Fatal(err)
				}
			}
			p, _, err := push.FromBuild(dir, "lkt/pkg")
			if err != nil {
				t.Fatal(err)
			}
			_, err = push.Push(context.Background(), p, opts("127.0.0.1:1"))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), filepath.Join(dir, "amd64")) {
				t.Errorf("push = %v, want an error naming the layout and %q", err, tc.want)
			}
		})
	}
}
