package gazelle

import (
	"flag"
	"fmt"
	"log"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/rule"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// Directives understood by this extension. See README.md.
const (
	// enabledDirective turns generation on or off for a subtree.
	enabledDirective = "linuxkit_enabled"
	// orgDirective names the org the tree is built under (lkpkg --org), for
	// resolving FROM lines that use it.
	orgDirective = "linuxkit_org"
	// archesDirective are the arches the tree is meant for; build.ymls that
	// leave arches out are reported.
	archesDirective = "linuxkit_default_arches"
)

// lkConfig is the per-directory configuration, inherited by subdirectories.
type lkConfig struct {
	enabled bool
	// org is the org the tree is built under with lkpkg --org: packages
	// are also indexed under it ("" for none).
	org string
	// arches are the arches the tree is meant for: build.ymls without arches
	// (which means all of spec.DefaultArches) are reported (nil for none).
	arches []string
	// inScope is true in and below a package directory or an extra-sources
	// directory: Bazel packages there export their files as linuxkit_srcs.
	inScope bool
	// parentInScope is inScope of the parent directory.
	parentInScope bool
}

func getConfig(c *config.Config) *lkConfig {
	if lc, ok := c.Exts[languageName].(*lkConfig); ok {
		return lc
	}
	return &lkConfig{enabled: true}
}

func (lc *lkConfig) clone() *lkConfig {
	n := *lc
	return &n
}

// RegisterFlags implements config.Configurer.
func (*lkLang) RegisterFlags(fs *flag.FlagSet, cmd string, c *config.Config) {
	c.Exts[languageName] = &lkConfig{enabled: true}
}

// CheckFlags implements config.Configurer.
func (l *lkLang) CheckFlags(fs *flag.FlagSet, c *config.Config) error {
	// Gazelle's own -exclude (walk.Configurer), read for the prescan.
	if f := fs.Lookup("exclude"); f != nil {
		l.cliExcludes = f.Value.String()
	}
	return nil
}

// KnownDirectives implements config.Configurer.
func (*lkLang) KnownDirectives() []string {
	return []string{enabledDirective, orgDirective, archesDirective}
}

// Configure implements config.Configurer. It runs in every directory before
// its subdirectories.
func (l *lkLang) Configure(c *config.Config, rel string, f *rule.File) {
	if rel == "" {
		// The first directory of a walk: find every package up front.
		l.prescan(c)
	}
	lc := getConfig(c).clone()
	c.Exts[languageName] = lc
	if path.Base(rel) == "testdata" {
		// As for the go command, testdata holds test inputs (sample
		// packages, golden trees), not packages to build. A directive in
		// its BUILD file can turn generation back on.
		lc.enabled = false
	}
	if f != nil {
		for _, d := range f.Directives {
			switch d.Key {
			case enabledDirective:
				b, err := strconv.ParseBool(strings.TrimSpace(d.Value))
				if err != nil {
					log.Printf("%s: # gazelle:%s %s: want true or false", f.Path, d.Key, d.Value)
					continue
				}
				lc.enabled = b
			case orgDirective:
				v := strings.TrimSpace(d.Value)
				if v != "" {
					if _, err := spec.Parse("gazelle:"+orgDirective, fmt.Appendf(nil, "image: x\norg: %q\n", v)); err != nil {
						log.Printf("%s: # gazelle:%s %s: not a valid org: %v", f.Path, d.Key, d.Value, err)
						continue
					}
				}
				lc.org = v
			case archesDirective:
				v := strings.TrimSpace(d.Value)
				if v == "" {
					lc.arches = nil
					continue
				}
				arches := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
				bad := false
				for _, a := range arches {
					if !spec.ValidArch(a) {
						log.Printf("%s: # gazelle:%s %s: %q is not a GOARCH with a linux port", f.Path, d.Key, d.Value, a)
						bad = true
					}
				}
				if !bad {
					lc.arches = slices.Compact(arches)
				}
			}
		}
	}
	lc.parentInScope = lc.inScope
	if l.isScopeRoot(rel) {
		lc.inScope = true
	}
}
