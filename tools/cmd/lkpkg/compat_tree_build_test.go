package main

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// compatBase is the base image the tree's Dockerfiles name; the tests
// serve it from a local layout (--context-from), as no registry has it.
const compatBase = "lkpkg.invalid/busybox:fixture"

// compatBuilder runs lkpkg build against one BuildKit daemon, with the
// outputs in the default store ($XDG_CACHE_HOME, set by hermeticGit).
type compatBuilder struct {
	addr, base string
}

func newCompatBuilder(t *testing.T) *compatBuilder {
	t.Helper()
	d := testenv.BuildKit(t)
	base := t.TempDir()
	testenv.BusyboxLayout(t, base)
	return &compatBuilder{addr: d.Address(), base: base}
}

func (b *compatBuilder) build(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	all := append([]string{"build", "--builder-addr", b.addr, "--progress", "quiet", "--context-from", compatBase + "=" + b.base}, args...)
	return lkpkg(t, all...)
}

// refStoreDir is where lkpkg build (no --output-dir) puts ref's output.
func refStoreDir(t *testing.T, ref string) string {
	t.Helper()
	repo, tag, _ := strings.Cut(ref, ":")
	return filepath.Join(os.Getenv("XDG_CACHE_HOME"), "rules_linuxkit", "images", filepath.FromSlash(repo), tag)
}

// compatRun is one lkpkg build command over several packages.
type compatRun struct {
	phase  int
	flags  []string
	pkgs   []*compatPkg
	code   int
	output string
}

// compatRuns groups the packages into as few lkpkg build runs as their
// flags allow, phase by phase; a package whose build must fail runs alone.
func compatRuns(t *testing.T, pkgs []*compatPkg) []*compatRun {
	byKey := map[string]*compatRun{}
	var runs []*compatRun
	for _, p := range pkgs {
		if p.exp.Needs != "" || isPending("build "+p.name, "show-tag "+p.name) {
			continue
		}
		key := string(rune('0'+p.exp.Phase)) + " " + strings.Join(p.exp.Flags, " ")
		if p.exp.Build == "error" {
			key += " " + p.name
		}
		r, ok := byKey[key]
		if !ok {
			r = &compatRun{phase: p.exp.Phase, flags: p.exp.Flags}
			byKey[key] = r
			runs = append(runs, r)
		}
		r.pkgs = append(r.pkgs, p)
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].phase < runs[j].phase })
	return runs
}

// TestCompatTreeBuild builds the whole tree with a real BuildKit, in as
// few runs as the packages' flags allow, and checks each package: the
// build args its image holds, its labels, a skip or an error.
func TestCompatTreeBuild(t *testing.T) {
	tree := newCompatTree(t, nil)
	b := newCompatBuilder(t)
	runs := compatRuns(t, tree.pkgs)
	for _, r := range runs {
		args := append([]string{}, r.flags...)
		for _, p := range r.pkgs {
			args = append(args, p.dir)
		}
		code, stdout, stderr := b.build(t, args...)
		r.code, r.output = code, stdout+stderr
		t.Logf("lkpkg build %s (%d packages): exit %d", strings.Join(r.flags, " "), len(r.pkgs), code)
	}
	ran := map[*compatPkg]*compatRun{}
	for _, r := range runs {
		for _, p := range r.pkgs {
			ran[p] = r
		}
	}
	for _, p := range tree.pkgs {
		t.Run(p.name, func(t *testing.T) {
			pending(t, "show-tag "+p.name)
			pending(t, "build "+p.name)
			if p.exp.Needs != "" {
				t.Skipf("needs %s: built by its own test", p.exp.Needs)
			}
			checkCompatBuild(t, p, ran[p])
		})
	}
}

func checkCompatBuild(t *testing.T, p *compatPkg, r *compatRun) {
	t.Helper()
	out := refStoreDir(t, p.exp.Ref)
	switch p.exp.Build {
	case "ok":
		if r.code != 0 {
			t.Fatalf("the run building %s exited %d:\n%s", p.rel, r.code, r.output)
		}
		img := compatImage(t, out)
		var got map[string]string
		if len(p.exp.Args) > 0 {
			got = imageArgs(t, img)
		}
		for k, v := range p.exp.Args {
			if got[k] != v {
				t.Errorf("build arg %s in the image = %q, want %q", k, got[k], v)
			}
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range p.exp.Labels {
			if cf.Config.Labels[k] != v {
				t.Errorf("label %s = %q, want %q", k, cf.Config.Labels[k], v)
			}
		}
	case "skipped":
		if r.code != 0 {
			t.Fatalf("the run with %s exited %d: a package with no arches must not stop it:\n%s", p.rel, r.code, r.output)
		}
		if !strings.Contains(r.output, p.exp.Ref) || !strings.Contains(strings.ToLower(r.output), "skip") {
			t.Errorf("the output does not say %s was skipped:\n%s", p.exp.Ref, r.output)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s was written for a package with no arches", out)
		}
	case "error":
		if r.code == 0 || !strings.Contains(r.output, p.exp.Error) || !strings.Contains(r.output, p.rel) {
			t.Errorf("exit %d, want a failure naming %s and %q:\n%s", r.code, p.rel, p.exp.Error, r.output)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s was written by a failed build", out)
		}
	default:
		t.Fatalf("expect.yaml of %s: build: %q, want ok, skipped or error", p.rel, p.exp.Build)
	}
	for _, ref := range p.exp.NotBuilt {
		if _, err := os.Stat(refStoreDir(t, ref)); err == nil {
			t.Errorf("%s was built; only %s should be", ref, p.exp.Ref)
		}
	}
}

// compatImage is the amd64 image of the build output out, as result.json
// names it.
func compatImage(t *testing.T, out string) v1.Image {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "result.json"))
	if err != nil {
		t.Fatalf("no build output: %v", err)
	}
	var res struct {
		Arches []struct{ Arch, Layout string }
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Arches {
		if a.Arch != "amd64" {
			continue
		}
		idx, err := layout.ImageIndexFromPath(filepath.Join(out, a.Layout))
		if err != nil {
			t.Fatal(err)
		}
		return firstImage(t, idx)
	}
	t.Fatalf("%s/result.json has no amd64 image", out)
	return nil
}

// firstImage is the first image of idx, looking into nested indexes.
func firstImage(t *testing.T, idx v1.ImageIndex) v1.Image {
	t.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range im.Manifests {
		if d.MediaType.IsIndex() {
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				t.Fatal(err)
			}
			return firstImage(t, child)
		}
		if d.MediaType.IsImage() {
			img, err := idx.Image(d.Digest)
			if err != nil {
				t.Fatal(err)
			}
			return img
		}
	}
	t.Fatal("the layout holds no image")
	return nil
}

// imageArgs reads the NAME=VALUE lines of /compat/args in img.
func imageArgs(t *testing.T, img v1.Image) map[string]string {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			t.Fatal("the image has no /compat/args")
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimPrefix(h.Name, "/") != "compat/args" {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		args := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			k, v, _ := strings.Cut(line, "=")
			args[k] = v
		}
		return args
	}
}
