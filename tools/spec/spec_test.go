package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

const file = "pkg/foo/build.yml"

func strp(s string) *string { return &s }

func TestParseDefaults(t *testing.T) {
	s, err := Parse(file, []byte("image: foo\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Spec{
		File:       file,
		Image:      "foo",
		Org:        "linuxkit",
		Tag:        "{{.Hash}}",
		Dockerfile: "Dockerfile",
		Arches:     []string{"amd64", "arm64", "riscv64"},
	}
	s.pos = nil
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got  %+v\nwant %+v", s, want)
	}
	if got := s.Repository(); got != "linuxkit/foo" {
		t.Errorf("Repository() = %q", got)
	}
	// Defaults must be copies: mutating one Spec must not leak into the next.
	s.Arches[0] = "mips"
	if DefaultArches[0] != "amd64" {
		t.Fatal("Parse aliased DefaultArches")
	}
}

func TestParseExplicit(t *testing.T) {
	src := `image: foo/bar
org: 127.0.0.1:5000/wombat
tag: "v1-{{.Hash}}"
dockerfile: ./build/../docker/Dockerfile.prod
gitrepo: https://github.com/example/repo
arches: [arm64, s390x]
extra-sources:
  - ../../vendor:/vendor/
  - ../common:common
network: true
disable-content-trust: true
disable-cache: true
config:
  net: host
  capabilities: [CAP_NET_ADMIN]
buildArgs:
  - A=1
  - B=x=y
  - C=
  - BASE=@lkt:pkg:../base
  - PKG_%=@lkt:pkgs:../*
depends:
  docker-images:
    target-dir: ./deps
    list:
      - alpine:3.20@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d
`
	s, err := Parse(file, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := &Spec{
		File:                file,
		Image:               "foo/bar",
		Org:                 "127.0.0.1:5000/wombat",
		OrgSet:              true,
		Tag:                 "v1-{{.Hash}}",
		Dockerfile:          "docker/Dockerfile.prod",
		GitRepo:             "https://github.com/example/repo",
		Arches:              []string{"arm64", "s390x"},
		ExtraSources:        []ExtraSource{{"../../vendor", "/vendor"}, {"../common", "/common"}},
		Network:             true,
		DisableContentTrust: true,
		DisableCache:        true,
		Config:              &ImageConfig{Net: "host", Capabilities: &[]string{"CAP_NET_ADMIN"}},
		BuildArgs: []BuildArg{
			{"A", "1"}, {"B", "x=y"}, {"C", ""},
			{"BASE", "@lkt:pkg:../base"}, {"PKG_%", "@lkt:pkgs:../*"},
		},
		Depends: Depends{DockerImages: DockerImages{
			TargetDir: "deps",
			List:      []string{"alpine:3.20@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d"},
		}},
	}
	s.pos = nil
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got  %+v\nwant %+v", s, want)
	}
	if tag, err := s.RenderTag("abc123"); err != nil || tag != "v1-abc123" {
		t.Errorf("RenderTag = %q, %v", tag, err)
	}
	if got := s.Repository(); got != "127.0.0.1:5000/wombat/foo/bar" {
		t.Errorf("Repository() = %q", got)
	}
}

// TestParseValidValues covers accepted spellings that are easy to break.
func TestParseValidValues(t *testing.T) {
	for _, src := range []string{
		"image: foo\norg: ghcr.io\n",
		"image: foo\norg: localhost:5000/a/b\n",
		"image: foo\norg: '[::1]:5000/x'\n",
		"image: foo.bar__baz-qux---x\n",
		"image: a/b/c\n",
		"image: foo\ntag: '{{.Hash}}-{{if true}}x{{end}}'\n",
		"image: foo\narches: [386, loong64, mips64le, ppc64le]\n",
		"image: foo\nconfig: {}\n",
		"image: foo\ndepends: {}\n",
		"image: foo\ndepends:\n  docker-images:\n    target: a.tar\n",
		"image: foo\nbuildArgs: []\n",
		"image: foo\nextra-sources: []\n",
		"image: 1234\n",
		"image: foo\n# trailing comment\n",
		"---\nimage: foo\n",
		"image: foo\nconfig:\n  uid: nobody\n  gid: 100\n  additionalGids: [1, wheel]\n",
	} {
		if _, err := Parse(file, []byte(src)); err != nil {
			t.Errorf("Parse(%q): %v", src, err)
		}
	}
}

// wantErr describes one expected *Error.
type wantErr struct {
	line, col int
	field     string
	problem   string // substring of Problem
	fix       string // substring of Fix
}

func TestParseErrors(t *testing.T) {
	const digest = "sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d"
	tests := []struct {
		name string
		src  string
		want []wantErr
	}{
		{"empty file", "", []wantErr{{0, 0, "", "file is empty", "image: <name>"}}},
		{"only comments", "# nothing\n", []wantErr{{0, 0, "", "file is empty", "image: <name>"}}},
		{"null document", "~\n", []wantErr{{1, 1, "", "no keys", "image: <name>"}}},
		{"list at top", "- image: foo\n", []wantErr{{1, 1, "", "must be a mapping", "key: value"}}},
		{"scalar at top", "foo\n", []wantErr{{1, 1, "", "must be a mapping", "key: value"}}},
		{"syntax error", "image: foo\n  bad: [\n", []wantErr{{2, 0, "", "invalid YAML", "fix the YAML syntax"}}},
		{"tab indentation", "image: foo\n\tnetwork: true\n", []wantErr{{2, 0, "", "invalid YAML", "YAML syntax"}}},
		{"missing image", "org: x\n", []wantErr{{1, 1, "image", "required key is missing", "add `image: <name>`"}}},
		{"null image", "image:\n", []wantErr{{1, 7, "image", "has no value", "give it a value"}}},
		{"empty image", "image: ''\n", []wantErr{{1, 8, "image", "must not be empty", "image: getty"}}},
		{"uppercase image", "image: MyPkg\n", []wantErr{{1, 8, "image", "must be lowercase", `use "mypkg"`}}},
		{"image with tag", "image: foo:1.0\n", []wantErr{{1, 8, "image", "includes a tag", "image: foo"}}},
		{"image path with tag", "image: foo/bar:1\n", []wantErr{{1, 8, "image", "includes a tag", "image: foo/bar and set the tag"}}},
		{"image with digest", "image: foo@sha256:abc\n", []wantErr{{1, 8, "image", "includes a tag or digest", "image: foo"}}},
		{"image with registry", "image: ghcr.io/foo\n", []wantErr{{1, 8, "image", "includes a registry", "org: ghcr.io"}}},
		{"image bad chars", "image: foo_-bar\n", []wantErr{{1, 8, "image", "not a valid Docker repository path component", "lowercase letters"}}},
		{"image trailing slash", "image: foo/\n", []wantErr{{1, 8, "image", "trailing '/'", "remove"}}},
		{"image is a list", "image: [a]\n", []wantErr{{1, 8, "image", "must be a string, not a list", "single string"}}},
		{"image is bool", "image: true\n", []wantErr{{1, 8, "image", "not the boolean true", `quote it ("true")`}}},
		{"org uppercase", "image: foo\norg: Wombat\n", []wantErr{{2, 6, "org", "must be lowercase", `"wombat"`}}},
		{"org url", "image: foo\norg: https://ghcr.io/me\n", []wantErr{{2, 6, "org", "is a URL", "org: ghcr.io/me"}}},
		{"org bad port", "image: foo\norg: localhost:50a0/x\n", []wantErr{{2, 6, "org", "invalid port", "digits"}}},
		{"org bad host", "image: foo\norg: -bad.io/x\n", []wantErr{{2, 6, "org", "not a valid host name", "ghcr.io"}}},
		{"org slash", "image: foo\norg: wombat/\n", []wantErr{{2, 6, "org", "trailing '/'", "org: wombat"}}},
		{"name too long", "image: " + strings.Repeat("a", 250) + "\n", []wantErr{{1, 1, "image", "registries accept at most 255", "shorten"}}},
		{"unknown key", "image: foo\ndockerFile: X\n", []wantErr{{2, 1, "dockerFile", `unknown key "dockerFile"`, "did you mean `dockerfile`?"}}},
		{"unknown key build-args", "image: foo\nbuild-args: [A=1]\n", []wantErr{{2, 1, "build-args", "unknown key", "did you mean `buildArgs`?"}}},
		{"unknown key no suggestion", "image: foo\nzzzzzzzzzzzz: 1\n", []wantErr{{2, 1, "zzzzzzzzzzzz", "unknown key", "known keys are `image`"}}},
		{"duplicate key", "image: foo\nnetwork: true\nnetwork: false\n", []wantErr{{3, 1, "network", "duplicate key \"network\" (first set on line 2)", "remove one"}}},
		{"non-string key", "image: foo\n[a]: 1\n", []wantErr{{2, 1, "", "keys must be plain names", "plain word"}}},
		{"alias", "image: &x foo\norg: *x\n", []wantErr{{2, 6, "org", "aliases", "in full"}}},
		{"merge key", "image: foo\n<<: {org: x}\n", []wantErr{{2, 1, "", "merge keys", "in full"}}},
		{"network maybe", "image: foo\nnetwork: maybe\n", []wantErr{{2, 10, "network", `must be true or false, not the string "maybe"`, "write true or false"}}},
		{"disable-content-trust number", "image: foo\ndisable-content-trust: 1\n", []wantErr{{2, 24, "disable-content-trust", "not the number 1", "true or false"}}},
		{"arch x86_64", "image: foo\narches:\n  - amd64\n  - x86_64\n", []wantErr{{4, 5, "arches[1]", `"x86_64" is not a GOARCH name`, "use amd64 (valid: 386, amd64, arm, arm64,"}}},
		{"arch aarch64", "image: foo\narches: [aarch64]\n", []wantErr{{2, 10, "arches[0]", "not a GOARCH", "use arm64"}}},
		{"arch platform", "image: foo\narches: [linux/amd64]\n", []wantErr{{2, 10, "arches[0]", "not a GOARCH", "use amd64"}}},
		{"arch typo", "image: foo\narches: [amd46]\n", []wantErr{{2, 10, "arches[0]", "not a GOARCH", "did you mean amd64?"}}},
		{"arch wasm", "image: foo\narches: [wasm]\n", []wantErr{{2, 10, "arches[0]", "not a GOARCH", "valid:"}}},
		{"arches scalar", "image: foo\narches: amd64\n", []wantErr{{2, 9, "arches", "must be a list", "[amd64]"}}},
		{"arch not string", "image: foo\narches: [[amd64]]\n", []wantErr{{2, 10, "arches[0]", "must be a string", "single string"}}},
		{"tag parse error", "image: foo\ntag: '{{.Hash'\n", []wantErr{{2, 6, "tag", "template does not parse", "text/template"}}},
		{"tag exec error", "image: foo\ntag: '{{.Version}}'\n", []wantErr{{2, 6, "tag", "fails to execute", "{{.Hash}}"}}},
		{"tag invalid chars", "image: foo\ntag: 'v1/{{.Hash}}'\n", []wantErr{{2, 6, "tag", "not a valid Docker tag", "letters, digits"}}},
		{"tag leading dash", "image: foo\ntag: '-{{.Hash}}'\n", []wantErr{{2, 6, "tag", "not a valid Docker tag", "must not start"}}},
		{"tag too long", "image: foo\ntag: '" + strings.Repeat("x", 80) + "{{.Hash}}'\n", []wantErr{{2, 6, "tag", "Docker tags are at most 128", "shorten"}}},
		{"dockerfile absolute", "image: foo\ndockerfile: /src/Dockerfile\n", []wantErr{{2, 13, "dockerfile", "absolute path", "relative to the package"}}},
		{"dockerfile escapes", "image: foo\ndockerfile: ../Dockerfile\n", []wantErr{{2, 13, "dockerfile", "outside the package directory", "inside the package"}}},
		{"dockerfile sneaky escape", "image: foo\ndockerfile: a/../../Dockerfile\n", []wantErr{{2, 13, "dockerfile", "outside the package", "inside"}}},
		{"dockerfile dot", "image: foo\ndockerfile: .\n", []wantErr{{2, 13, "dockerfile", "package directory itself", "name a file"}}},
		{"dockerfile windows abs", "image: foo\ndockerfile: 'C:\\x\\Dockerfile'\n", []wantErr{{2, 13, "dockerfile", "absolute path", "relative"}}},
		{"extra-sources no colon", "image: foo\nextra-sources: [../vendor]\n", []wantErr{{2, 17, "extra-sources[0]", "exactly one ':', found 0", "<src>:<dst>"}}},
		{"extra-sources two colons", "image: foo\nextra-sources: ['a:b:c']\n", []wantErr{{2, 17, "extra-sources[0]", "found 2", "<src>:<dst>"}}},
		{"extra-sources windows absolute src", "image: foo\nextra-sources: ['\\\\abs:/x']\n", []wantErr{{2, 17, "extra-sources[0]", "absolute path", "relative to the package"}}},
		{"extra-sources empty src", "image: foo\nextra-sources: [':/x']\n", []wantErr{{2, 17, "extra-sources[0]", "empty source", "<src>:<dst>"}}},
		{"extra-sources empty dst", "image: foo\nextra-sources: ['../a:']\n", []wantErr{{2, 17, "extra-sources[0]", "empty destination", "/vendor"}}},
		{"extra-sources dst escapes", "image: foo\nextra-sources: ['../a:../x']\n", []wantErr{{2, 17, "extra-sources[0]", "escapes the build context", "inside the build context"}}},
		{"extra-sources dst root", "image: foo\nextra-sources: ['../a:/']\n", []wantErr{{2, 17, "extra-sources[0]", "root of the build context", "subdirectory"}}},
		{"extra-sources dup dst", "image: foo\nextra-sources:\n  - ../a:/x\n  - ../b:/x/\n", []wantErr{{4, 5, "extra-sources[1]", "already used on line 3", "own destination"}}},
		{"buildArgs no equals", "image: foo\nbuildArgs: [GOVERSION]\n", []wantErr{{2, 13, "buildArgs[0]", "not in NAME=VALUE form", "GOVERSION=<value>"}}},
		{"buildArgs bad name", "image: foo\nbuildArgs: ['1A=x']\n", []wantErr{{2, 13, "buildArgs[0]", `"1A" is not a valid build arg name`, "not starting with a digit"}}},
		{"buildArgs empty name", "image: foo\nbuildArgs: ['=x']\n", []wantErr{{2, 13, "buildArgs[0]", "empty name", "NAME=VALUE"}}},
		{"buildArgs percent without pkgs", "image: foo\nbuildArgs: ['A%=x']\n", []wantErr{{2, 13, "buildArgs[0]", "not a valid build arg name", "only allowed with @lkt:pkgs:"}}},
		{"buildArgs unknown lkt", "image: foo\nbuildArgs: ['A=@lkt:image:x']\n", []wantErr{{2, 13, "buildArgs[0]", "not a known linuxkit reference", "@lkt:pkg:<path>"}}},
		{"buildArgs pkg empty", "image: foo\nbuildArgs: ['A=@lkt:pkg:']\n", []wantErr{{2, 13, "buildArgs[0]", "empty package path", "@lkt:pkg:../base"}}},
		{"buildArgs pkgs no stem", "image: foo\nbuildArgs: ['A=@lkt:pkgs:../*']\n", []wantErr{{2, 13, "buildArgs[0]", `has no "%"`, "A_%"}}},
		{"buildArgs pkgs bad glob", "image: foo\nbuildArgs: ['A_%=@lkt:pkgs:../[a']\n", []wantErr{{2, 13, "buildArgs[0]", "not a valid glob", "brackets"}}},
		{"buildArgs duplicate", "image: foo\nbuildArgs:\n  - A=1\n  - A=2\n", []wantErr{{4, 5, "buildArgs[1]", "set twice (first on line 3)", "remove one"}}},
		{"buildArgs mapping", "image: foo\nbuildArgs:\n  A: 1\n", []wantErr{{3, 3, "buildArgs", "must be a list, not a mapping", "- item"}}},
		{"depends unknown key", "image: foo\ndepends:\n  images: {}\n", []wantErr{{3, 3, "depends.images", "unknown key", "did you mean `docker-images`?"}}},
		{"docker-images unknown key", "image: foo\ndepends:\n  docker-images:\n    target: a.tar\n    lists: []\n", []wantErr{{5, 5, "depends.docker-images.lists", "unknown key", "did you mean `list`?"}}},
		{"depends not mapping", "image: foo\ndepends: [a]\n", []wantErr{{2, 10, "depends", "must be a mapping", "key: value"}}},
		{"depends target exclusive", "image: foo\ndepends:\n  docker-images:\n    target: a.tar\n    target-dir: d\n", []wantErr{{5, 5, "depends.docker-images.target-dir", "mutually exclusive", "keep one"}}},
		{"depends list exclusive", "image: foo\ndepends:\n  docker-images:\n    target: a.tar\n    list: ['alpine@" + digest + "']\n    from-file: f\n", []wantErr{{6, 5, "depends.docker-images.from-file", "mutually exclusive", "keep one"}}},
		{"depends no target", "image: foo\ndepends:\n  docker-images:\n    list: ['alpine@" + digest + "']\n", []wantErr{{4, 5, "depends.docker-images", "no target or target-dir", "target: <file>.tar"}}},
		{"depends no digest", "image: foo\ndepends:\n  docker-images:\n    target: a.tar\n    list: [alpine:3.20]\n", []wantErr{{5, 12, "depends.docker-images.list[0]", `"alpine:3.20" lacks a digest`, "alpine:3.20@sha256:<digest>"}}},
		{"depends short digest", "image: foo\ndepends:\n  docker-images:\n    target: a.tar\n    list: ['alpine@sha256:abc']\n", []wantErr{{5, 12, "depends.docker-images.list[0]", "has 3 hex digits, want 64", "full digest"}}},
		{"depends bad algorithm", "image: foo\ndepends:\n  docker-images:\n    target: a.tar\n    list: ['alpine@md5:abc']\n", []wantErr{{5, 12, "depends.docker-images.list[0]", `"md5" is not supported`, "sha256"}}},
		{"depends uppercase digest", "image: foo\ndepends:\n  docker-images:\n    target: a.tar\n    list: ['alpine@" + strings.ToUpper(digest[:10]) + digest[10:] + "']\n", []wantErr{{5, 12, "depends.docker-images.list[0]", "not supported", "sha256"}}},
		{"depends uppercase repo", "image: foo\ndepends:\n  docker-images:\n    target: a.tar\n    list: ['Alpine@" + digest + "']\n", []wantErr{{5, 12, "depends.docker-images.list[0]", "must be lowercase", `"alpine"`}}},
		{"depends url", "image: foo\ndepends:\n  docker-images:\n    target: a.tar\n    list: ['https://x/y@" + digest + "']\n", []wantErr{{5, 12, "depends.docker-images.list[0]", "is a URL", "drop the scheme"}}},
		{"depends target escapes", "image: foo\ndepends:\n  docker-images:\n    target: ../a.tar\n", []wantErr{{4, 13, "depends.docker-images.target", "outside the package", "inside"}}},
		{"depends target-dir is package", "image: foo\ndepends:\n  docker-images:\n    target-dir: ./\n", []wantErr{{4, 17, "depends.docker-images.target-dir", "package directory itself", "name a file"}}},
		{"depends from-file absolute", "image: foo\ndepends:\n  docker-images:\n    target: a.tar\n    from-file: /etc/images\n", []wantErr{{5, 16, "depends.docker-images.from-file", "absolute path", "relative"}}},
		{"config unknown key", "image: foo\nconfig:\n  capabilites: [all]\n", []wantErr{{3, 3, "config.capabilites", `unknown key "capabilites" in config`, "did you mean `capabilities`?"}}},
		{"config wrong type", "image: foo\nconfig:\n  binds: /a:/b\n", []wantErr{{3, 10, "config.binds", "must be a list", "[/a:/b]"}}},
		{"config bool", "image: foo\nconfig:\n  readonly: \"true\"\n", []wantErr{{3, 13, "config.readonly", "must be true or false", "unquoted"}}},
		{"config int", "image: foo\nconfig:\n  oomScoreAdj: high\n", []wantErr{{3, 16, "config.oomScoreAdj", "must be an integer", "whole number"}}},
		{"config nested unknown", "image: foo\nconfig:\n  runtime:\n    mkdirs: [/x]\n", []wantErr{{4, 5, "config.runtime.mkdirs", "unknown key", "did you mean `mkdir`?"}}},
		{"config mounts unknown", "image: foo\nconfig:\n  mounts:\n    - dest: /x\n", []wantErr{{4, 7, "config.mounts[0].dest", "unknown key", "did you mean `destination`?"}}},
		{"config uid list", "image: foo\nconfig:\n  uid: [1]\n", []wantErr{{3, 8, "config.uid", "integer id or a name", "nobody"}}},
		{"config out of range", "image: foo\nconfig:\n  uidMappings:\n    - containerid: -1\n", []wantErr{{4, 20, "config.uidMappings[0].containerid", "out of range", "uint32"}}},
		{"config duplicate key", "image: foo\nconfig:\n  net: host\n  net: none\n", []wantErr{{4, 3, "config.net", "duplicate key", "remove one"}}},
		{"config sysctl key path", "image: foo\nconfig:\n  sysctl:\n    net.ipv4.ip_forward: [1]\n", []wantErr{{4, 26, `config.sysctl["net.ipv4.ip_forward"]`, "must be a string", "single string"}}},
		{"config scalar", "image: foo\nconfig: host\n", []wantErr{{2, 9, "config", "must be a mapping", "key: value"}}},
		{"gitrepo spaces", "image: foo\ngitrepo: not a url\n", []wantErr{{2, 10, "gitrepo", "not a repository URL", "https://"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(file, []byte(tc.src))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", s)
			}
			if s != nil {
				t.Errorf("Parse returned a Spec alongside an error")
			}
			checkErrors(t, err, file, tc.want)
		})
	}
}

// checkErrors asserts err holds exactly the wanted problems, each naming the
// file, line, field and a fix, in order.
func checkErrors(t *testing.T, err error, file string, want []wantErr) {
	t.Helper()
	var first *Error
	if !errors.As(err, &first) {
		t.Fatalf("errors.As found no *Error in %v", err)
	}
	got := Errors(err)
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(got), len(want), err)
	}
	for i, w := range want {
		e := got[i]
		if e.File != file || e.Line != w.line || e.Field != w.field {
			t.Errorf("error %d = %s:%d (field %q), want %s:%d (field %q): %v", i, e.File, e.Line, e.Field, file, w.line, w.field, e)
		}
		if w.col != 0 && e.Column != w.col {
			t.Errorf("error %d column = %d, want %d: %v", i, e.Column, w.col, e)
		}
		if !strings.Contains(e.Problem, w.problem) {
			t.Errorf("error %d problem %q does not contain %q", i, e.Problem, w.problem)
		}
		if e.Fix == "" || !strings.Contains(e.Fix, w.fix) {
			t.Errorf("error %d fix %q does not contain %q", i, e.Fix, w.fix)
		}
		msg := e.Error()
		if !strings.HasPrefix(msg, file) || (w.field != "" && !strings.Contains(msg, w.field+": ")) || !strings.Contains(msg, e.Fix) {
			t.Errorf("error %d message %q lacks file, field or fix", i, msg)
		}
		if w.line > 0 && !strings.Contains(msg, file+":"+strconv.Itoa(w.line)) {
			t.Errorf("error %d message %q lacks the line", i, msg)
		}
	}
}

func TestParseCollectsAllSorted(t *testing.T) {
	src := `image: Foo
arches: [x86_64, arm64, wasm]
network: maybe
dockerFile: x
config:
  net: 1
  pids: host
buildArgs: [A]
`
	_, err := Parse(file, []byte(src))
	checkErrors(t, err, file, []wantErr{
		{1, 8, "image", "lowercase", "foo"},
		{2, 10, "arches[0]", "not a GOARCH", "amd64"},
		{2, 25, "arches[2]", "not a GOARCH", "valid"},
		{3, 10, "network", "true or false", "write true or false"},
		{4, 1, "dockerFile", "unknown key", "dockerfile"},
		{7, 3, "config.pids", "unknown key", "pid"},
		{8, 13, "buildArgs[0]", "NAME=VALUE", "A=<value>"},
	})
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 7 || !strings.HasPrefix(lines[0], file+":1:8: image: ") {
		t.Errorf("joined message:\n%s", err)
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{File: "a/build.yml", Line: 4, Column: 3, Field: "arches[1]", Problem: `"x86_64" is not a GOARCH name`, Fix: "use amd64"},
			`a/build.yml:4:3: arches[1]: "x86_64" is not a GOARCH name; use amd64`},
		{Error{File: "a/build.yml", Line: 2, Problem: "invalid YAML", Fix: "fix it"}, "a/build.yml:2: invalid YAML; fix it"},
		{Error{File: "a/build.yml", Problem: "file is empty", Fix: "add image"}, "a/build.yml: file is empty; add image"},
		{Error{File: "a/build.yml", Field: "dockerfile", Problem: "missing"}, "a/build.yml: dockerfile: missing"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
	if Errors(nil) != nil {
		t.Error("Errors(nil) != nil")
	}
	// Errors sees through wrapping, as a CLI adding context would do.
	_, err := Parse(file, []byte("image: A\norg: B\n"))
	if got := Errors(fmt.Errorf("loading: %w", err)); len(got) != 2 {
		t.Errorf("Errors through %%w = %v", got)
	}
}

func TestParseErrorCap(t *testing.T) {
	src := "image: foo\narches:\n" + strings.Repeat("  - x86_64\n", 80)
	_, err := Parse(file, []byte(src))
	errs := Errors(err)
	if len(errs) != maxReported+1 {
		t.Fatalf("got %d errors", len(errs))
	}
	last := errs[maxReported]
	if last.Problem != "30 more problems not shown" || last.Line != maxReported+2 || last.Fix == "" {
		t.Errorf("summary = %v", last)
	}
}

func TestNoFarFetchedSuggestion(t *testing.T) {
	for key, want := range map[string]string{
		"a": "", "x": "", "foo": "", "netwrok": "network", "arch": "arches",
		"Image": "image", "extra_sources": "extra-sources", "buildargs": "buildArgs",
		"disable-trust": "", "disable_content_trust": "disable-content-trust",
	} {
		if got := closest(key, topKeys); got != want {
			t.Errorf("closest(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestBuildArgRef(t *testing.T) {
	for _, tc := range []struct {
		arg  BuildArg
		kind RefKind
		path string
	}{
		{BuildArg{"A", "1"}, RefNone, ""},
		{BuildArg{"A", ""}, RefNone, ""},
		{BuildArg{"A", "@lkt:pkg:../base"}, RefPkg, "../base"},
		{BuildArg{"A_%", "@lkt:pkgs:../*"}, RefPkgs, "../*"},
		{BuildArg{"A", "x@lkt:pkg:y"}, RefNone, ""},
	} {
		kind, path := tc.arg.Ref()
		if kind != tc.kind || path != tc.path {
			t.Errorf("%v.Ref() = %v, %q; want %v, %q", tc.arg, kind, path, tc.kind, tc.path)
		}
	}
	if RefPkgs.String() != "pkgs" || RefPkg.String() != "pkg" || RefNone.String() != "none" || RefKind(9).String() != "RefKind(9)" {
		t.Error("RefKind.String")
	}
	if s := (BuildArg{"A", "b=c"}).String(); s != "A=b=c" {
		t.Errorf("String() = %q", s)
	}
}

func TestValidArch(t *testing.T) {
	for _, a := range append([]string{"386", "s390x", "loong64"}, DefaultArches...) {
		if !ValidArch(a) {
			t.Errorf("ValidArch(%q) = false", a)
		}
	}
	for _, a := range []string{"", "x86_64", "AMD64", "wasm", "linux/amd64", "aarch64"} {
		if ValidArch(a) {
			t.Errorf("ValidArch(%q) = true", a)
		}
	}
}

func TestRenderTag(t *testing.T) {
	s := &Spec{Tag: "{{.Hash}}-x"}
	if got, err := s.RenderTag("h"); err != nil || got != "h-x" {
		t.Errorf("RenderTag = %q, %v", got, err)
	}
	s.Tag = "{{.Nope}}"
	if _, err := s.RenderTag("h"); err == nil {
		t.Error("RenderTag with a missing key succeeded")
	}
}

// TestLabel pins the label bytes: images built here must carry the label
// linuxkit would write for the same build.yml.
func TestLabel(t *testing.T) {
	src := `image: foo
config:
  runtime:
    mkdir: [/var/log]
  binds: [/run:/run]
  uid: 0
  pid: host
  capabilities: [all]
  rootfsPropagation: shared
  mounts:
    - type: cgroup
      options: [rw]
  resources:
    memory:
      limit: 100
  uidMappings:
    - containerid: 0
      hostid: 1000
      size: 1
  sysctl:
    b: "2"
    a: "1"
`
	s, err := Parse(file, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Config.Label()
	if err != nil {
		t.Fatal(err)
	}
	// Field order is the struct's, not the file's; maps are key-sorted;
	// runtime always carries bindNS.
	want := `{"capabilities":["all"],"mounts":[{"destination":"","type":"cgroup","options":["rw"]}],"binds":["/run:/run"],"pid":"host","uid":0,"rootfsPropagation":"shared","resources":{"memory":{"limit":100}},"sysctl":{"a":"1","b":"2"},"uidMappings":[{"containerID":0,"hostID":1000,"size":1}],"runtime":{"mkdir":["/var/log"],"bindNS":{}}}`
	if got != want {
		t.Errorf("label\ngot  %s\nwant %s", got, want)
	}
	if ConfigLabel != "org.mobyproject.config" {
		t.Error("ConfigLabel changed")
	}
	empty, _ := Parse(file, []byte("image: foo\nconfig: {}\n"))
	if l, _ := empty.Config.Label(); l != "{}" {
		t.Errorf("empty config label = %s", l)
	}
}

// samples returns the realistic packages under testdata/pkg.
func samples(t testing.TB) []string {
	dirs, err := filepath.Glob("testdata/pkg/*/build.yml")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	for i := range dirs {
		dirs[i] = filepath.Dir(dirs[i])
	}
	return dirs
}

func TestSamples(t *testing.T) {
	for _, dir := range samples(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			s, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if s.File != filepath.Join(dir, "build.yml") || s.Image != filepath.Base(dir) {
				t.Errorf("File %q Image %q", s.File, s.Image)
			}
			if s.Config != nil {
				if _, err := s.Config.Label(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	s, err := Load("testdata/pkg/containerd")
	if err != nil {
		t.Fatal(err)
	}
	c := s.Config
	if c.Runtime == nil || c.Runtime.BindNS.Net == nil || *c.Runtime.BindNS.Net != "/run/netns/containerd" ||
		c.OOMScoreAdj == nil || *c.OOMScoreAdj != -999 || c.UID == nil || *c.UID != 0 || *c.GID != "root" ||
		(*c.Mounts)[1].Destination != "/var/lib/containerd" || *c.Resources.Pids.Limit != 4096 ||
		(*c.Runtime.Interfaces)[0].CreateInRoot != true || (*c.Devices)[0].Mode != "0666" {
		t.Errorf("containerd config decoded wrongly: %+v", c)
	}
	if s.Org != "127.0.0.1:5000/wombat" || s.Dockerfile != "build/Dockerfile.containerd" || len(s.BuildArgs) != 4 {
		t.Errorf("containerd spec: %+v", s)
	}
	if k, p := s.BuildArgs[3].Ref(); k != RefPkgs || p != "../*" {
		t.Errorf("pkgs ref = %v %q", k, p)
	}
}

// pkgDir makes a package directory from name -> contents ("->target" makes
// a symlink, a trailing "/" a directory).
// Bazel's sandboxes present every input as a symlink with an absolute
// target outside the package; Load must accept them.
func TestLoadBazelSandbox(t *testing.T) {
	src := pkgDir(t, map[string]string{"build.yml": "image: foo\ndockerfile: d/Dockerfile\n", "d/Dockerfile": "FROM scratch\n"})
	box := t.TempDir()
	for _, name := range []string{"build.yml", "d/Dockerfile"} {
		p := filepath.Join(box, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(src, filepath.FromSlash(name)), p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Load(box); err != nil {
		t.Fatalf("Load(sandbox) = %v", err)
	}
}

func pkgDir(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "pkg")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		var err error
		if err = os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(name, "/"):
			err = os.MkdirAll(p, 0o755)
		case strings.HasPrefix(content, "->"):
			err = os.Symlink(content[2:], p)
		default:
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "outside"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoad(t *testing.T) {
	const digest = "sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d"
	tests := []struct {
		name  string
		files map[string]string
		want  []wantErr // for build.yml
	}{
		{"ok", map[string]string{"build.yml": "image: foo\n", "Dockerfile": "FROM scratch\n"}, nil},
		{"symlink inside ok", map[string]string{"build.yml": "image: foo\n", "real/Dockerfile": "x", "Dockerfile": "->real/Dockerfile"}, nil},
		// A missing Dockerfile is a warning (TestLoadMissingDockerfile).
		{"Dockerfile is a dir", map[string]string{"build.yml": "image: foo\n", "Dockerfile/": ""},
			[]wantErr{{0, 0, "dockerfile", "not a regular file", "point it at a file"}}},
		{"Dockerfile symlink outside", map[string]string{"build.yml": "image: foo\n", "Dockerfile": "->../outside"},
			[]wantErr{{0, 0, "dockerfile", "outside the package directory", "copy the file"}}},
		{"Dockerfile via a link that leaves and re-enters", map[string]string{"build.yml": "image: foo\n", "d/Dockerfile": "x", "Dockerfile": "->../pkg/d/Dockerfile"},
			[]wantErr{{0, 0, "dockerfile", "outside the package directory", "copy the file"}}},
		{"Dockerfile through a linked dir", map[string]string{"build.yml": "image: foo\n", "real/Dockerfile": "x", "d": "->real", "build/Dockerfile": "->../d/Dockerfile"}, nil},
		{"Dockerfile dangling", map[string]string{"build.yml": "image: foo\n", "Dockerfile": "->nowhere"},
			[]wantErr{{0, 0, "dockerfile", "does not exist", "create"}}},
		{"extra source missing", map[string]string{"build.yml": "image: foo\nextra-sources:\n  - ../nope:/x\n", "Dockerfile": "x"},
			[]wantErr{{3, 5, "extra-sources[0]", "source ../nope does not exist", "relative to the package directory"}}},
		{"extra source present", map[string]string{"build.yml": "image: foo\nextra-sources:\n  - ../outside:/x\n  - sub:/y\n", "Dockerfile": "x", "sub/": ""}, nil},
		{"from-file missing", map[string]string{"build.yml": "image: foo\ndepends:\n  docker-images:\n    target: a.tar\n    from-file: images.lst\n", "Dockerfile": "x"},
			[]wantErr{{5, 16, "depends.docker-images.from-file", "images.lst does not exist", "create images.lst"}}},
		{"from-file ok", map[string]string{"build.yml": "image: foo\ndepends:\n  docker-images:\n    target: a.tar\n    from-file: images.lst\n", "Dockerfile": "x",
			"images.lst": "# c\n\nalpine@" + digest + "\n"}, nil},
		{"parse and load errors together", map[string]string{"build.yml": "image: Foo\nextra-sources: [../nope:/x]\n", "Dockerfile/": ""},
			[]wantErr{
				{0, 0, "dockerfile", "not a regular file", "point it at a file"},
				{1, 8, "image", "lowercase", "foo"},
				{2, 17, "extra-sources[0]", "does not exist", "relative"},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := pkgDir(t, tc.files)
			if tc.name == "Dockerfile through a linked dir" {
				if err := os.WriteFile(filepath.Join(dir, "build.yml"), []byte("image: foo\ndockerfile: build/Dockerfile\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s, err := Load(dir)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if s == nil || s.Image != "foo" {
					t.Fatalf("Load = %+v", s)
				}
				return
			}
			if err == nil {
				t.Fatal("Load succeeded")
			}
			checkErrors(t, err, filepath.Join(dir, "build.yml"), tc.want)
		})
	}
}

func TestLoadFromFileErrors(t *testing.T) {
	dir := pkgDir(t, map[string]string{
		"build.yml":  "image: foo\ndepends:\n  docker-images:\n    target: a.tar\n    from-file: images.lst\n",
		"Dockerfile": "x",
		"images.lst": "# pinned\nalpine:3.20\n\n  \n",
	})
	_, err := Load(dir)
	errs := Errors(err)
	if len(errs) != 2 {
		t.Fatalf("got %v", err)
	}
	lst := filepath.Join(dir, "images.lst")
	if errs[0].File != lst || errs[0].Line != 2 || !strings.Contains(errs[0].Problem, "lacks a digest") {
		t.Errorf("first = %v", errs[0])
	}
	if errs[1].File != lst || errs[1].Line != 4 || !strings.Contains(errs[1].Problem, "empty") {
		t.Errorf("second = %v", errs[1])
	}
}

func TestLoadFile(t *testing.T) {
	dir := pkgDir(t, map[string]string{"linuxkit_build.yaml": "image: foo\n", "Dockerfile": "x"})
	s, err := LoadFile(dir, "linuxkit_build.yaml")
	if err != nil || s.File != filepath.Join(dir, "linuxkit_build.yaml") {
		t.Fatalf("LoadFile = %+v, %v", s, err)
	}
	_, err = Load(dir)
	checkErrors(t, err, filepath.Join(dir, "build.yml"), []wantErr{{0, 0, "", "no build.yml in " + dir, "check the path"}})

	unreadable := pkgDir(t, map[string]string{"build.yml/": ""})
	_, err = Load(unreadable)
	checkErrors(t, err, filepath.Join(unreadable, "build.yml"), []wantErr{{0, 0, "", "is a directory, not a regular file", "replace it with a file"}})
}

// The names follow linuxkit's TransformBuildArgValue (pkglib/buildarg.go):
// the package's org and image joined by '/', with '/' and '-' turned into
// '_' and upper-cased; nothing else is rewritten, so a Dockerfile written
// for linuxkit declares the same ARG.
func TestPkgsName(t *testing.T) {
	a := BuildArg{Name: "BASE_%", Value: "@lkt:pkgs:../*"}
	for _, tc := range []struct{ org, image, want string }{
		{"linuxkit", "foo", "BASE_LINUXKIT_FOO"},
		{"ex", "foo-bar", "BASE_EX_FOO_BAR"},
		{"my-org/team", "a.b", "BASE_MY_ORG_TEAM_A.B"},
	} {
		if got := a.PkgsName(tc.org, tc.image); got != tc.want {
			t.Errorf("PkgsName(%q, %q) = %q, want %q", tc.org, tc.image, got, tc.want)
		}
	}
}
