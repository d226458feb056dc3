package gazelle

import (
	"github.com/bazelbuild/bazel-gazelle/rule"
	bzl "github.com/bazelbuild/buildtools/build"
)

const (
	pkgKind = "linuxkit_pkg"
	// srcsKind/srcsName is the filegroup exporting a Bazel package's files
	// to the linuxkit_pkg of an enclosing package directory (or to one that
	// names it in extra-sources).
	srcsKind = "filegroup"
	srcsName = "linuxkit_srcs"

	defaultModule = "rules_linuxkit"
	defsBzl       = "//rules:defs.bzl"
)

// pkgAttrs are the linuxkit_pkg attributes Gazelle owns; a "# keep" comment
// on one (or on the rule) leaves it to the user. Only what Bazel needs at
// analysis time is generated: the files, and from build.yml the arches (one
// action each) and the extra sources (their files are inputs); the actions
// read every other field from build.yml. depends_images holds the labels
// MODULE.bazel's linuxkit.depends_image tags give build.yml's depends
// images (depends.go).
var pkgAttrs = []string{"srcs", "build_yml", "arches", "extra_srcs", "depends_images"}

// deprecatedAttrs are the attributes older versions copied from build.yml
// fields (attribute, field). The macro still accepts and ignores them; being
// mergeable and never generated, Gazelle deletes them on the next run.
var deprecatedAttrs = [][2]string{
	{"image", "image"}, {"org", "org"}, {"tag", "tag"}, {"dockerfile", "dockerfile"},
	{"network", "network"}, {"disable_cache", "disable-cache"},
	{"disable_content_trust", "disable-content-trust"}, {"build_args", "buildArgs"},
}

func deprecatedNames() []string {
	var names []string
	for _, d := range deprecatedAttrs {
		names = append(names, d[0])
	}
	return names
}

var kinds = map[string]rule.KindInfo{
	pkgKind: {
		// One linuxkit_pkg per directory: match it whatever its name.
		MatchAny:       true,
		NonEmptyAttrs:  map[string]bool{"srcs": true, "extra_srcs": true},
		MergeableAttrs: setOf(append(pkgAttrs, deprecatedNames()...)...),
		ResolveAttrs:   map[string]bool{"deps": true},
	},
	srcsKind: {
		NonEmptyAttrs:  map[string]bool{"srcs": true},
		MergeableAttrs: map[string]bool{"srcs": true},
	},
}

func setOf(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[x] = true
	}
	return m
}

// Kinds implements language.Language.
func (*lkLang) Kinds() map[string]rule.KindInfo { return kinds }

// Loads implements language.Language (for WORKSPACE-era Gazelle).
func (*lkLang) Loads() []rule.LoadInfo {
	return []rule.LoadInfo{{Name: "@" + defaultModule + defsBzl, Symbols: []string{pkgKind}}}
}

// ApparentLoads implements language.ModuleAwareLanguage.
func (*lkLang) ApparentLoads(moduleToApparentName func(string) string) []rule.LoadInfo {
	repo := moduleToApparentName(defaultModule)
	if repo == "" {
		repo = defaultModule
	}
	return []rule.LoadInfo{{Name: "@" + repo + defsBzl, Symbols: []string{pkgKind}}}
}

// archesValue is the arches attribute for build.yml's arches. An empty
// list (arches: [] or no value: the package has no arches) is noArches:
// rule.UnsortedStrings merges [] with an existing [] into a nil list, which
// Gazelle then writes as a nil expression and crashes on.
func archesValue(arches []string) any {
	if len(arches) == 0 {
		return noArches{}
	}
	return rule.UnsortedStrings(arches)
}

// noArches is arches = [], replacing whatever the BUILD file had.
type noArches struct{}

func (noArches) BzlExpr() bzl.Expr       { return &bzl.ListExpr{} }
func (noArches) Merge(bzl.Expr) bzl.Expr { return &bzl.ListExpr{} }
