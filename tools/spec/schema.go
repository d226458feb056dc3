package spec

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// The config section mirrors a large Go type tree (linuxkit's ImageConfig
// and the OCI runtime types). Rather than hand-write a checker for each of
// its dozens of fields, checkNode walks the YAML node tree alongside the Go
// type, deriving the known keys from yaml tags exactly as yaml.v3 does, so
// unknown keys, duplicates and type mismatches get a line, a column and a
// field path, and the checker cannot drift from the types.

// structKeys maps each yaml key of a struct type to its field type.
type structKeys struct {
	types map[string]reflect.Type
	names []string // sorted, for suggestions
}

var structKeysCache sync.Map // reflect.Type -> *structKeys

func keysOf(t reflect.Type) *structKeys {
	if v, ok := structKeysCache.Load(t); ok {
		return v.(*structKeys)
	}
	sk := &structKeys{types: map[string]reflect.Type{}}
	var add func(reflect.Type)
	add = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() && !f.Anonymous {
				continue
			}
			tag := f.Tag.Get("yaml")
			if tag == "-" {
				continue
			}
			name, flags, _ := strings.Cut(tag, ",")
			if strings.Contains(","+flags+",", ",inline,") {
				ft := f.Type
				for ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				add(ft)
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name) // yaml.v3's default key
			}
			sk.types[name] = f.Type
			sk.names = append(sk.names, name)
		}
	}
	add(t)
	sort.Strings(sk.names)
	v, _ := structKeysCache.LoadOrStore(t, sk)
	return v.(*structKeys)
}

var anyType = reflect.TypeOf((*any)(nil)).Elem()

// checkNode reports every way n does not fit type t, recursively.
func checkNode(p *problems, n *yaml.Node, t reflect.Type, field string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pos := position{n.Line, n.Column}
	if n.Kind == yaml.AliasNode {
		p.addf(pos, field, "write the value out in full", "YAML aliases (*%s) are not supported in build.yml", n.Value)
		return
	}
	if isNull(n) {
		return // yaml leaves the zero value, which is what linuxkit gets too
	}
	switch t.Kind() {
	case reflect.Struct:
		if !expectKind(p, n, yaml.MappingNode, field, "a mapping of keys to values") {
			return
		}
		sk := keysOf(t)
		forEachKey(p, n, field, func(key string, k, v *yaml.Node) {
			ft, ok := sk.types[key]
			if !ok {
				unknownKey(p, k, field, key, sk.names)
				return
			}
			checkNode(p, v, ft, joinField(field, key))
		})
	case reflect.Map:
		if !expectKind(p, n, yaml.MappingNode, field, "a mapping of keys to values") {
			return
		}
		forEachKey(p, n, field, func(key string, _, v *yaml.Node) {
			checkNode(p, v, t.Elem(), joinField(field, key))
		})
	case reflect.Slice:
		if !expectKind(p, n, yaml.SequenceNode, field, "a list") {
			return
		}
		for i, item := range n.Content {
			checkNode(p, item, t.Elem(), fmt.Sprintf("%s[%d]", field, i))
		}
	case reflect.Interface:
		// Only uid, gid and additionalGids are untyped: linuxkit takes a
		// number or a user/group name there.
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!str") {
			p.addf(pos, field, "give a number such as 1000 or a name such as nobody", "must be an integer id or a name, not %s", describe(n))
		}
	case reflect.Bool:
		if _, ok := yaml11Bool(p, n, field); ok {
			return
		}
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			p.addf(pos, field, "write true or false (unquoted)", "must be true or false, not %s", describe(n))
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			p.addf(pos, field, "give a single string value", "must be a string, not %s", describe(n))
		} else if n.Tag == "!!bool" {
			p.addf(pos, field, fmt.Sprintf("quote it (%q) if you mean the string", n.Value), "must be a string, not the boolean %s", n.Value)
		} else if n.Tag != "!!str" && n.Tag != "!!int" && n.Tag != "!!float" {
			p.addf(pos, field, "quote the value", "must be a string, not %s", describe(n))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			p.addf(pos, field, "write a whole number, unquoted", "must be an integer, not %s", describe(n))
			return
		}
		v := reflect.New(t)
		if err := n.Decode(v.Interface()); err != nil {
			p.addf(pos, field, fmt.Sprintf("use a value that fits in %s", t.Kind()), "%s is out of range", n.Value)
		}
	default:
		// Not reached with the current types; decode and report if it fails.
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			p.addf(pos, field, "check the value's type", "%s", strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n  "))
		}
	}
}

// forEachKey iterates a mapping's entries, reporting non-string keys,
// duplicate keys and aliases, and calling fn for the rest.
func forEachKey(p *problems, n *yaml.Node, field string, fn func(key string, k, v *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "<<" && k.Tag == "!!merge" {
			p.add(k.Line, k.Column, field, "YAML merge keys (<<) are not supported in build.yml", "write the keys out in full")
			continue
		}
		if k.Kind != yaml.ScalarNode || (k.Tag != "!!str" && k.Tag != "!!int" && k.Tag != "!!float" && k.Tag != "!!bool") {
			p.add(k.Line, k.Column, field, fmt.Sprintf("keys must be plain names, not %s", describe(k)), "write the key as a plain word")
			continue
		}
		if line, dup := seen[k.Value]; dup {
			p.add(k.Line, k.Column, joinField(field, k.Value), fmt.Sprintf("duplicate key %q (first set on line %d)", k.Value, line), "remove one of them")
			continue
		}
		seen[k.Value] = k.Line
		fn(k.Value, k, v)
	}
}

func unknownKey(p *problems, k *yaml.Node, field, key string, known []string) {
	fix := "remove it; known keys are " + quoteList(known)
	if c := closest(key, known); c != "" {
		fix = fmt.Sprintf("did you mean `%s`?", c)
	}
	where := "build.yml"
	if field != "" {
		where = field
	}
	p.add(k.Line, k.Column, joinField(field, key), fmt.Sprintf("unknown key %q in %s", key, where), fix)
}

// expectKind reports a mismatch between n's kind and want.
func expectKind(p *problems, n *yaml.Node, want yaml.Kind, field, wantDesc string) bool {
	if n.Kind == want {
		return true
	}
	fix := "write " + wantDesc
	switch want {
	case yaml.SequenceNode:
		fix = "write a list, one `- item` per line or [a, b]"
		if n.Kind == yaml.ScalarNode {
			fix = fmt.Sprintf("write a list, e.g. [%s]", n.Value)
		}
	case yaml.MappingNode:
		fix = "write indented `key: value` lines under it"
	}
	p.addf(position{n.Line, n.Column}, field, fix, "must be %s, not %s", wantDesc, describe(n))
	return false
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe names what a node is, for "must be X, not Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:37] + "..."
	}
	switch n.Tag {
	case "!!null":
		return "empty (null)"
	case "!!bool":
		return "the boolean " + v
	case "!!int":
		return "the number " + v
	case "!!float":
		return "the number " + v
	case "!!str":
		return "the string " + strconv.Quote(v)
	}
	return fmt.Sprintf("a %s value %q", n.Tag, v)
}

// joinField appends a key to a field path, quoting keys that would make the
// path ambiguous (sysctl names contain dots).
func joinField(field, key string) string {
	if key == "" || strings.ContainsAny(key, ".[]\" \t\n") {
		return fmt.Sprintf("%s[%q]", field, key)
	}
	if field == "" {
		return key
	}
	return field + "." + key
}
