package spec

import (
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// addTestdataSeeds adds the build.yml of each testdata package as a seed.
func addTestdataSeeds(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/pkg/*/build.yml")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzParse checks that Parse never panics and that whatever it accepts
// satisfies the guarantees callers rely on, and whatever it rejects is
// explained by well-formed *Errors.
func FuzzParse(f *testing.F) {
	addTestdataSeeds(f)
	for _, s := range []string{
		"", "image: foo\n", "- a\n", "image: &a x\norg: *a\n", "image: a\n---\nimage: b\n",
		"image: foo\ntag: '{{.Hash}}'\n", "image: foo\narches: [amd64, x86_64]\n",
		"image: foo\ndepends:\n  docker-images:\n    target: t\n    list: ['a@sha256:0']\n",
		"image: foo\nbuildArgs: ['A_%=@lkt:pkgs:../[']\n",
		// Shapes linuxkit accepts, accepted with a warning (compat.go).
		"image: foo\narches:\n", "image: foo\narches: []\n", "image: foo\norg:\n", "image: foo\norg: ''\n",
		"image: foo\ntag: \"\"\n", "image: foo\ntag:\n", "image: foo\nconfig:\nbuildArgs:\n", "image: foo\nnetwork: yes\n",
		"image: foo\ndisable-cache: Off\nnetwork: \"ON\"\n", "image: foo\nconfig:\n  readonly: n\n",
		"image: foo\narches: [arm64, arm64]\n", "image: foo\ndepends:\nextra-sources:\ngitrepo:\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(file, data)
		if err != nil {
			if s != nil {
				t.Fatal("Spec and error both returned")
			}
			errs := Errors(err)
			if len(errs) == 0 {
				t.Fatalf("error without *Error: %v", err)
			}
			for i, e := range errs {
				if e.File != file || e.Problem == "" || e.Fix == "" || e.Line < 0 || e.Column < 0 {
					t.Fatalf("malformed error %#v", e)
				}
				if i > 0 && errs[i-1].Line > e.Line {
					t.Fatalf("errors not sorted by line: %v", err)
				}
			}
			return
		}
		checkInvariants(t, s)
		// Parse is deterministic.
		s2, err := Parse(file, data)
		if err != nil || !reflect.DeepEqual(s, s2) {
			t.Fatalf("second Parse differs: %v", err)
		}
	})
}

func checkInvariants(t *testing.T, s *Spec) {
	t.Helper()
	if s.File != file || s.Image == "" || s.Tag == "" {
		t.Fatalf("empty required field: %+v", s)
	}
	for _, w := range s.Warnings {
		if w.File != file || w.Problem == "" || w.Fix == "" || w.Line < 0 || w.Column < 0 {
			t.Fatalf("malformed warning %#v", w)
		}
	}
	// An empty org (org: '') or no arches are what linuxkit takes, and
	// are warned about.
	if (s.Org == "" || len(s.Arches) == 0) && len(s.Warnings) == 0 {
		t.Fatalf("empty org or arches without a warning: %+v", s)
	}
	if p, _ := checkRepoPath(s.Image, "image"); p != "" {
		t.Fatalf("accepted invalid image %q: %s", s.Image, p)
	}
	if p, _ := checkOrg(s.Org); p != "" && s.Org != "" {
		t.Fatalf("accepted invalid org %q: %s", s.Org, p)
	}
	if len(s.Repository()) > maxNameLen {
		t.Fatalf("accepted over-long name %q", s.Repository())
	}
	seen := map[string]bool{}
	for _, a := range s.Arches {
		if !ValidArch(a) || seen[a] {
			t.Fatalf("bad or duplicate arch %q in %v", a, s.Arches)
		}
		seen[a] = true
	}
	for _, hash := range []string{"0123456789abcdef0123456789abcdef01234567", sampleHash, "dev"} {
		tag, err := s.RenderTag(hash)
		if err != nil {
			t.Fatalf("accepted tag template %q fails: %v", s.Tag, err)
		}
		if p, _ := checkTag(tag); p != "" {
			t.Fatalf("accepted tag template %q renders bad tag %q", s.Tag, tag)
		}
	}
	checkInsidePath(t, "dockerfile", s.Dockerfile)
	for _, es := range s.ExtraSources {
		if es.Src == "" || es.Src != path.Clean(es.Src) || strings.Contains(es.Src, ":") {
			t.Fatalf("bad extra source src %q", es.Src)
		}
		// An absolute source is accepted, as linuxkit accepts it, with a
		// warning (a Bazel action cannot declare it as an input).
		if path.IsAbs(es.Src) && !hasWarning(s, "extra-sources") {
			t.Fatalf("absolute extra source %q accepted without a warning", es.Src)
		}
		if !path.IsAbs(es.Dst) || es.Dst == "/" || es.Dst != path.Clean(es.Dst) || hasDotDot(es.Dst) {
			t.Fatalf("bad extra source dst %q", es.Dst)
		}
	}
	names := map[string]bool{}
	for _, a := range s.BuildArgs {
		if a.Name == "" || names[a.Name] {
			t.Fatalf("bad or duplicate build arg %q", a.Name)
		}
		names[a.Name] = true
		kind, p := a.Ref()
		if kind != RefNone && p == "" {
			t.Fatalf("bad ref %v %q", kind, p)
		}
		if kind != RefNone && path.IsAbs(p) && !slices.ContainsFunc(s.Warnings, func(w *Error) bool { return strings.Contains(w.Problem, "absolute path") }) {
			t.Fatalf("absolute ref %q accepted without a warning", p)
		}
		if kind == RefNone && strings.HasPrefix(a.Value, "@lkt:") {
			t.Fatalf("unknown @lkt ref accepted: %q", a.Value)
		}
		if kind == RefPkgs && !strings.Contains(a.Name, "%") {
			t.Fatalf("pkgs ref without stem: %q", a.Name)
		}
	}
	di := s.Depends.DockerImages
	for _, p := range []string{di.Target, di.TargetDir, di.FromFile} {
		if p != "" {
			checkInsidePath(t, "depends", p)
		}
	}
	if di.Target != "" && di.TargetDir != "" || di.FromFile != "" && len(di.List) > 0 {
		t.Fatalf("exclusive depends fields both set: %+v", di)
	}
	for _, ref := range di.List {
		if !strings.Contains(ref, "@sha") {
			t.Fatalf("unpinned image accepted: %q", ref)
		}
	}
	if s.Config != nil {
		if _, err := s.Config.Label(); err != nil {
			t.Fatalf("Label: %v", err)
		}
	}
}

// checkInsidePath asserts p is relative, clean and inside the package.
func checkInsidePath(t *testing.T, field, p string) {
	t.Helper()
	if p == "" || p == "." || path.IsAbs(p) || p != path.Clean(p) || p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, `\`) {
		t.Fatalf("%s %q is not a clean relative path inside the package", field, p)
	}
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/pkg/containerd/build.yml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("build.yml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// hasWarning reports whether s has a warning about field (or an element of it).
func hasWarning(s *Spec, field string) bool {
	for _, w := range s.Warnings {
		if strings.HasPrefix(w.Field, field) {
			return true
		}
	}
	return false
}
