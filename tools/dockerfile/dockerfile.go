// Package dockerfile reads what a Dockerfile says about the images it is
// built from: the global ARGs, and per stage its FROM image, --platform,
// name, and the --from of its COPY and RUN --mount instructions. It follows
// BuildKit's parser (parser directives, the escape token, line
// continuations, comments, heredocs, case-insensitive keywords) without
// depending on BuildKit, so that tools which only need these facts (the
// Gazelle extension) do not link BuildKit and containerd.
package dockerfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// File is what a Dockerfile says about its images. Values are as written:
// ARG references are not expanded (see Expand).
type File struct {
	// Escape is the escape token: '\\', or '`' when set by a directive.
	Escape rune
	// MetaArgs are the ARGs before the first FROM, in order.
	MetaArgs []Arg
	Stages   []Stage
}

// Arg is one name of an ARG instruction.
type Arg struct {
	Key string
	// Value is the default, quotes and references unprocessed; HasValue
	// tells "ARG X=" from "ARG X".
	Value    string
	HasValue bool
}

// Stage is one FROM and what follows it.
type Stage struct {
	Name     string // lower case, "" if unnamed
	Base     string // the image
	Platform string // --platform, "" if none
	// Froms are the --from values of COPY and of RUN --mount, in order.
	Froms []string
	// Line is the FROM's line number (from 1).
	Line int
}

// Error is a Dockerfile that cannot be read, worded as BuildKit words it.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("dockerfile parse error on line %d: %s", e.Line, e.Msg)
}

var (
	directiveRe = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`)
	stageNameRe = regexp.MustCompile(`^[a-z][a-z0-9-_.]*$`)
	heredocRe   = regexp.MustCompile(`^(\d*)<<(-?)\s*([^<]*)$`)
)

// flags each instruction we read accepts: true for those that take a value.
var knownFlags = map[string]map[string]bool{
	"from": {"platform": true},
	"copy": {"chown": true, "from": true, "chmod": true, "link": false, "exclude": true, "parents": false},
	"run":  {"mount": true, "network": true, "security": true, "device": true},
}

// multiFlags may be given more than once.
var multiFlags = map[string]bool{"exclude": true, "mount": true, "device": true}

// Parse reads a Dockerfile. Instructions other than ARG, FROM, COPY and
// RUN are skipped unchecked (BuildKit rejects some that Parse accepts).
func Parse(data []byte) (*File, error) {
	f := &File{Escape: '\\'}
	lines := splitLines(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	directives := true
	seen := map[string]bool{}
	for i := 0; i < len(lines); i++ {
		raw := trimNewline(lines[i])
		line := bytes.TrimLeftFunc(raw, unicode.IsSpace)
		if directives {
			k, v, ok := directive(line)
			if !ok {
				directives = false
			} else {
				if seen[k] {
					return nil, &Error{i, fmt.Sprintf("only one %s parser directive can be used", k)}
				}
				seen[k] = true
				if k == "escape" {
					if v != "`" && v != `\` {
						return nil, &Error{i, fmt.Sprintf("invalid escape token '%s' does not match ` or \\", v)}
					}
					f.Escape = rune(v[0])
				}
			}
		}
		if isComment(line) {
			continue
		}
		start := i + 1
		var buf strings.Builder
		cont := false
		line, cont = f.trimContinuation(line)
		buf.Write(line)
		for cont && i+1 < len(lines) {
			i++
			next := trimNewline(lines[i])
			if isComment(next) || len(bytes.TrimLeftFunc(next, unicode.IsSpace)) == 0 {
				continue
			}
			next, cont = f.trimContinuation(next)
			buf.Write(next)
		}
		text := buf.String()
		if strings.TrimSpace(text) == "" {
			continue
		}
		cmd, flags, args, err := splitCommand(text, f.Escape)
		if err != nil {
			return nil, &Error{start, err.Error()}
		}
		if hd := heredocCmd(cmd, args, f.Escape); hd && strings.Contains(text, "<<") {
			n, err := skipHeredocs(text, lines[i+1:])
			if err != nil {
				return nil, &Error{start, err.Error()}
			}
			i += n
		}
		if err := f.add(cmd, flags, args, start); err != nil {
			return nil, &Error{start, err.Error()}
		}
	}
	if len(f.Stages) == 0 && !hasInstruction(data) {
		return nil, &Error{len(lines), "file with no instructions"}
	}
	return f, nil
}

// add records one instruction.
func (f *File) add(cmd string, flags []string, args string, line int) error {
	known, ok := knownFlags[cmd]
	if !ok && cmd != "arg" {
		return nil
	}
	// vals is read only, and nil for no flags. BuildKit drops ARG's flags
	// unchecked.
	var vals map[string][]string
	if cmd != "arg" {
		var err error
		if vals, err = parseFlags(known, flags); err != nil {
			return err
		}
	}
	switch cmd {
	case "arg":
		words := parseWords(args, f.Escape)
		if len(words) == 0 {
			return fmt.Errorf("ARG requires at least one argument")
		}
		var as []Arg
		for _, w := range words {
			k, v, has := strings.Cut(w, "=")
			as = append(as, Arg{Key: k, Value: v, HasValue: has})
		}
		if len(f.Stages) == 0 {
			f.MetaArgs = append(f.MetaArgs, as...)
		}
	case "from":
		words := strings.Fields(args)
		st := Stage{Line: line}
		switch {
		case len(words) == 3 && strings.EqualFold(words[1], "as"):
			st.Name = strings.ToLower(words[2])
			if !stageNameRe.MatchString(st.Name) {
				return fmt.Errorf("invalid name for build stage: %q, name can't start with a number or contain symbols", words[2])
			}
		case len(words) != 1:
			return fmt.Errorf("FROM requires either one or three arguments")
		}
		st.Base = words[0]
		if p := vals["platform"]; len(p) > 0 {
			st.Platform = p[0]
		}
		f.Stages = append(f.Stages, st)
	case "copy":
		if v := vals["from"]; len(v) > 0 && v[0] != "" && len(f.Stages) > 0 {
			st := &f.Stages[len(f.Stages)-1]
			st.Froms = append(st.Froms, v[0])
		}
	case "run":
		for _, m := range vals["mount"] {
			from, err := mountFrom(m)
			if err != nil {
				return err
			}
			if from != "" && len(f.Stages) > 0 {
				st := &f.Stages[len(f.Stages)-1]
				st.Froms = append(st.Froms, from)
			}
		}
	}
	return nil
}

// parseFlags checks an instruction's --name=value flags against known.
func parseFlags(known map[string]bool, flags []string) (map[string][]string, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	vals := map[string][]string{}
	for _, a := range flags {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "--") {
			return nil, fmt.Errorf("arg should start with -- : %s", a)
		}
		name, v, hasValue := strings.Cut(a, "=")
		takesValue, ok := known[name[2:]]
		if !ok {
			return nil, fmt.Errorf("unknown flag: %s", name)
		}
		if _, dup := vals[name[2:]]; dup && !multiFlags[name[2:]] {
			return nil, fmt.Errorf("duplicate flag specified: %s", name)
		}
		switch {
		case takesValue && !hasValue, !takesValue && hasValue && v == "":
			return nil, fmt.Errorf("missing a value on flag: %s", name)
		case !takesValue && !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") && v != "":
			return nil, fmt.Errorf("expecting boolean value for flag %s, not: %s", name, v)
		}
		vals[name[2:]] = append(vals[name[2:]], v)
	}
	return vals, nil
}

// mountFrom is the from= of a RUN --mount value (comma-separated
// key=value fields, CSV-quoted).
func mountFrom(m string) (string, error) {
	fields, err := csvFields(m)
	if err != nil {
		return "", fmt.Errorf("failed to parse csv mounts: %v", err)
	}
	from := ""
	for _, fl := range fields {
		k, v, ok := strings.Cut(fl, "=")
		if ok && strings.EqualFold(k, "from") {
			if i := strings.IndexByte(v, '$'); i != -1 && i != len(v)-1 {
				return "", fmt.Errorf("'from' doesn't support variable expansion, define alias stage instead")
			}
			from = v
		}
	}
	return from, nil
}

// heredocCmd reports whether the instruction may carry heredocs: ADD, COPY
// and RUN (also after ONBUILD) in shell form.
func heredocCmd(cmd, args string, escape rune) bool {
	if cmd == "onbuild" {
		cmd, _, args, _ = splitCommand(args, escape)
	}
	switch cmd {
	case "add", "copy", "run":
		return !isJSON(args)
	}
	return false
}

func isJSON(args string) bool {
	a := strings.TrimSpace(args)
	if !strings.HasPrefix(a, "[") {
		return false
	}
	var l []string
	return json.Unmarshal([]byte(a), &l) == nil
}

// directive matches a parser directive line ("# escape=`").
func directive(line []byte) (key, value string, ok bool) {
	rest, ok := bytes.CutPrefix(line, []byte("#"))
	if !ok {
		return "", "", false
	}
	m := directiveRe.FindSubmatch(bytes.TrimLeftFunc(rest, unicode.IsSpace))
	if m == nil {
		return "", "", false
	}
	k := strings.ToLower(string(m[1]))
	switch k {
	case "syntax", "escape", "check":
		return k, string(m[2]), true
	}
	return "", "", false
}

// trimContinuation removes a trailing escape token (not itself escaped)
// and reports whether the instruction goes on on the next line.
func (f *File) trimContinuation(line []byte) ([]byte, bool) {
	t := bytes.TrimRight(line, " \t")
	e := byte(f.Escape)
	if len(t) == 0 || t[len(t)-1] != e {
		return line, false
	}
	if len(t) >= 2 && t[len(t)-2] == e {
		return line, false
	}
	return t[:len(t)-1], true
}

// hasInstruction reports whether data has a line that is neither blank nor
// a comment (BuildKit's "file with no instructions").
func hasInstruction(data []byte) bool {
	for _, l := range splitLines(data) {
		l = bytes.TrimLeftFunc(trimNewline(l), unicode.IsSpace)
		if len(l) > 0 && l[0] != '#' {
			return true
		}
	}
	return false
}

func splitLines(data []byte) [][]byte {
	out := make([][]byte, 0, bytes.Count(data, []byte{'\n'})+1)
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			out = append(out, data)
			break
		}
		out = append(out, data[:i+1])
		data = data[i+1:]
	}
	return out
}

func trimNewline(b []byte) []byte { return bytes.TrimRight(b, "\r\n") }

func isComment(line []byte) bool {
	line = bytes.TrimLeftFunc(line, unicode.IsSpace)
	return len(line) > 0 && line[0] == '#'
}
