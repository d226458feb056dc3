// Package gazelle is a Gazelle language extension for LinuxKit packages.
//
// In every directory holding a build.yml it generates a linuxkit_pkg target
// whose attributes mirror build.yml, whose srcs are the files the package
// hash covers (the directory's git tree, exported across Bazel package
// boundaries by generated "linuxkit_srcs" filegroups) and whose deps are the
// in-repo packages its Dockerfile builds FROM or COPYs --from, and those its
// @lkt:pkg: / @lkt:pkgs: build args name.
//
// Add it to a gazelle_binary after the other languages:
//
//	gazelle_binary(
//	    name = "gazelle_bin",
//	    languages = DEFAULT_LANGUAGES + ["@rules_linuxkit//gazelle"],
//	)
package gazelle

import (
	"sync"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/language"
	"github.com/bazelbuild/bazel-gazelle/rule"
	"github.com/rules-linuxkit/rules_linuxkit/tools/gitignore"
)

const languageName = "linuxkit"

// lkLang holds the state of one Gazelle run.
type lkLang struct {
	language.BaseLifecycleManager

	// cliExcludes is the value of Gazelle's -exclude flag.
	cliExcludes string

	// Filled by prescan, read-only afterwards.
	scanned bool
	pkgs    map[string]*pkgInfo // package directories (with a build.yml)
	// extraDirs are directories named by some package's extra-sources;
	// they get a linuxkit_srcs filegroup.
	extraDirs map[string]bool
	ignore    *gitignore.Matcher
	// dependsRepos maps the images MODULE.bazel's linuxkit.depends_image
	// tags name to their labels (depends.go); moduleErr is why it could
	// not be read.
	dependsRepos map[string]string
	moduleErr    error

	mu sync.Mutex
	// bazelPkgs records, for directories already generated, whether they
	// are (or are about to become) Bazel packages.
	bazelPkgs map[string]bool
	// srcsDirs are directories given a linuxkit_srcs filegroup.
	srcsDirs map[string]bool
}

// NewLanguage returns the LinuxKit language extension.
func NewLanguage() language.Language {
	return &lkLang{}
}

// Name implements resolve.Resolver.
func (*lkLang) Name() string { return languageName }

// Fix implements language.Language; there is nothing to fix.
func (*lkLang) Fix(c *config.Config, f *rule.File) {}

// DoneGeneratingRules releases what generation needed.
func (l *lkLang) DoneGeneratingRules() {
	for _, p := range l.pkgs {
		p.df = nil
	}
}

var (
	_ language.Language            = (*lkLang)(nil)
	_ language.ModuleAwareLanguage = (*lkLang)(nil)
	_ language.FinishableLanguage  = (*lkLang)(nil)
)
