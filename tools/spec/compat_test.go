package spec

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// lkInfo has the shape of the build.yml keys linuxkit's pkglib decodes
// (pkgInfo in pkglib.go), with NewPkgInfo's defaults applied by
// lkDecode. Decoding with yaml.v3 and KnownFields, as NewFromConfig does,
// is the oracle: whatever it accepts, Parse must accept with the same
// values.
type lkInfo struct {
	Image        string    `yaml:"image"`
	Org          string    `yaml:"org"`
	Tag          string    `yaml:"tag,omitempty"`
	Dockerfile   string    `yaml:"dockerfile"`
	Arches       []string  `yaml:"arches"`
	ExtraSources []string  `yaml:"extra-sources"`
	GitRepo      string    `yaml:"gitrepo"`
	Network      bool      `yaml:"network"`
	DisableCache bool      `yaml:"disable-cache"`
	Config       *struct{} `yaml:"config"`
	BuildArgs    *[]string `yaml:"buildArgs,omitempty"`
	Depends      struct {
		DockerImages struct {
			TargetDir string   `yaml:"target-dir"`
			Target    string   `yaml:"target"`
			FromFile  string   `yaml:"from-file"`
			List      []string `yaml:"list"`
		} `yaml:"docker-images"`
	} `yaml:"depends"`
}

func lkDecode(t *testing.T, src string) lkInfo {
	t.Helper()
	pi := lkInfo{Org: "linuxkit", Arches: []string{"amd64", "arm64", "riscv64"}, Tag: "{{.Hash}}", Dockerfile: "Dockerfile"}
	dec := yaml.NewDecoder(bytes.NewReader([]byte(src)))
	dec.KnownFields(true)
	if err := dec.Decode(&pi); err != nil {
		t.Fatalf("linuxkit's decoding refuses %q: %v", src, err)
	}
	if pi.Tag == "" { // NewFromConfig's fallback
		pi.Tag = "{{.Hash}}"
	}
	return pi
}

// TestLinuxkitAccepts: shapes linuxkit's yaml decoding accepts parse, with
// linuxkit's values, and a warning on the field where lkpkg would rather
// see them written otherwise.
func TestLinuxkitAccepts(t *testing.T) {
	tests := []struct {
		name, src string
		warn      string // field warned about; "" for none expected
		warnText  string // substring of the warning's problem
	}{
		{"arches null", "image: foo\narches:\n", "arches", "no arches"},
		{"arches empty list", "image: foo\narches: []\n", "arches", "no arches"},
		{"org null", "image: foo\norg:\n", "org", "has no value"},
		{"org empty string", "image: foo\norg: ''\n", "org", "empty"},
		{"tag null", "image: foo\ntag:\n", "tag", "has no value"},
		{"tag empty string", "image: foo\ntag: \"\"\n", "tag", "empty"},
		{"config null", "image: foo\nconfig:\n", "config", "has no value"},
		{"buildArgs null", "image: foo\nbuildArgs:\n", "buildArgs", "has no value"},
		{"buildArgs empty", "image: foo\nbuildArgs: []\n", "", ""},
		{"dockerfile null", "image: foo\ndockerfile:\n", "dockerfile", "has no value"},
		{"gitrepo null", "image: foo\ngitrepo:\n", "gitrepo", "has no value"},
		{"extra-sources null", "image: foo\nextra-sources:\n", "extra-sources", "has no value"},
		{"depends null", "image: foo\ndepends:\n", "depends", "has no value"},
		{"network null", "image: foo\nnetwork:\n", "network", "has no value"},
		{"network yes", "image: foo\nnetwork: yes\n", "network", "YAML 1.1"},
		{"network On", "image: foo\nnetwork: On\n", "network", "YAML 1.1"},
		{"network y", "image: foo\nnetwork: y\n", "network", "YAML 1.1"},
		{"network quoted YES", "image: foo\nnetwork: \"YES\"\n", "network", "YAML 1.1"},
		{"network True", "image: foo\nnetwork: True\n", "", ""},
		{"disable-cache off", "image: foo\ndisable-cache: off\n", "disable-cache", "YAML 1.1"},
		{"disable-cache NO", "image: foo\ndisable-cache: NO\n", "disable-cache", "YAML 1.1"},
		{"disable-cache Off", "image: foo\ndisable-cache: Off\n", "disable-cache", "YAML 1.1"},
		{"arches duplicate", "image: foo\narches: [arm64, amd64, arm64]\n", "arches[2]", "listed twice"},
		{"two documents", "image: foo\n---\nimage: bar\n", "", "more than one YAML document"},
		// TransformBuildArgValue (pkglib/buildarg.go) takes a path starting
		// with '/' as is; linuxkit's own tests write such paths.
		{"buildArgs pkg absolute", "image: foo\nbuildArgs: ['A=@lkt:pkg:/abs/pkg']\n", "buildArgs[0]", "absolute path"},
		{"buildArgs pkgs absolute", "image: foo\nbuildArgs: ['A_%=@lkt:pkgs:/abs/*']\n", "buildArgs[0]", "absolute path"},
		// linuxkit copies an absolute extra source as is and hashes it with
		// its own repository's git (pkglib's sourceHashes).
		{"extra-sources absolute src", "image: foo\nextra-sources: ['/abs:/x']\n", "extra-sources[0]", "absolute path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := lkDecode(t, tt.src)
			s, err := Parse(file, []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse refuses what linuxkit accepts:\n%v", err)
			}
			if s.Image != want.Image || s.Org != want.Org || s.Network != want.Network || s.DisableCache != want.DisableCache {
				t.Errorf("got image %q org %q network %v disable-cache %v; linuxkit: %q %q %v %v",
					s.Image, s.Org, s.Network, s.DisableCache, want.Image, want.Org, want.Network, want.DisableCache)
			}
			if s.Tag != want.Tag || s.Dockerfile != want.Dockerfile {
				t.Errorf("tag %q dockerfile %q; linuxkit: %q %q", s.Tag, s.Dockerfile, want.Tag, want.Dockerfile)
			}
			// Arches as a set: a duplicate is built once.
			if !reflect.DeepEqual(uniq(want.Arches), uniq(s.Arches)) {
				t.Errorf("arches %v; linuxkit: %v", s.Arches, want.Arches)
			}
			if s.NoArches() != (len(want.Arches) == 0) {
				t.Errorf("NoArches() = %v with arches %v", s.NoArches(), want.Arches)
			}
			if tt.warnText == "" {
				if len(s.Warnings) != 0 {
					t.Errorf("unexpected warnings: %v", s.Warnings)
				}
				return
			}
			if len(s.Warnings) != 1 {
				t.Fatalf("want one warning on %q, got %v", tt.warn, s.Warnings)
			}
			w := s.Warnings[0]
			if w.File != file || w.Field != tt.warn || !strings.Contains(w.Problem, tt.warnText) || w.Fix == "" || w.Line == 0 {
				t.Errorf("warning %#v: want field %q, problem containing %q, a fix and a line", w, tt.warn, tt.warnText)
			}
		})
	}
}

func uniq(a []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, x := range a {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// TestLinuxkitRefuses: where linuxkit's decoding refuses, Parse refuses
// too (unknown keys: NewFromConfig decodes with KnownFields(true)).
func TestLinuxkitRefuses(t *testing.T) {
	for _, src := range []string{
		"image: foo\nnetwrk: true\n",
		"image: foo\nnetwork: oFF\n",
		"image: foo\nnetwork: 1\n",
		"image: foo\nnetwork: \"true\"\n",
		"image: foo\nimage: bar\n",
		"image:\n",
	} {
		pi := lkInfo{}
		dec := yaml.NewDecoder(strings.NewReader(src))
		dec.KnownFields(true)
		lkErr := dec.Decode(&pi)
		if lkErr == nil && pi.Image != "" {
			t.Fatalf("oracle accepts %q; the case belongs in TestLinuxkitAccepts", src)
		}
		if _, err := Parse(file, []byte(src)); err == nil {
			t.Errorf("Parse accepts %q, which linuxkit refuses", src)
		}
	}
}

// TestConfigYAML11Bool: config's booleans take the YAML 1.1 words too,
// as yaml.v3 decodes them into linuxkit's ImageConfig.
func TestConfigYAML11Bool(t *testing.T) {
	s, err := Parse(file, []byte("image: foo\nconfig:\n  readonly: yes\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Config == nil || s.Config.Readonly == nil || !*s.Config.Readonly {
		t.Fatalf("config.readonly: %+v", s.Config)
	}
	if len(s.Warnings) != 1 || s.Warnings[0].Field != "config.readonly" || !strings.Contains(s.Warnings[0].Problem, "YAML 1.1") {
		t.Errorf("warnings: %v", s.Warnings)
	}
}

// TestLoadMissingDockerfile: linuxkit's show-tag never reads the
// Dockerfile, so Load accepts a package without one, with a warning, and
// CheckDockerfile gives the error a build reports.
func TestLoadMissingDockerfile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "build.yml"), []byte("image: foo\ndockerfile: build/Dockerfile\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatalf("Load refuses a package without its Dockerfile: %v", err)
	}
	if len(s.Warnings) != 1 || s.Warnings[0].Field != "dockerfile" {
		t.Fatalf("warnings: %v", s.Warnings)
	}
	err = s.CheckDockerfile()
	if err == nil {
		t.Fatal("CheckDockerfile: no error for a missing Dockerfile")
	}
	for _, want := range []string{filepath.Join(dir, "build.yml") + ":2:", "dockerfile", "build/Dockerfile does not exist", "create build/Dockerfile"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "build", "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err = Load(dir); err != nil || len(s.Warnings) != 0 || s.CheckDockerfile() != nil {
		t.Fatalf("with the Dockerfile: %v, warnings %v", err, s.Warnings)
	}
}

// TestOrgSet tells build.yml's org from the default, for LINUXKIT_PKG_ORG.
func TestOrgSet(t *testing.T) {
	for src, want := range map[string]bool{
		"image: foo\n":              false,
		"image: foo\norg:\n":        false,
		"image: foo\norg: wombat\n": true,
		"image: foo\norg: ''\n":     true,
	} {
		s, err := Parse(file, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if s.OrgSet != want {
			t.Errorf("%q: OrgSet = %v", src, s.OrgSet)
		}
	}
}
