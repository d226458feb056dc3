package gazelle

import (
	"log"
	"slices"
	"strings"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/label"
	"github.com/bazelbuild/bazel-gazelle/repo"
	"github.com/bazelbuild/bazel-gazelle/resolve"
	"github.com/bazelbuild/bazel-gazelle/rule"
)

// Imports implements resolve.Resolver: a linuxkit_pkg is found by its
// image name (org/image as its build.yml says, normalized:
// docker.io/org/image) and by its directory.
func (l *lkLang) Imports(c *config.Config, r *rule.Rule, f *rule.File) []resolve.ImportSpec {
	if r.Kind() != pkgKind {
		return nil
	}
	specs := []resolve.ImportSpec{{Lang: languageName, Imp: "dir:" + f.Pkg}}
	p := l.pkgs[f.Pkg]
	if p == nil || p.spec == nil {
		// No build.yml, or an invalid one (reported by GenerateRules).
		return specs
	}
	image, org := p.spec.Image, p.spec.Org
	if n := normalizeImage(org + "/" + image); n != "" {
		specs = append(specs, resolve.ImportSpec{Lang: languageName, Imp: "img:" + n})
	}
	// # gazelle:linuxkit_org: the name the package has when this tree is
	// built with lkpkg --org.
	if alias := getConfig(c).org; alias != "" && alias != org {
		if n := normalizeImage(alias + "/" + image); n != "" {
			specs = append(specs, resolve.ImportSpec{Lang: languageName, Imp: "img:" + n})
		}
	}
	return specs
}

// Embeds implements resolve.Resolver.
func (*lkLang) Embeds(r *rule.Rule, from label.Label) []label.Label { return nil }

// Resolve implements resolve.Resolver: imports that name another package of
// the repository become deps; other images stay external.
func (*lkLang) Resolve(c *config.Config, ix *resolve.RuleIndex, rc *repo.RemoteCache, r *rule.Rule, imports interface{}, from label.Label) {
	imps, _ := imports.([]string)
	var deps []string
	seen := map[string]bool{}
	for _, imp := range imps {
		is := resolve.ImportSpec{Lang: languageName, Imp: imp}
		var l label.Label
		if o, ok := resolve.FindRuleWithOverride(c, is, languageName); ok {
			l = o
		} else {
			var found []label.Label
			for _, m := range ix.FindRulesByImportWithConfig(c, is, languageName) {
				if !m.IsSelfImport(from) {
					found = append(found, m.Label)
				}
			}
			switch {
			case len(found) == 0:
				if d, ok := strings.CutPrefix(imp, "dir:"); ok {
					log.Printf("linuxkit: %s: a build arg refers to %s, which has no linuxkit_pkg", from, d)
				}
				continue
			case len(found) > 1:
				var s []string
				for _, f := range found {
					s = append(s, f.String())
				}
				log.Printf("linuxkit: %s: %s is built by several targets (%s); using the first", from, strings.TrimPrefix(imp, "img:"), strings.Join(s, ", "))
			}
			l = found[0]
		}
		if l == label.NoLabel || l.Equal(from) {
			continue
		}
		s := l.Rel(from.Repo, from.Pkg).String()
		if !seen[s] {
			seen[s] = true
			deps = append(deps, s)
		}
	}
	if len(deps) == 0 {
		r.DelAttr("deps")
		return
	}
	slices.Sort(deps)
	r.SetAttr("deps", deps)
}
