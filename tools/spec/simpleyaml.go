package spec

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

// decodeSimple builds, for a build.yml written in the plain block style
// nearly all of them are (key: value lines, lists of "- item" lines, nested
// mappings, no comments, anchors, flow collections, multi-line or escaped
// scalars), the node tree yaml.v3 would; spec.Parse then takes a third of
// the time and memory. It returns ok false for anything else (anchors,
// tags, directives and document markers among it), which yaml.v3 then
// decodes; the differential fuzzer FuzzDecodeSimple holds the two to the
// same tree. Gazelle parses every build.yml of a tree, and a short-lived
// process pays for each fresh page of heap it touches.
func decodeSimple(data []byte) (doc *yaml.Node, ok bool) {
	for _, c := range data {
		if (c < 0x20 || c > 0x7e) && c != '\n' {
			return nil, false // tabs, CR, control bytes, non-ASCII, BOMs
		}
		switch c {
		case '#', '[', ']', '{', '}':
			return nil, false // comments, flow collections
		}
	}
	d := &simpleDecoder{data: data}
	d.next()
	if d.eof || d.indent != 0 {
		return nil, false
	}
	root, ok := d.block(0)
	if !ok || !d.eof || root.Kind != yaml.MappingNode {
		return nil, false
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Line: root.Line, Column: root.Column, Content: []*yaml.Node{root}}, true
}

// simpleDecoder walks data line by line; line is the current non-blank
// line (1-based number lineNo) without its indentation of indent spaces.
type simpleDecoder struct {
	data   []byte
	pos    int
	eof    bool
	line   []byte
	lineNo int
	indent int
}

// next moves to the next non-blank line.
func (d *simpleDecoder) next() {
	for d.pos < len(d.data) {
		end := bytes.IndexByte(d.data[d.pos:], '\n')
		var l []byte
		if end < 0 {
			l, d.pos = d.data[d.pos:], len(d.data)
		} else {
			l, d.pos = d.data[d.pos:d.pos+end], d.pos+end+1
		}
		d.lineNo++
		trimmed := bytes.TrimLeft(l, " ")
		if len(trimmed) == 0 {
			continue
		}
		d.indent = len(l) - len(trimmed)
		d.line = bytes.TrimRight(trimmed, " ")
		return
	}
	d.eof = true
	d.line = nil
}

// block decodes the mapping or sequence whose lines start at the current
// line, indented by indent.
func (d *simpleDecoder) block(indent int) (*yaml.Node, bool) {
	if d.line[0] == '-' {
		return d.sequence(indent)
	}
	return d.mapping(indent)
}

// sequence decodes "- scalar" lines at indent.
func (d *simpleDecoder) sequence(indent int) (*yaml.Node, bool) {
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: d.lineNo, Column: indent + 1}
	for !d.eof && d.indent == indent && d.line[0] == '-' {
		if len(d.line) < 3 || d.line[1] != ' ' {
			return nil, false // "-" alone, "-x"
		}
		item := bytes.TrimLeft(d.line[2:], " ")
		n, ok := scalar(item, d.lineNo, indent+len(d.line)-len(item)+1)
		if !ok || bytes.Contains(item, []byte(": ")) || item[len(item)-1] == ':' {
			return nil, false // a mapping in a sequence
		}
		seq.Content = append(seq.Content, n)
		d.next()
		if !d.eof && d.indent > indent {
			return nil, false // a continued scalar
		}
	}
	return seq, true
}

// maxSimpleKey is the longest key taken: yaml.v3 rejects an implicit key of
// more than 1024 characters, so longer ones are left to it and its error.
const maxSimpleKey = 1000

// mapping decodes "key: value" and "key:" lines at indent, each "key:"
// followed by a block indented more (or a sequence indented as much).
func (d *simpleDecoder) mapping(indent int) (*yaml.Node, bool) {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: d.lineNo, Column: indent + 1}
	for !d.eof && d.indent == indent {
		colon := bytes.IndexByte(d.line, ':')
		if colon <= 0 || colon > maxSimpleKey {
			return nil, false
		}
		k, ok := scalar(d.line[:colon], d.lineNo, indent+1)
		if !ok || k.Style != 0 || k.Tag != "!!str" || hasKey(m, k.Value) {
			return nil, false // a quoted, non-string or repeated key
		}
		rest := d.line[colon+1:]
		var v *yaml.Node
		if len(rest) > 0 {
			value := bytes.TrimLeft(rest, " ")
			if len(value) == len(rest) || bytes.IndexByte(value, ':') >= 0 {
				return nil, false // "a:b", or a value that may hold a mapping
			}
			if v, ok = scalar(value, d.lineNo, indent+colon+1+len(rest)-len(value)+1); !ok {
				return nil, false
			}
			d.next()
			if !d.eof && d.indent > indent {
				return nil, false // a continued scalar
			}
		} else {
			d.next()
			switch {
			case !d.eof && d.indent > indent:
				v, ok = d.block(d.indent)
			case !d.eof && d.indent == indent && d.line[0] == '-':
				v, ok = d.sequence(indent)
			default:
				return nil, false // an empty value
			}
			if !ok || (!d.eof && d.indent > indent) {
				return nil, false
			}
		}
		m.Content = append(m.Content, k, v)
	}
	return m, true
}

// hasKey reports whether mapping m has the key already. A build.yml
// mapping has a few keys: a scan costs less than a set.
func hasKey(m *yaml.Node, key string) bool {
	for i := 0; i < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return true
		}
	}
	return false
}

// scalar decodes s, a whole plain, single- or double-quoted scalar on one
// line, at line and column; ok is false for any whose tag or value needs
// yaml.v3's rules (numbers, timestamps, escapes, special words).
func scalar(s []byte, line, column int) (*yaml.Node, bool) {
	if len(s) == 0 {
		return nil, false
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Line: line, Column: column}
	switch q := s[0]; q {
	case '"', '\'':
		if len(s) < 2 || s[len(s)-1] != q || bytes.IndexByte(s[1:len(s)-1], q) >= 0 || q == '"' && bytes.IndexByte(s, '\\') >= 0 {
			return nil, false
		}
		n.Style = yaml.DoubleQuotedStyle
		if q == '\'' {
			n.Style = yaml.SingleQuotedStyle
		}
		n.Value = string(s[1 : len(s)-1])
		return n, true
	}
	c := s[0]
	if s[len(s)-1] == ' ' || !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '_') ||
		bytes.Contains(s, []byte(" :")) || bytes.Contains(s, []byte(": ")) || bytes.Contains(s, []byte("  ")) {
		// Numbers, floats and timestamps start with a digit, a sign or a
		// dot; the rest of the first characters are indicators.
		return nil, false
	}
	n.Value = string(s)
	switch n.Value {
	case "true", "True", "TRUE", "false", "False", "FALSE":
		n.Tag = "!!bool"
	case "null", "Null", "NULL":
		n.Tag = "!!null"
	}
	return n, true
}
