package build_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// TestSkipArches matches pkgBuildCmd's --skip-platforms parsing: entries
// are linux/<arch>, anything else is refused.
func TestSkipArches(t *testing.T) {
	got, err := build.SkipArches([]string{"linux/arm64", " linux/riscv64 "})
	if err != nil || strings.Join(got, ",") != "arm64,riscv64" {
		t.Errorf("SkipArches: %v %v", got, err)
	}
	for _, bad := range []string{"arm64", "windows/amd64", "linux/", ""} {
		if _, err := build.SkipArches([]string{bad}); err == nil || !strings.Contains(err.Error(), "linux/<arch>") {
			t.Errorf("SkipArches(%q): %v; want a refusal naming linux/<arch>", bad, err)
		}
	}
}

// TestPlanLinuxkitSelection: what Plan decides for linuxkit's build flags,
// before BuildKit: --skip-platforms leaves a package out when no arch is
// left (pkgBuildCmd "Skipping ... with no architectures to build"), a store
// output holding the tag is reused unless --force (Pkg.Build's cache check),
// --dockerfile must stay in the package (Pkg.Build refuses ".."), and
// --ignore-cached serves FROM lines only from this run (WithBuildIgnoreCache).
func TestPlanLinuxkitSelection(t *testing.T) {
	root := t.TempDir()
	df := "FROM scratch\n"
	base := writePkg(t, filepath.Join(root, "base"), map[string]string{"build.yml": "image: base\norg: ex\narches: [amd64, arm64]\n", "Dockerfile": df, "Other.dockerfile": df})
	app := writePkg(t, filepath.Join(root, "app"), map[string]string{"build.yml": "image: app\norg: ex\narches: [amd64]\nbuildArgs:\n  - BASE=@lkt:pkg:../base\n", "Dockerfile": df})
	store := filepath.Join(root, "store")
	po := pkg.Options{}
	baseP, err := pkg.Load(base, po)
	if err != nil {
		t.Fatal(err)
	}
	appP, err := pkg.Load(app, po)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	b := build.Builder{Options: build.Options{PkgOptions: po, SkipPlatforms: []string{"amd64"}}, Store: store, Log: &log}
	pl, err := b.Plan([]string{app, base})
	if err != nil {
		t.Fatal(err)
	}
	if len(pl.Packages) != 1 || pl.Packages[0].Spec.Image != "base" || strings.Join(pl.Arches(pl.Packages[0]), ",") != "arm64" {
		t.Fatalf("skip amd64: plan %v, want base for arm64 only", pl.Packages)
	}
	if !strings.Contains(log.String(), appP.Ref()+": every arch is in --skip-platforms, skipped") {
		t.Errorf("log %q: want app reported as skipped", log.String())
	}

	// base is in the store for both arches: reused, unless not Reuse.
	// (The synthetic output has no attestations: none are asked for.)
	if _, err := testenv.BuildOutput(build.StorePath(store, baseP), "ex/base", baseP.Tag, []string{"amd64", "arm64"}, 1, 64, 1); err != nil {
		t.Fatal(err)
	}
	b = build.Builder{Options: build.Options{PkgOptions: po, NoProvenance: true}, Store: store, Reuse: true}
	if pl, err = b.Plan([]string{app, base}); err != nil {
		t.Fatal(err)
	}
	var reused []string
	for _, p := range pl.Packages {
		if pl.Reused(p) != nil {
			reused = append(reused, p.Spec.Image)
		}
	}
	if strings.Join(reused, ",") != "base" || !pl.NeedsBuild() {
		t.Errorf("reused %v, needs build %v; want base reused and app still to build", reused, pl.NeedsBuild())
	}
	var dry bytes.Buffer
	if err := b.DryRun(&dry, pl); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{baseP.Ref() + ": found in", appP.Ref() + ": would build for linux/amd64", "build-arg: BASE=" + baseP.Ref(), "FROM " + baseP.Ref() + ": served from " + filepath.Join(build.StorePath(store, baseP), "index"), "  sbom: none\n"} {
		if !strings.Contains(dry.String(), want) {
			t.Errorf("dry run lacks %q:\n%s", want, dry.String())
		}
	}
	// Run with only base: no BuildKit client is needed.
	if pl, err = b.Plan([]string{base}); err != nil || pl.NeedsBuild() {
		t.Fatalf("base alone: %v, needs build %v", err, pl != nil && pl.NeedsBuild())
	}
	var done []string
	if err := b.Run(context.Background(), nil, pl, func(p *pkg.Package, out string, res *build.Result) error {
		done = append(done, res.Ref+" "+out)
		return nil
	}); err != nil || len(done) != 1 || done[0] != baseP.Ref()+" "+build.StorePath(store, baseP) {
		t.Errorf("Run of a reused package: %v %v", done, err)
	}
	// An arch the store lacks is built.
	b.Options.Platforms = []string{"linux/amd64", "linux/arm64"}
	b.Options.Format = build.FormatTar
	if pl, err = b.Plan([]string{base}); err != nil || !pl.NeedsBuild() {
		t.Errorf("tar format wanted, the store has dirs: %v, needs build %v; want a build", err, pl != nil && pl.NeedsBuild())
	}
	b.Options.Format = ""

	// --ignore-cached: base's store output is not served to app.
	b.IgnoreStore, b.Reuse = true, false
	if pl, err = b.Plan([]string{app}); err != nil {
		t.Fatal(err)
	}
	dry.Reset()
	if err := b.DryRun(&dry, pl); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(dry.String(), "served from") {
		t.Errorf("--ignore-cached still serves FROM from the store:\n%s", dry.String())
	}

	// --dockerfile: inside the package and existing.
	for _, tc := range []struct{ df, want string }{
		{"Other.dockerfile", ""},
		{"../app/Dockerfile", "inside the package directory"},
		{"/etc/passwd", "inside the package directory"},
		{"Missing", "no such file"},
	} {
		b := build.Builder{Options: build.Options{PkgOptions: po, Dockerfile: tc.df}, Store: store}
		_, err := b.Plan([]string{base})
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("--dockerfile %s: %v; want %q", tc.df, err, tc.want)
		}
	}
}
