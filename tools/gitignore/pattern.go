package gitignore

import (
	"bytes"
	"strings"
)

// pattern is one parsed line of a .gitignore file.
type pattern struct {
	text      string // glob, without "!" and trailing "/"; may start with "/"
	base      string // directory of the .gitignore, "" or "dir/sub/"
	negative  bool   // "!pattern": re-include
	mustBeDir bool   // "pattern/": directories only
	// noDir: no '/' in text, so it matches the basename at any depth below
	// base; otherwise it matches the path relative to base.
	noDir bool
	// literal is the length of text before its first glob character; that
	// part is compared verbatim, and the rest matched as a separate glob
	// (as git does, which matters for "**" right after the literal part).
	literal int
}

// parseLines parses .gitignore content as git does: an optional UTF-8
// BOM, LF or CRLF line ends, '#' comments, unescaped trailing spaces
// removed. base is the directory the file applies to ("" or "a/b/").
func parseLines(data []byte, base string) []pattern {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var pats []pattern
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if p, ok := parsePattern(string(line), base); ok {
			pats = append(pats, p)
		}
	}
	return pats
}

// parsePattern parses one line; ok is false for blank lines, comments and
// lines that can match nothing.
func parsePattern(line, base string) (pattern, bool) {
	if line == "" || line[0] == '#' {
		return pattern{}, false
	}
	line = strings.TrimSuffix(line, "\r")
	// git then handles the line as a C string: a NUL ends it.
	if i := strings.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	line = trimTrailingSpaces(line)
	p := pattern{base: base}
	if strings.HasPrefix(line, "!") {
		p.negative = true
		line = line[1:]
	}
	if strings.HasSuffix(line, "/") {
		p.mustBeDir = true
		line = line[:len(line)-1]
	}
	if line == "" {
		// "", "!", "/" and "!/" never match a path.
		return pattern{}, false
	}
	p.text = line
	p.noDir = strings.IndexByte(line, '/') < 0
	p.literal = strings.IndexAny(line, `*?[\`)
	if p.literal < 0 {
		p.literal = len(line)
	}
	return p, true
}

// trimTrailingSpaces removes trailing ' ' unless escaped by a backslash
// ("foo\ " keeps one space). Tabs are not trimmed.
func trimTrailingSpaces(s string) string {
	lastSpace := -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ':
			if lastSpace < 0 {
				lastSpace = i
			}
		case '\\':
			i++
			if i == len(s) {
				return s
			}
			lastSpace = -1
		default:
			lastSpace = -1
		}
	}
	if lastSpace >= 0 {
		return s[:lastSpace]
	}
	return s
}

// matches reports whether the pattern matches path (relative to the
// matcher root), whose last component is basename.
func (p *pattern) matches(path, basename string, isDir bool) bool {
	if p.mustBeDir && !isDir {
		return false
	}
	if p.noDir {
		return wildmatch(p.text, basename, false)
	}
	// The pattern is relative to its .gitignore's directory; a leading
	// '/' only anchors it there (it already contains a slash).
	text, lit := p.text, p.literal
	if text[0] == '/' {
		text, lit = text[1:], lit-1
	}
	if !strings.HasPrefix(path, p.base) || len(path) == len(p.base) {
		return false
	}
	name := path[len(p.base):]
	if lit > 0 {
		if lit > len(name) || name[:lit] != text[:lit] {
			return false
		}
		text, name = text[lit:], name[lit:]
		if text == "" && name == "" {
			return true
		}
	}
	return wildmatch(text, name, true)
}
