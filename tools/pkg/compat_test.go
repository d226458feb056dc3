package pkg

import (
	"path/filepath"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
)

// compatPackages are build.yml shapes linuxkit accepts that lkpkg once
// refused, each with the org/image linuxkit's Pkg.Tag names it by.
var compatPackages = []struct{ dir, buildYML, image string }{
	{"noarches", "image: noarches\narches:\n", "linuxkit/noarches"},
	{"emptyarches", "image: emptyarches\narches: []\n", "linuxkit/emptyarches"},
	{"nullorg", "image: nullorg\norg:\nconfig:\nbuildArgs:\n", "linuxkit/nullorg"},
	{"emptyorg", "image: emptyorg\norg: ''\n", "/emptyorg"},
	{"emptytag", "image: emptytag\norg: wombat\ntag: \"\"\n", "wombat/emptytag"},
	{"yes", "image: yes\nnetwork: yes\ndisable-cache: Off\n", "linuxkit/yes"},
	{"twodocs", "image: twodocs\n---\nimage: other\n", "linuxkit/twodocs"},
	{"nodockerfile", "image: nodockerfile\n", "linuxkit/nodockerfile"},
}

func compatRepo(t *testing.T) string {
	t.Helper()
	gittest.Need(t)
	root := t.TempDir()
	gittest.Git(t, root, "init", "-q")
	for _, c := range compatPackages {
		writeFile(t, filepath.Join(root, c.dir, "build.yml"), c.buildYML)
		if c.dir != "nodockerfile" {
			writeFile(t, filepath.Join(root, c.dir, "Dockerfile"), "FROM scratch\n")
		}
	}
	gittest.Commit(t, root, "packages linuxkit accepts")
	return root
}

// TestLoadLinuxkitShapes: each package loads and is tagged with the git
// tree hash of its directory, as linuxkit tags it.
func TestLoadLinuxkitShapes(t *testing.T) {
	root := compatRepo(t)
	for _, c := range compatPackages {
		t.Run(c.dir, func(t *testing.T) {
			p, err := Load(filepath.Join(root, c.dir), Options{})
			if err != nil {
				t.Fatalf("Load refuses what linuxkit accepts: %v", err)
			}
			want := c.image + ":" + gittest.Git(t, root, "rev-parse", "HEAD:"+c.dir)
			if p.Ref() != want {
				t.Errorf("Ref() = %q, want %q", p.Ref(), want)
			}
			if len(p.Spec.Warnings) == 0 {
				t.Error("no warning")
			}
			noArches := c.dir == "noarches" || c.dir == "emptyarches"
			if p.Spec.NoArches() != noArches {
				t.Errorf("NoArches() = %v", p.Spec.NoArches())
			}
			if (p.Spec.CheckDockerfile() != nil) != (c.dir == "nodockerfile") {
				t.Errorf("CheckDockerfile() = %v", p.Spec.CheckDockerfile())
			}
		})
	}
}

// TestDefaultOrg: $LINUXKIT_PKG_ORG (Options.DefaultOrg) replaces only the
// built-in default; build.yml's org and --org win over it.
func TestDefaultOrg(t *testing.T) {
	root := compatRepo(t)
	tests := []struct {
		dir  string
		o    Options
		want string
	}{
		{"nullorg", Options{DefaultOrg: "env"}, "env/nullorg"},               // org: with no value is no org
		{"emptytag", Options{DefaultOrg: "env"}, "wombat/emptytag"},          // build.yml's org wins
		{"emptyorg", Options{DefaultOrg: "env"}, "/emptyorg"},                // org: '' is an org, as linuxkit reads it
		{"nullorg", Options{DefaultOrg: "env", Org: "flag"}, "flag/nullorg"}, // --org wins
		{"emptytag", Options{DefaultOrg: "env", Org: "flag"}, "flag/emptytag"},
	}
	for _, tt := range tests {
		p, err := Load(filepath.Join(root, tt.dir), tt.o)
		if err != nil {
			t.Fatal(err)
		}
		want := tt.want + ":" + gittest.Git(t, root, "rev-parse", "HEAD:"+tt.dir)
		if p.Ref() != want {
			t.Errorf("%s with %+v: Ref() = %q, want %q", tt.dir, tt.o, p.Ref(), want)
		}
	}
}
