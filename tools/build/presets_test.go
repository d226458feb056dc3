package build_test

import (
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// presetPkg is a package with a tree hash as its hash.
func presetPkg(gitrepo string) *pkg.Package {
	s := &spec.Spec{Image: "presets", Org: "example", GitRepo: gitrepo}
	const h = "0123456789abcdef0123456789abcdef01234567"
	return &pkg.Package{Dir: "/src/presets", Spec: s, Hash: h, Tag: h}
}

func argMap(t *testing.T, args []spec.BuildArg) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, a := range args {
		m[a.Name] = a.Value
	}
	return m
}

// The build args and labels linuxkit presets (Pkg.Build, pkglib/build.go:
// SOURCE and org.opencontainers.image.source from gitrepo, with
// NewPkgInfo's default https://github.com/linuxkit/linuxkit; GOPKGVERSION;
// PKG_HASH, PKG_IMAGE) come from the package alone, never from the
// checkout's HEAD: linuxkit's REVISION and org.opencontainers.image.revision
// (HEAD's commit) are not set, so one package tree gives one image whatever
// was committed elsewhere, from the CLI and from Bazel alike.
func TestPresetsFromThePackageOnly(t *testing.T) {
	for _, tc := range []struct{ gitrepo, source string }{
		{"", "https://github.com/linuxkit/linuxkit"},
		{"https://example.com/src.git", "https://example.com/src.git"},
	} {
		p := presetPkg(tc.gitrepo)
		args, err := build.BuildArgs(p, build.Options{SourceDateEpoch: 1700000000})
		if err != nil {
			t.Fatal(err)
		}
		m := argMap(t, args)
		want := map[string]string{
			"SOURCE":            tc.source,
			"GOPKGVERSION":      "v0.0.0-20231114221320-0123456789ab",
			"PKG_HASH":          p.Hash,
			"PKG_IMAGE":         "example/presets",
			"PKG_TAG":           p.Tag,
			"SOURCE_DATE_EPOCH": "1700000000",
		}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("gitrepo %q: build arg %s = %q, want %q", tc.gitrepo, k, m[k], v)
			}
		}
		if v, ok := m["REVISION"]; ok {
			t.Errorf("gitrepo %q: build arg REVISION = %q: HEAD's commit is not the package's", tc.gitrepo, v)
		}
		labels, err := build.Labels(p, build.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if labels["org.opencontainers.image.source"] != tc.source {
			t.Errorf("gitrepo %q: source label %q, want %q", tc.gitrepo, labels["org.opencontainers.image.source"], tc.source)
		}
		if v, ok := labels["org.opencontainers.image.revision"]; ok {
			t.Errorf("gitrepo %q: revision label %q: HEAD's commit is not the package's", tc.gitrepo, v)
		}
	}

	// A hash that is not a tree id (--hash, --dev) gives no GOPKGVERSION,
	// as a Go pseudo-version needs 12 hex digits.
	p := presetPkg("")
	p.Hash, p.Tag = "dev", "dev"
	args, err := build.BuildArgs(p, build.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := argMap(t, args)["GOPKGVERSION"]; ok {
		t.Errorf("hash dev: GOPKGVERSION = %q, want none", v)
	}
	// The build args of build.yml and the caller win over the presets.
	p = presetPkg("")
	p.Spec.BuildArgs = []spec.BuildArg{{Name: "SOURCE", Value: "yml"}}
	args, err = build.BuildArgs(p, build.Options{BuildArgs: []spec.BuildArg{{Name: "GOPKGVERSION", Value: "v1.2.3"}}})
	if err != nil {
		t.Fatal(err)
	}
	if m := argMap(t, args); m["SOURCE"] != "yml" || m["GOPKGVERSION"] != "v1.2.3" {
		t.Errorf("overrides: SOURCE %q GOPKGVERSION %q, want yml v1.2.3", m["SOURCE"], m["GOPKGVERSION"])
	}
}
