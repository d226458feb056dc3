package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// svcBuildYML sets every field; only arches and extra-sources are also in
// the BUILD file (Bazel needs them before any action runs).
const svcBuildYML = `image: svc
org: example
tag: "v1-{{.Hash}}"
dockerfile: Dockerfile
arches: [amd64, arm64]
extra-sources:
  - ../lib:/etc
  - ../share/motd:/motd
network: true
disable-cache: true
buildArgs:
  - VERSION=2
`

// checkAttrs writes build.yml and the rule's attrs.json into a package
// directory and runs lkpkg check-attrs with a stamp output.
func checkAttrs(t *testing.T, buildYML, attrs string) (dir string, code int, stderr string) {
	t.Helper()
	root := t.TempDir()
	dir = filepath.Join(root, "svc")
	writeTree(t, root, map[string]string{
		"svc/build.yml":  buildYML,
		"svc/Dockerfile": "FROM scratch\n",
		"attrs.json":     attrs,
	})
	code, _, stderr = lkpkg(t, "check-attrs", "--attrs", filepath.Join(root, "attrs.json"),
		"--output", filepath.Join(root, "stamp"), dir)
	if _, err := os.Stat(filepath.Join(root, "stamp")); (err == nil) != (code == 0) {
		t.Errorf("exit %d, but the stamp file exists: %v", code, err == nil)
	}
	return dir, code, stderr
}

// The rule passes only arches and extra_srcs: build.yml's other fields
// (image, org, tag, network, ...) are read by the actions, never compared.
func TestCheckAttrsOnlyAnalysisFields(t *testing.T) {
	_, code, stderr := checkAttrs(t, svcBuildYML,
		`{"label": "//svc", "arches": ["amd64", "arm64"], "extra_srcs": ["../share/motd:/motd", "../lib:/etc"]}`)
	if code != 0 {
		t.Fatalf("check-attrs exit %d for matching arches and extra_srcs:\n%s", code, stderr)
	}
}

// A build.yml without arches means the default arches, which is what the
// macro's default is too.
func TestCheckAttrsDefaultArches(t *testing.T) {
	_, code, stderr := checkAttrs(t, "image: svc\n", `{"label": "//svc", "arches": ["amd64", "arm64", "riscv64"]}`)
	if code != 0 {
		t.Fatalf("check-attrs exit %d for the default arches:\n%s", code, stderr)
	}
}

func TestCheckAttrsDisagree(t *testing.T) {
	for _, tc := range []struct {
		name, attrs string
		want        []string
	}{
		{"arches", `{"label": "//svc", "arches": ["amd64"], "extra_srcs": ["../lib:/etc", "../share/motd:/motd"]}`,
			[]string{"arches", `["amd64"]`, `["amd64","arm64"]`}},
		{"arches order", `{"label": "//svc", "arches": ["arm64", "amd64"], "extra_srcs": ["../lib:/etc", "../share/motd:/motd"]}`,
			[]string{"arches", `["arm64","amd64"]`}},
		{"extra_srcs", `{"label": "//svc", "arches": ["amd64", "arm64"], "extra_srcs": ["../lib:/etc"]}`,
			[]string{"extra-sources", "extra_srcs", `"../share/motd:/motd"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, code, stderr := checkAttrs(t, svcBuildYML, tc.attrs)
			if code == 0 {
				t.Fatalf("check-attrs accepted a BUILD file that disagrees with build.yml")
			}
			// The file, the rule, the field and the fix.
			want := append([]string{filepath.Join(dir, "build.yml"), "//svc", "bazel run //:gazelle"}, tc.want...)
			for _, w := range want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, stderr)
				}
			}
		})
	}
}
