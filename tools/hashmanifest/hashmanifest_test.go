package hashmanifest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// linuxkitShape is the struct linuxkit's HashManifest marshals
// (pkglib/hashmanifest.go): the bytes lkpkg writes must be the bytes
// yaml.v3 writes for it, so that either tool reads the other's files.
type linuxkitShape struct {
	Tag      string `yaml:"tag"`
	BuildYML string `yaml:"build-yml"`
	Arch     string `yaml:"arch,omitempty"`
	Deps     []struct {
		Path string `yaml:"path"`
		Tag  string `yaml:"tag"`
	} `yaml:"deps,omitempty"`
}

func TestMarshalIsLinuxkitsFormat(t *testing.T) {
	for _, f := range []File{
		{Tag: "linuxkit/foo:abc", BuildYML: "build.yml"},
		{Tag: "wombat/zfs:0123", BuildYML: "build-2.3.yml", Arch: "arm64",
			Deps: []Dep{{Path: "pkg/alpine", Tag: "lfedge/eve-alpine:1"}, {Path: "../x", Tag: "a/b:c"}}},
	} {
		var l linuxkitShape
		l.Tag, l.BuildYML, l.Arch = f.Tag, f.BuildYML, f.Arch
		for _, d := range f.Deps {
			l.Deps = append(l.Deps, struct {
				Path string `yaml:"path"`
				Tag  string `yaml:"tag"`
			}{d.Path, d.Tag})
		}
		want, err := yaml.Marshal(&l)
		if err != nil {
			t.Fatal(err)
		}
		got := Marshal(f)
		if string(got) != string(want) {
			t.Errorf("Marshal(%+v) =\n%s\nwant (yaml.v3 of linuxkit's struct)\n%s", f, got, want)
		}
		back, err := Parse("x.hash", got)
		if err != nil {
			t.Fatal(err)
		}
		if string(Marshal(*back)) != string(got) {
			t.Errorf("round trip changed %+v to %+v", f, *back)
		}
	}
}

func TestParse(t *testing.T) {
	// What linuxkit's yaml.Unmarshal accepts: unknown keys ignored, an
	// empty file is a manifest without a tag.
	for in, want := range map[string]File{
		"":                                    {},
		"tag: a/b:c\nbuild-yml: build.yml\n":  {Tag: "a/b:c", BuildYML: "build.yml"},
		"tag: a/b:c\nfuture-field: [1, 2]\n":  {Tag: "a/b:c"},
		"tag: ~\n":                            {},
		"deps:\n  - path: p\n    tag: t\n":    {Deps: []Dep{{Path: "p", Tag: "t"}}},
		"tag: 'a/b:c'\narch: amd64\n---\nx\n": {Tag: "a/b:c", Arch: "amd64"},
	} {
		got, err := Parse("m.hash", []byte(in))
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if string(Marshal(*got)) != string(Marshal(want)) {
			t.Errorf("Parse(%q) = %+v, want %+v", in, *got, want)
		}
	}
	// A bad manifest: the error names the file, the line, the field and
	// the fix.
	for in, want := range map[string][]string{
		"tag: [a]\n":                  {"m.hash:1", "tag", "update-hashes"},
		"build-yml: {a: b}\n":         {"m.hash:1", "build-yml"},
		"tag: a\ntag: b\n":            {"m.hash:2", "tag", "defined"},
		"- tag: a\n":                  {"m.hash:1", "mapping"},
		"tag: a\ndeps: x\n":           {"m.hash:2", "deps"},
		"deps:\n  - path: [1]\n":      {"m.hash:2", "deps[0].path"},
		"deps:\n  - x\n":              {"m.hash:2", "deps[0]"},
		"tag: \"\\n\"\n":              {"m.hash:1", "tag", "control character"},
		"deps:\n  - tag: \"a\\tb\"\n": {"m.hash:2", "deps[0].tag", "control character"},
		"tag: a\n\tbuild-yml: b\n":    {"m.hash", "YAML"},
		"tag: &x a\nbuild-yml: *x\n":  {"m.hash:2", "build-yml", "alias"},
	} {
		_, err := Parse("m.hash", []byte(in))
		if err == nil {
			t.Errorf("Parse(%q) succeeded", in)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Parse(%q) = %q, want it to name %q", in, err, w)
			}
		}
	}
}

func TestPath(t *testing.T) {
	// One file per package, named after the directory's last element,
	// as linuxkit's readHashManifest names it.
	if got, want := PathFor("/h", "/src/pkg/alpine"), filepath.Join("/h", "alpine.hash"); got != want {
		t.Errorf("PathFor = %s, want %s", got, want)
	}
}

func TestReadMissing(t *testing.T) {
	m, err := Read(t.TempDir(), "/src/pkg/none")
	if m != nil || err != nil {
		t.Errorf("Read of a missing manifest = %v, %v; want nil, nil", m, err)
	}
}

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hashes")
	f := File{Tag: "a/b:1", BuildYML: "build.yml", Arch: "amd64"}
	changed, err := Write(dir, "/src/pkg/b", f)
	if err != nil || !changed {
		t.Fatalf("first Write = %v, %v", changed, err)
	}
	file := filepath.Join(dir, "b.hash")
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	// A written manifest is older than any source, so make rebuilds.
	if !st.ModTime().Equal(time.Unix(0, 0)) {
		t.Errorf("mtime of a written manifest = %v, want the epoch", st.ModTime())
	}
	if got, _ := os.ReadFile(file); string(got) != string(Marshal(f)) {
		t.Errorf("content = %q", got)
	}
	// make's recipe touches it after building; an unchanged manifest keeps
	// that time, even if only its deps differ (linuxkit's manifestMatch).
	now := time.Now().Truncate(time.Second)
	if err := os.Chtimes(file, now, now); err != nil {
		t.Fatal(err)
	}
	same := f
	same.Deps = []Dep{{Path: "x", Tag: "y"}}
	if changed, err := Write(dir, "/src/pkg/b", same); err != nil || changed {
		t.Errorf("Write of a matching manifest = %v, %v; want unchanged", changed, err)
	}
	// No arch matches any arch: files from before arch was recorded stay.
	noArch := f
	noArch.Arch = ""
	if changed, err := Write(dir, "/src/pkg/b", noArch); err != nil || changed {
		t.Errorf("Write without arch = %v, %v; want unchanged", changed, err)
	}
	if st, _ := os.Stat(file); !st.ModTime().Equal(now) {
		t.Errorf("an unchanged manifest was touched: %v", st.ModTime())
	}
	other := f
	other.Tag = "a/b:2"
	if changed, err := Write(dir, "/src/pkg/b", other); err != nil || !changed {
		t.Errorf("Write of a new tag = %v, %v", changed, err)
	}
	if m, err := Read(dir, "/src/pkg/b"); err != nil || m.Tag != "a/b:2" {
		t.Errorf("Read after Write = %+v, %v", m, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("hash dir holds %d entries, want only b.hash (no temporary files left)", len(entries))
	}
}

// lkpkg never replaces a file it cannot read as a manifest: it may be
// someone's file in a hash dir given by mistake.
func TestWriteRefusesForeignFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "b.hash")
	if err := os.WriteFile(file, []byte("tag: [not, a, manifest]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Write(dir, "/src/b", File{Tag: "a/b:1", BuildYML: "build.yml"})
	if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "remove") {
		t.Fatalf("Write over a foreign file: %v", err)
	}
	var pe *Error
	if !errors.As(err, &pe) || pe.Line != 1 {
		t.Errorf("error %v is not a positioned *Error", err)
	}
	if got, _ := os.ReadFile(file); string(got) != "tag: [not, a, manifest]\n" {
		t.Errorf("foreign file changed to %q", got)
	}
}
