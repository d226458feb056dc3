// Package docgen generates docs/rules.md, the reference of rules_linuxkit's public
// Starlark API, from rules/defs.bzl and the files it loads (rules/private/*.bzl): the
// symbols defs.bzl exports, the docstrings of macros, rules and providers, rule
// attributes (type, default, doc), macro arguments and provider fields. The prose that
// is not about one symbol lives in header.md and footer.md next to this file.
//
// TestRulesDocUpToDate keeps docs/rules.md in sync; `go test ./rules/docgen -update`
// rewrites it.
package docgen

import (
	_ "embed"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bazelbuild/buildtools/build"
)

//go:embed header.md
var header string

//go:embed footer.md
var footer string

// Generate renders the reference for the repository rooted at root (the directory
// holding rules/defs.bzl).
func Generate(root string) (string, error) {
	g := &generator{root: root, files: map[string]*build.File{}}
	return g.generate("rules/defs.bzl")
}

type generator struct {
	root  string
	files map[string]*build.File // repo-relative path -> parsed file
}

func (g *generator) parse(rel string) (*build.File, error) {
	if f, ok := g.files[rel]; ok {
		return f, nil
	}
	data, err := os.ReadFile(filepath.Join(g.root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	f, err := build.ParseBzl(rel, data)
	if err != nil {
		return nil, err
	}
	g.files[rel] = f
	return f, nil
}

// resolveLoad maps a load() label, relative to the file at rel, to a repo-relative path.
func resolveLoad(rel, label string) (string, error) {
	label = strings.TrimPrefix(label, "@rules_linuxkit")
	switch {
	case strings.HasPrefix(label, "//"):
		pkg, name, ok := strings.Cut(label[2:], ":")
		if !ok {
			return "", fmt.Errorf("%s: label %q has no target name", rel, label)
		}
		return path.Join(pkg, name), nil
	case strings.HasPrefix(label, ":"):
		return path.Join(path.Dir(rel), label[1:]), nil
	}
	return "", fmt.Errorf("%s: cannot resolve load of %q", rel, label)
}

// symbol is a public name of defs.bzl and where it is defined.
type symbol struct {
	name   string
	file   string // repo-relative .bzl path of the definition
	label  string // //pkg:file.bzl
	def    string // name in that file
	defn   build.Expr
	parsed *build.File
}

func (g *generator) generate(entry string) (string, error) {
	f, err := g.parse(entry)
	if err != nil {
		return "", err
	}
	type origin struct{ file, name string }
	loaded := map[string]origin{}
	var syms []*symbol
	for _, stmt := range f.Stmt {
		switch s := stmt.(type) {
		case *build.LoadStmt:
			file, err := resolveLoad(entry, s.Module.Value)
			if err != nil {
				return "", err
			}
			for i := range s.To {
				loaded[s.To[i].Name] = origin{file, s.From[i].Name}
			}
		case *build.AssignExpr:
			lhs, ok := s.LHS.(*build.Ident)
			if !ok || strings.HasPrefix(lhs.Name, "_") {
				continue
			}
			rhs, ok := s.RHS.(*build.Ident)
			if !ok {
				return "", fmt.Errorf("%s: public %s is not a loaded symbol", entry, lhs.Name)
			}
			o, ok := loaded[rhs.Name]
			if !ok {
				return "", fmt.Errorf("%s: %s = %s: %s is not loaded", entry, lhs.Name, rhs.Name, rhs.Name)
			}
			pf, err := g.parse(o.file)
			if err != nil {
				return "", err
			}
			defn := findDef(pf, o.name)
			if defn == nil {
				return "", fmt.Errorf("%s: %s not found in %s", entry, o.name, o.file)
			}
			syms = append(syms, &symbol{
				name: lhs.Name, file: o.file, def: o.name, defn: defn, parsed: pf,
				label: "//" + path.Dir(o.file) + ":" + path.Base(o.file),
			})
		}
	}

	var b strings.Builder
	names := make([]string, len(syms))
	for i, s := range syms {
		names[i] = fmt.Sprintf("%q", s.name)
	}
	fmt.Fprintf(&b, "%s", strings.ReplaceAll(header, "{{LOAD}}",
		fmt.Sprintf("load(\"@rules_linuxkit//%s\", %s)", strings.Replace(entry, "/", ":", 1), strings.Join(names, ", "))))
	for _, s := range syms {
		if err := g.render(&b, s); err != nil {
			return "", err
		}
	}
	b.WriteString(footer)
	return b.String(), nil
}

// findDef returns the top-level def or assignment of name in f.
func findDef(f *build.File, name string) build.Expr {
	for _, stmt := range f.Stmt {
		switch s := stmt.(type) {
		case *build.DefStmt:
			if s.Name == name {
				return s
			}
		case *build.AssignExpr:
			if id, ok := s.LHS.(*build.Ident); ok && id.Name == name {
				return s
			}
		}
	}
	return nil
}

func (g *generator) render(b *strings.Builder, s *symbol) error {
	fmt.Fprintf(b, "\n## %s\n\n", s.name)
	switch d := s.defn.(type) {
	case *build.DefStmt:
		return renderMacro(b, s, d)
	case *build.AssignExpr:
		if call, ok := d.RHS.(*build.CallExpr); ok {
			if fn, ok := call.X.(*build.Ident); ok {
				switch fn.Name {
				case "rule":
					return renderRule(b, s, call)
				case "provider":
					return renderProvider(b, s, call)
				}
			}
		}
		renderConstant(b, s, d)
		return nil
	}
	return fmt.Errorf("%s: unsupported definition of %s", s.file, s.def)
}

func defined(b *strings.Builder, kind string, s *symbol) {
	fmt.Fprintf(b, "%s defined in `%s`.\n\n", kind, s.label)
}

func renderMacro(b *strings.Builder, s *symbol, d *build.DefStmt) error {
	var params, sig []string
	defaults := map[string]string{}
	for _, p := range d.Params {
		switch p := p.(type) {
		case *build.Ident:
			params = append(params, p.Name)
			sig = append(sig, p.Name)
		case *build.AssignExpr:
			name := p.LHS.(*build.Ident).Name
			v := compact(resolveIdent(s.parsed, p.RHS))
			params = append(params, name)
			defaults[name] = v
			sig = append(sig, name+" = "+v)
		case *build.UnaryExpr:
			name := p.Op + p.X.(*build.Ident).Name
			params = append(params, name)
			sig = append(sig, name)
		default:
			return fmt.Errorf("%s: %s: unsupported parameter %s", s.file, d.Name, build.FormatString(p))
		}
	}
	doc := ""
	if len(d.Body) > 0 {
		if str, ok := d.Body[0].(*build.StringExpr); ok {
			doc = dedent(str.Value)
		}
	}
	body, args := splitArgs(doc)
	fmt.Fprintf(b, "```starlark\n%s\n```\n\n", wrapCall(s.name, sig))
	defined(b, "Macro", s)
	if body != "" {
		fmt.Fprintf(b, "%s\n\n", body)
	}
	b.WriteString("| argument | default | description |\n| --- | --- | --- |\n")
	for _, p := range params {
		def := "mandatory"
		if v, ok := defaults[p]; ok {
			def = "`" + v + "`"
		} else if strings.HasPrefix(p, "*") {
			def = ""
		}
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", p, cell(def), cell(args[p]))
	}
	return nil
}

// resolveIdent replaces a reference to a top-level constant of f by its value.
func resolveIdent(f *build.File, x build.Expr) build.Expr {
	if id, ok := x.(*build.Ident); ok {
		if a, ok := findDef(f, id.Name).(*build.AssignExpr); ok {
			return a.RHS
		}
	}
	return x
}

func wrapCall(name string, args []string) string {
	const width = 92
	var lines []string
	line := name + "("
	indent := strings.Repeat(" ", len(name)+1)
	for i, a := range args {
		piece := a
		if i < len(args)-1 {
			piece += ","
		} else {
			piece += ")"
		}
		if len(line)+len(piece)+1 > width && strings.TrimSpace(line) != name+"(" {
			lines = append(lines, strings.TrimRight(line, " "))
			line = indent
		}
		line += piece + " "
	}
	if len(args) == 0 {
		line += ")"
	}
	return strings.Join(append(lines, strings.TrimRight(line, " ")), "\n")
}

func kwargs(call *build.CallExpr) map[string]build.Expr {
	m := map[string]build.Expr{}
	for _, a := range call.List {
		if kv, ok := a.(*build.AssignExpr); ok {
			if id, ok := kv.LHS.(*build.Ident); ok {
				m[id.Name] = kv.RHS
			}
		}
	}
	return m
}

func docOf(x build.Expr) string {
	if str, ok := x.(*build.StringExpr); ok {
		return dedent(str.Value)
	}
	return ""
}

// attrDefaults are the defaults of attr.<type>() without default =.
var attrDefaults = map[string]string{
	"bool": "False", "int": "0", "string": `""`, "label": "None", "output": "None",
	"int_list": "[]", "string_list": "[]", "label_list": "[]", "output_list": "[]",
	"string_dict": "{}", "string_list_dict": "{}", "label_keyed_string_dict": "{}",
	"string_keyed_label_dict": "{}",
}

func renderRule(b *strings.Builder, s *symbol, call *build.CallExpr) error {
	kw := kwargs(call)
	type attr struct{ name, typ, def, doc string }
	attrs := []attr{{"name", "name", "mandatory", "A unique name for this target."}}
	if d, ok := kw["attrs"].(*build.DictExpr); ok {
		var rest []attr
		for _, kv := range d.List {
			key, ok := kv.Key.(*build.StringExpr)
			if !ok {
				return fmt.Errorf("%s: %s: attribute name is not a string", s.file, s.def)
			}
			if strings.HasPrefix(key.Value, "_") {
				continue
			}
			c, ok := kv.Value.(*build.CallExpr)
			dot, ok2 := c.X.(*build.DotExpr)
			if !ok || !ok2 {
				return fmt.Errorf("%s: %s: attribute %s is not attr.<type>(...)", s.file, s.def, key.Value)
			}
			akw := kwargs(c)
			a := attr{name: key.Value, typ: dot.Name, def: "`" + attrDefaults[dot.Name] + "`", doc: docOf(akw["doc"])}
			if v, ok := akw["default"]; ok {
				a.def = "`" + compact(v) + "`"
			}
			if v, ok := akw["mandatory"].(*build.Ident); ok && v.Name == "True" {
				a.def = "mandatory"
			}
			rest = append(rest, a)
		}
		sort.Slice(rest, func(i, j int) bool { return rest[i].name < rest[j].name })
		attrs = append(attrs, rest...)
	}
	names := make([]string, len(attrs))
	for i, a := range attrs {
		names[i] = a.name
	}
	fmt.Fprintf(b, "```starlark\n%s\n```\n\n", wrapCall(s.name, names))
	defined(b, "Rule", s)
	if doc := docOf(kw["doc"]); doc != "" {
		fmt.Fprintf(b, "%s\n\n", doc)
	}
	b.WriteString("| attribute | type | default | description |\n| --- | --- | --- | --- |\n")
	for _, a := range attrs {
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", a.name, a.typ, cell(a.def), cell(a.doc))
	}
	return nil
}

func renderProvider(b *strings.Builder, s *symbol, call *build.CallExpr) error {
	kw := kwargs(call)
	defined(b, "Provider", s)
	if doc := docOf(kw["doc"]); doc != "" {
		fmt.Fprintf(b, "%s\n\n", doc)
	}
	b.WriteString("| field | description |\n| --- | --- |\n")
	switch fields := kw["fields"].(type) {
	case *build.DictExpr:
		for _, kv := range fields.List {
			fmt.Fprintf(b, "| `%s` | %s |\n", docOf(kv.Key), cell(docOf(kv.Value)))
		}
	case *build.ListExpr:
		for _, x := range fields.List {
			fmt.Fprintf(b, "| `%s` | |\n", docOf(x))
		}
	default:
		return fmt.Errorf("%s: %s: fields is neither a dict nor a list", s.file, s.def)
	}
	return nil
}

func renderConstant(b *strings.Builder, s *symbol, a *build.AssignExpr) {
	defined(b, "Constant", s)
	var doc []string
	for _, c := range a.Comments.Before {
		doc = append(doc, strings.TrimSpace(strings.TrimPrefix(c.Token, "#")))
	}
	if len(doc) > 0 {
		fmt.Fprintf(b, "%s\n\n", strings.Join(doc, "\n"))
	}
	fmt.Fprintf(b, "```starlark\n%s = %s\n```\n", s.name, build.FormatString(a.RHS))
}

// dedent strips a docstring's common indentation (that of its lines after the first)
// and surrounding blank lines.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	indent := -1
	for _, l := range lines[1:] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " "))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i := 1; i < len(lines); i++ {
		if len(lines[i]) >= indent && indent > 0 {
			lines[i] = lines[i][indent:]
		}
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	lines[0] = strings.TrimSpace(lines[0])
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// splitArgs separates a Google-style "Args:" section from a dedented docstring and
// returns the rest and the description of each argument, joined into one line.
func splitArgs(doc string) (string, map[string]string) {
	args := map[string]string{}
	lines := strings.Split(doc, "\n")
	var body []string
	cur := ""
	in := false
	for _, l := range lines {
		if l == "Args:" {
			in = true
			continue
		}
		if in && l != "" && !strings.HasPrefix(l, " ") {
			in = false // another section
		}
		if !in {
			body = append(body, l)
			continue
		}
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		indent := len(l) - len(strings.TrimLeft(l, " "))
		if name, text, ok := strings.Cut(t, ": "); ok && indent <= 2 && !strings.Contains(name, " ") {
			cur = name
			args[cur] = text
		} else if name, ok := strings.CutSuffix(t, ":"); ok && indent <= 2 && !strings.Contains(name, " ") {
			cur = name
			args[cur] = ""
		} else if cur != "" {
			args[cur] = strings.TrimSpace(args[cur] + " " + t)
		}
	}
	return strings.TrimSpace(strings.Join(body, "\n")), args
}

// compact formats x on one line (build.FormatString may break lists over lines).
func compact(x build.Expr) string {
	join := func(xs []build.Expr) string {
		parts := make([]string, len(xs))
		for i, e := range xs {
			parts[i] = compact(e)
		}
		return strings.Join(parts, ", ")
	}
	switch x := x.(type) {
	case *build.ListExpr:
		return "[" + join(x.List) + "]"
	case *build.TupleExpr:
		return "(" + join(x.List) + ")"
	case *build.DictExpr:
		parts := make([]string, len(x.List))
		for i, kv := range x.List {
			parts[i] = compact(kv.Key) + ": " + compact(kv.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return build.FormatString(x)
}

// cell makes text fit in one markdown table cell.
func cell(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}
