package build

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
)

// TestContextsFromStore: a FROM (or COPY --from) image that names an
// output in the store, written out or through ARGs, with or without
// --platform, is served from that output, as linuxkit serves it from its
// cache; an image not in the store, a stage name, and everything under
// IgnoreStore are not.
func TestContextsFromStore(t *testing.T) {
	root := t.TempDir()
	store := filepath.Join(root, "store")
	const tag = "81ea9a9fccf0de1c380acabc77ab9eb481616a01"
	var layouts []string
	for _, ref := range []string{"compat/chain-base:" + tag, "compat/copied:v1", "compat/by-arg:v2"} {
		d, err := pkg.FromRef(root, ref)
		if err != nil {
			t.Fatal(err)
		}
		l := filepath.Join(StorePath(store, d), "index")
		if err := os.MkdirAll(l, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(l, "index.json"), []byte(`{"schemaVersion":2,"manifests":[]}`), 0o644); err != nil {
			t.Fatal(err)
		}
		layouts = append(layouts, l)
	}
	dir := filepath.Join(root, "pkg")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	df := "ARG IMAGE=compat/chain-base\nARG TAG=" + tag + "\nARG OTHER=compat/by-arg:v1\n" +
		"FROM --platform=$BUILDPLATFORM ${IMAGE}:${TAG} AS base\n" +
		"FROM docker.io/compat/missing:v1 AS missing\n" +
		"FROM $OTHER\n" +
		"COPY --from=base /a /a\n" +
		"COPY --from=compat/copied:v1 /b /b\n"
	files := map[string]string{
		"build.yml":  "image: app\norg: compat\narches: [amd64]\nbuildArgs:\n  - OTHER=compat/by-arg:v2\n",
		"Dockerfile": df,
	}
	for n, data := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := pkg.Load(dir, pkg.Options{Hermetic: true})
	if err != nil {
		t.Fatal(err)
	}
	b := Builder{Store: store, Options: Options{PkgOptions: pkg.Options{Hermetic: true}}}
	got, err := b.contexts(p, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"compat/chain-base:" + tag: layouts[0],
		"compat/copied:v1":         layouts[1],
		"compat/by-arg:v2":         layouts[2],
	}
	if len(got) != len(want) {
		t.Errorf("contexts %v, want %v", got, want)
	}
	for ref, l := range want {
		if got[ref] != l {
			t.Errorf("context %s = %q, want %s", ref, got[ref], l)
		}
	}

	b.IgnoreStore = true
	if got, err = b.contexts(p, map[string]string{}); err != nil || len(got) != 0 {
		t.Errorf("--ignore-cached: contexts %v (%v), want none", got, err)
	}
}
