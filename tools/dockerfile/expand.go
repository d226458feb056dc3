package dockerfile

import (
	"fmt"
	"strings"
	"unicode"
)

// Expand evaluates a word as BuildKit does a FROM image or an ARG default:
// quotes removed, escapes applied, and $NAME, ${NAME}, ${NAME:-word},
// ${NAME-word}, ${NAME:+word}, ${NAME+word}, ${NAME:?word} and
// ${NAME?word} replaced from lookup (unset names are empty). Pattern
// modifiers (${NAME#p}, %, /) are reported as errors: a FROM line that
// needs them is rare enough to be left unresolved.
func Expand(word string, escape rune, lookup func(string) (string, bool)) (string, error) {
	x := &expander{rs: []rune(word), escape: escape, lookup: lookup}
	return x.run(0)
}

type expander struct {
	rs     []rune
	i      int
	escape rune
	lookup func(string) (string, bool)
}

// run expands up to stop (0: the end), leaving i on stop.
func (x *expander) run(stop rune) (string, error) {
	var out strings.Builder
	for x.i < len(x.rs) {
		ch := x.rs[x.i]
		if stop != 0 && ch == stop {
			return out.String(), nil
		}
		x.i++
		switch {
		case ch == x.escape:
			if x.i < len(x.rs) {
				out.WriteRune(x.rs[x.i])
				x.i++
			}
		case ch == '\'':
			j := indexRune(x.rs[x.i:], '\'')
			if j < 0 {
				return "", fmt.Errorf("unexpected end of statement while looking for matching single-quote")
			}
			out.WriteString(string(x.rs[x.i : x.i+j]))
			x.i += j + 1
		case ch == '"':
			if err := x.doubleQuoted(&out); err != nil {
				return "", err
			}
		case ch == '$':
			v, err := x.dollar()
			if err != nil {
				return "", err
			}
			out.WriteString(v)
		default:
			out.WriteRune(ch)
		}
	}
	if stop != 0 {
		return "", fmt.Errorf("syntax error: missing '%c'", stop)
	}
	return out.String(), nil
}

func (x *expander) doubleQuoted(out *strings.Builder) error {
	for x.i < len(x.rs) {
		ch := x.rs[x.i]
		x.i++
		switch {
		case ch == '"':
			return nil
		case ch == '$':
			v, err := x.dollar()
			if err != nil {
				return err
			}
			out.WriteString(v)
		case ch == x.escape:
			if x.i == len(x.rs) {
				continue
			}
			if n := x.rs[x.i]; n == '"' || n == '$' || n == x.escape {
				ch = n
				x.i++
			}
			out.WriteRune(ch)
		default:
			out.WriteRune(ch)
		}
	}
	return fmt.Errorf("unexpected end of statement while looking for matching double-quote")
}

// dollar expands what follows a '$'.
func (x *expander) dollar() (string, error) {
	if x.i == len(x.rs) {
		return "$", nil
	}
	if x.rs[x.i] != '{' {
		name := x.name()
		if name == "" {
			return "$", nil
		}
		v, _ := x.lookup(name)
		return v, nil
	}
	x.i++
	name := x.name()
	if name == "" {
		return "", fmt.Errorf("missing or invalid parameter name in ${}")
	}
	if x.i == len(x.rs) {
		return "", fmt.Errorf("syntax error: missing '}'")
	}
	v, set := x.lookup(name)
	op := string(x.rs[x.i])
	x.i++
	if op == "}" {
		return v, nil
	}
	if op == ":" {
		if x.i == len(x.rs) {
			return "", fmt.Errorf("syntax error: missing '}'")
		}
		op += string(x.rs[x.i])
		x.i++
		set = set && v != ""
	}
	switch op {
	case "-", ":-", "+", ":+", "?", ":?":
	default:
		return "", fmt.Errorf("unsupported modifier (%s) in substitution", op)
	}
	word, err := x.run('}')
	if err != nil {
		return "", err
	}
	x.i++ // the '}'
	switch op[len(op)-1] {
	case '-':
		if !set {
			return word, nil
		}
		return v, nil
	case '+':
		if set {
			return word, nil
		}
		return "", nil
	default: // '?'
		if !set {
			if word == "" {
				word = "is not allowed to be unset"
			}
			return "", fmt.Errorf("%s: %s", name, word)
		}
		return v, nil
	}
}

// name reads a variable name: letters, digits and '_', a run of digits,
// or one of the shell's special parameters.
func (x *expander) name() string {
	start := x.i
	if x.i < len(x.rs) && strings.ContainsRune("@*#?-$!", x.rs[x.i]) {
		x.i++
		return string(x.rs[start:x.i])
	}
	if x.i < len(x.rs) && unicode.IsDigit(x.rs[x.i]) {
		for x.i < len(x.rs) && unicode.IsDigit(x.rs[x.i]) {
			x.i++
		}
		return string(x.rs[start:x.i])
	}
	for x.i < len(x.rs) {
		ch := x.rs[x.i]
		if !unicode.IsLetter(ch) && !unicode.IsDigit(ch) && ch != '_' {
			break
		}
		x.i++
	}
	return string(x.rs[start:x.i])
}

func indexRune(rs []rune, r rune) int {
	for i, c := range rs {
		if c == r {
			return i
		}
	}
	return -1
}
