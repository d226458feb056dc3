package gazelle

import (
	"bytes"
	"log"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/bazelbuild/bazel-gazelle/language"
	"github.com/bazelbuild/bazel-gazelle/rule"
	"github.com/bazelbuild/bazel-gazelle/walk"
	bzl "github.com/bazelbuild/buildtools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/graph"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// GenerateRules implements language.Language. Gazelle calls it in each
// directory after its subdirectories.
func (l *lkLang) GenerateRules(args language.GenerateArgs) language.GenerateResult {
	var res language.GenerateResult
	lc := getConfig(args.Config)
	if !lc.enabled {
		return res
	}
	if !l.scanned {
		l.prescan(args.Config)
	}
	rel := args.Rel
	p := l.pkgs[rel]

	// The linuxkit_pkg.
	var pkgRule *rule.Rule
	switch {
	case p == nil:
		if old := findRule(args.File, pkgKind, ""); old != nil {
			e := rule.NewRule(pkgKind, baseName(args))
			clearAttrs(e, old, "srcs", "extra_srcs")
			res.Empty = append(res.Empty, e)
		}
	case p.err != nil:
		// Leave an existing target alone; report once, naming the file.
		log.Printf("linuxkit: %s: invalid build.yml, target not updated:\n%s", path.Join(rel, spec.DefaultBuildYML), indent(p.err.Error()))
	default:
		var imports []string
		pkgRule, imports = l.pkgRule(args, lc, p)
		res.Gen = append(res.Gen, pkgRule)
		res.Imports = append(res.Imports, imports)
	}

	// Is this directory a Bazel package once Gazelle is done?
	isPkg := args.File != nil || len(args.OtherGen) > 0 || pkgRule != nil || (lc.inScope && l.extraDirs[rel])
	wantSrcs := lc.inScope && isPkg && (lc.parentInScope || l.extraDirs[rel])
	if lc.inScope {
		l.bazelPkgs[rel] = isPkg
	}
	if wantSrcs {
		fg := rule.NewRule(srcsKind, srcsName)
		fg.SetAttr("srcs", srcsValue{l.srcsExpr(args.Config.RepoRoot, rel)})
		fg.SetAttr("visibility", []string{"//visibility:public"})
		res.Gen = append(res.Gen, fg)
		res.Imports = append(res.Imports, nil)
		l.srcsDirs[rel] = true
	} else if old := findRule(args.File, srcsKind, srcsName); old != nil {
		e := rule.NewRule(srcsKind, srcsName)
		clearAttrs(e, old, "srcs")
		res.Empty = append(res.Empty, e)
	}
	if pkgRule != nil {
		pkgRule.SetAttr("srcs", srcsValue{l.srcsExpr(args.Config.RepoRoot, rel)})
		if old := findRule(args.File, pkgKind, ""); old != nil {
			clearAttrs(pkgRule, old, "extra_srcs")
			warnKeptDeprecated(args, old)
		}
	}
	return res
}

// warnKeptDeprecated reports the deprecated attributes that "# keep" saves
// from deletion: the rule ignores them, so what they say is not what is built.
func warnKeptDeprecated(args language.GenerateArgs, old *rule.Rule) {
	for _, d := range deprecatedAttrs {
		if old.Attr(d[0]) != nil && (old.ShouldKeep() || attrKept(old, d[0])) {
			log.Printf("linuxkit: %s: %s is kept (# keep) but ignored: lkpkg uses %s's %s; delete the attribute, or change build.yml",
				path.Join(args.Rel, path.Base(args.File.Path)), d[0], path.Join(args.Rel, spec.DefaultBuildYML), d[1])
		}
	}
}

func baseName(args language.GenerateArgs) string {
	if args.Rel == "" {
		// The repository root: name the target after the directory.
		return filepath.Base(args.Config.RepoRoot)
	}
	return path.Base(args.Rel)
}

// pkgName is the linuxkit_pkg's name: the directory's, so that
// //path/to/pkg builds it, unless another rule (a go_binary of a Go command
// in the package directory, say) already has that name; then <name>_pkg.
func pkgName(args language.GenerateArgs) string {
	name := baseName(args)
	taken := func(rs []*rule.Rule) bool {
		for _, r := range rs {
			if r.Name() == name && r.Kind() != pkgKind {
				return true
			}
		}
		return false
	}
	if taken(args.OtherGen) || (args.File != nil && taken(args.File.Rules)) {
		return name + "_pkg"
	}
	return name
}

// findRule returns f's rule of kind (named name, if not ""), or nil.
func findRule(f *rule.File, kind, name string) *rule.Rule {
	if f == nil {
		return nil
	}
	for _, r := range f.Rules {
		if r.Kind() == kind && (name == "" || r.Name() == name) {
			return r
		}
	}
	return nil
}

// clearAttrs deletes old's attributes attrs (but for their "# keep"
// parts) that r does not set. Gazelle's merger cannot clear glob or dict
// expressions by itself, so this edits the existing rule before merging.
func clearAttrs(r, old *rule.Rule, attrs ...string) {
	if old.ShouldKeep() {
		return
	}
	for _, a := range attrs {
		e := old.Attr(a)
		if r.Attr(a) != nil || e == nil || attrKept(old, a) {
			continue
		}
		if kept := (clearValue{}).Merge(e); kept != nil {
			old.SetAttr(a, kept)
		} else {
			old.DelAttr(a)
		}
	}
}

// attrKept reports whether attribute a of r is marked "# keep".
func attrKept(r *rule.Rule, a string) bool {
	if rule.ShouldKeep(r.Attr(a)) {
		return true
	}
	if c := r.AttrComments(a); c != nil {
		for _, cs := range [][]bzl.Comment{c.Before, c.Suffix, c.After} {
			for _, x := range cs {
				if t := strings.TrimSpace(strings.TrimPrefix(x.Token, "#")); t == "keep" || strings.HasPrefix(t, "keep:") || strings.HasPrefix(t, "keep ") {
					return true
				}
			}
		}
	}
	return false
}

// clearValue computes what is left of an expression once cleared: its list
// elements and dict entries marked "# keep", or nil.
type clearValue struct{}

func (clearValue) Merge(other bzl.Expr) bzl.Expr {
	if d, ok := other.(*bzl.DictExpr); ok {
		kept := &bzl.DictExpr{ForceMultiLine: true}
		for _, kv := range d.List {
			if rule.ShouldKeep(kv) {
				kept.List = append(kept.List, kv)
			}
		}
		if len(kept.List) > 0 {
			return kept
		}
		return nil
	}
	if kept := keptElements(other); len(kept) > 0 {
		return &bzl.ListExpr{List: kept, ForceMultiLine: true}
	}
	return nil
}

func indent(s string) string {
	return "\t" + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n\t")
}

// pkgRule builds the linuxkit_pkg for package p, and the imports Resolve
// turns into deps.
func (l *lkLang) pkgRule(args language.GenerateArgs, lc *lkConfig, p *pkgInfo) (*rule.Rule, []string) {
	s := p.spec
	r := rule.NewRule(pkgKind, pkgName(args))
	// Other packages' targets depend on it. Not a mergeable attribute: a
	// visibility the user sets is left alone.
	r.SetAttr("visibility", []string{"//visibility:public"})

	// Only what analysis needs is copied from build.yml (the rule checks it
	// against build.yml); the actions read the rest from build.yml.
	if !slices.Equal(s.Arches, spec.DefaultArches) {
		r.SetAttr("arches", archesValue(s.Arches))
	}
	if lc.arches != nil && !p.hasArches && !slices.Equal(lc.arches, s.Arches) {
		log.Printf("linuxkit: %s: no arches, so built for %s, not for this tree's %s (# gazelle:%s); write the arches in build.yml",
			path.Join(p.rel, spec.DefaultBuildYML), strings.Join(s.Arches, ", "), strings.Join(lc.arches, ", "), archesDirective)
	}
	if len(s.ExtraSources) > 0 {
		extra := map[string]string{}
		for _, es := range s.ExtraSources {
			if path.IsAbs(es.Src) {
				// The CLI takes it as linuxkit does; no action can declare it.
				log.Printf("linuxkit: %s: extra-sources %s:%s is an absolute path, which a Bazel action cannot declare as an input: make it relative to %s", path.Join(p.rel, spec.DefaultBuildYML), es.Src, es.Dst, p.rel)
				continue
			}
			lbl, ok := l.extraLabel(args.Config.RepoRoot, p.rel, es.Src)
			if !ok {
				log.Printf("linuxkit: %s: extra-sources %s:%s is outside the repository; it cannot be a Bazel input", path.Join(p.rel, spec.DefaultBuildYML), es.Src, es.Dst)
				continue
			}
			if prev, dup := extra[lbl]; dup {
				log.Printf("linuxkit: %s: extra-sources %s:%s and %s both use %s; only the first is recorded", path.Join(p.rel, spec.DefaultBuildYML), es.Src, es.Dst, prev, lbl)
				continue
			}
			extra[lbl] = es.Src + ":" + es.Dst
		}
		if len(extra) > 0 {
			r.SetAttr("extra_srcs", dictValue(extra))
		}
	}
	l.setDependsImages(args, r, p)
	return r, l.imports(p)
}

// extraLabel is the label standing for an extra source's files.
func (l *lkLang) extraLabel(root, rel, src string) (string, bool) {
	d, ok := extraDir(root, rel, src)
	if !ok {
		return "", false
	}
	if full := path.Join(rel, src); full != d {
		// A file: its label in the package made for its directory.
		return "//" + d + ":" + path.Base(full), true
	}
	return "//" + d + ":" + srcsName, true
}

// topLevelKey matches a top-level YAML key at the start of a line.
var topLevelKey = regexp.MustCompile(`(?m)^["']?(org|arches)["']?\s*:`)

// topKeys reports whether build.yml's text sets org and arches.
func topKeys(data []byte) (hasOrg, hasArches bool) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		// A flow mapping: look for the keys anywhere.
		return bytes.Contains(data, []byte("org")), bytes.Contains(data, []byte("arches"))
	}
	for _, m := range topLevelKey.FindAllSubmatch(data, -1) {
		switch string(m[1]) {
		case "org":
			hasOrg = true
		case "arches":
			hasArches = true
		}
	}
	return
}

// srcsExpr is glob(["**"], exclude = <git-ignored paths>) plus the
// linuxkit_srcs filegroups of the Bazel packages below rel that the glob
// cannot see into.
func (l *lkLang) srcsExpr(root, rel string) bzl.Expr {
	var excludes, labels []string
	var visit func(dir, prefix string)
	visit = func(dir, prefix string) {
		di, err := walk.GetDirInfo(dir)
		if err != nil {
			return
		}
		for _, f := range di.RegularFiles {
			if l.ignored(path.Join(dir, f), false) {
				excludes = append(excludes, prefix+f)
			}
		}
		for _, s := range di.Subdirs {
			sub := path.Join(dir, s)
			if l.ignored(sub, true) {
				excludes = append(excludes, prefix+s+"/**")
				continue
			}
			if l.isBazelPkg(sub) {
				if l.srcsDirs[sub] {
					labels = append(labels, "//"+sub+":"+srcsName)
				} else {
					log.Printf("linuxkit: %s is a Bazel package without a %s filegroup (is linuxkit disabled there?); its files are missing from //%s's srcs", sub, srcsName, rel)
				}
				continue
			}
			visit(sub, prefix+s+"/")
		}
	}
	visit(rel, "")
	sort.Strings(excludes)
	sort.Strings(labels)
	var e bzl.Expr = rule.GlobValue{Patterns: []string{"**"}, Excludes: excludes}.BzlExpr()
	if len(labels) > 0 {
		e = &bzl.BinaryExpr{X: e, Op: "+", Y: rule.ExprFromValue(labels)}
	}
	return e
}

// isBazelPkg reports whether the directory rel (below a package) is a Bazel
// package: as generated in this run, or else as found on disk.
func (l *lkLang) isBazelPkg(rel string) bool {
	if b, ok := l.bazelPkgs[rel]; ok {
		return b
	}
	di, err := walk.GetDirInfo(rel)
	return err == nil && di.File != nil
}

// srcsValue is a srcs expression. It replaces what is there, keeping only
// list elements the user marked "# keep".
type srcsValue struct{ e bzl.Expr }

func (v srcsValue) BzlExpr() bzl.Expr { return v.e }

func (v srcsValue) Merge(other bzl.Expr) bzl.Expr {
	kept := keptElements(other)
	if len(kept) == 0 {
		return v.e
	}
	return &bzl.BinaryExpr{X: v.e, Op: "+", Y: &bzl.ListExpr{List: kept, ForceMultiLine: true}}
}

// keptElements returns the "# keep" elements of the lists in e.
func keptElements(e bzl.Expr) []bzl.Expr {
	var out []bzl.Expr
	var visit func(e bzl.Expr)
	visit = func(e bzl.Expr) {
		switch x := e.(type) {
		case *bzl.ListExpr:
			for _, el := range x.List {
				if rule.ShouldKeep(el) {
					out = append(out, el)
				}
			}
		case *bzl.BinaryExpr:
			visit(x.X)
			visit(x.Y)
		}
	}
	visit(e)
	return out
}

// dictValue is a string dict; it replaces what is there, keeping entries
// the user marked "# keep".
type dictValue map[string]string

func (d dictValue) BzlExpr() bzl.Expr {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dict := &bzl.DictExpr{ForceMultiLine: len(keys) > 1}
	for _, k := range keys {
		dict.List = append(dict.List, &bzl.KeyValueExpr{Key: &bzl.StringExpr{Value: k}, Value: &bzl.StringExpr{Value: d[k]}})
	}
	return dict
}

func (d dictValue) Merge(other bzl.Expr) bzl.Expr {
	out := d.BzlExpr().(*bzl.DictExpr)
	if od, ok := other.(*bzl.DictExpr); ok {
		for _, kv := range od.List {
			k, ok := kv.Key.(*bzl.StringExpr)
			if !ok || !rule.ShouldKeep(kv) {
				continue
			}
			if _, gen := d[k.Value]; gen {
				continue
			}
			out.List = append(out.List, kv)
		}
	}
	return out
}

// imports returns what p's target depends on, as Resolve's import strings:
// "dir:<rel>" for packages named by @lkt: build args, "img:<name>" for
// images named by FROM and --from.
func (l *lkLang) imports(p *pkgInfo) []string {
	var imps []string
	file := path.Join(p.rel, spec.DefaultBuildYML)
	// Build arg values as the Dockerfile sees them: a package reference
	// becomes "@lkt:pkg:<repo-relative dir>".
	env := map[string]string{}
	for _, a := range p.spec.BuildArgs {
		kind, ref := a.Ref()
		if a.RefIsAbs() {
			// linuxkit takes the path as is; no Bazel target can depend on it.
			log.Printf("linuxkit: %s: buildArgs %s: %s is an absolute path, which a Bazel action cannot declare as an input: make it relative to %s", file, a.Name, ref, p.rel)
			continue
		}
		switch kind {
		case spec.RefNone:
			env[a.Name] = a.Value
		case spec.RefPkg:
			d := path.Join(p.rel, ref)
			if d == ".." || strings.HasPrefix(d, "../") {
				log.Printf("linuxkit: %s: buildArgs %s: %s is outside the repository", file, a.Name, ref)
				continue
			}
			imps = append(imps, "dir:"+d)
			env[a.Name] = lktPkg + d
		case spec.RefPkgs:
			dirs, err := graph.PkgsGlob(filepath.Join(rootOf(p), filepath.FromSlash(p.rel)), ref)
			if err != nil {
				log.Printf("linuxkit: %s: buildArgs %s: %v", file, a.Name, err)
				continue
			}
			for _, abs := range dirs {
				r, err := filepath.Rel(rootOf(p), abs)
				if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
					continue
				}
				d := filepath.ToSlash(r)
				if d == "." {
					d = ""
				}
				imps = append(imps, "dir:"+d)
				if q := l.pkgs[d]; q != nil && q.spec != nil {
					env[a.PkgsName(q.spec.Org, q.spec.Image)] = lktPkg + d
				}
			}
		}
	}
	if p.dfErr != nil {
		log.Printf("linuxkit: %v; deps from FROM and --from not resolved", p.dfErr)
	} else if p.df != nil {
		imps = append(imps, dfImages(p.df, env)...)
	}
	slices.Sort(imps)
	return slices.Compact(imps)
}

// rootOf is the repository root p was loaded from.
func rootOf(p *pkgInfo) string { return p.root }

const lktPkg = "@lkt:pkg:"

var (
	_ rule.Merger = srcsValue{}
	_ rule.Merger = dictValue{}
)
