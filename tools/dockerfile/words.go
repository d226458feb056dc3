package dockerfile

import (
	"encoding/csv"
	"errors"
	"strings"
	"unicode"
)

// splitCommand splits an instruction into its lower-cased keyword, its
// leading --flags and the rest.
func splitCommand(line string, escape rune) (cmd string, flags []string, args string, err error) {
	line = strings.TrimSpace(line)
	i := strings.IndexAny(line, "\t\v\f\r ")
	if i < 0 {
		return strings.ToLower(line), nil, "", nil
	}
	rest := strings.TrimLeft(line[i:], "\t\v\f\r ")
	args, flags = extractFlags(rest, escape)
	return strings.ToLower(line[:i]), flags, strings.TrimSpace(args), nil
}

// extractFlags takes the words starting with "--" off the front of line,
// unquoting them, and returns the rest. Like BuildKit's it works byte by
// byte.
func extractFlags(line string, escape rune) (string, []string) {
	var flags []string
	var w strings.Builder
	inWord, blankOK := false, false
	var quote byte
	for pos := 0; pos < len(line); pos++ {
		ch := line[pos]
		if !inWord {
			if isSpaceByte(ch) {
				continue
			}
			if ch != '-' || pos+1 == len(line) || line[pos+1] != '-' {
				return line[pos:], flags
			}
			inWord = true
		}
		if quote != 0 {
			if ch == quote {
				quote = 0
				continue
			}
			if rune(ch) == escape {
				if pos+1 == len(line) {
					quote = 0
					continue
				}
				pos++
				ch = line[pos]
			}
			w.WriteRune(rune(ch))
			continue
		}
		switch {
		case isSpaceByte(ch):
			word := w.String()
			if word == "--" {
				return line[pos:], flags
			}
			if blankOK || word != "" {
				flags = append(flags, word)
			}
			w.Reset()
			inWord, blankOK = false, false
			continue
		case ch == '\'' || ch == '"':
			quote, blankOK = ch, true
			continue
		case rune(ch) == escape:
			if pos+1 == len(line) {
				continue
			}
			pos++
			ch = line[pos]
		}
		w.WriteRune(rune(ch))
	}
	if inWord {
		if word := w.String(); word != "--" && (blankOK || word != "") {
			flags = append(flags, word)
		}
	}
	return "", flags
}

// isSpaceByte is unicode.IsSpace of a byte taken as a rune, as BuildKit's
// flag splitter tests it.
func isSpaceByte(b byte) bool { return unicode.IsSpace(rune(b)) }

// parseWords splits ARG's arguments on blanks outside quotes, keeping the
// quotes and escapes in the words.
func parseWords(s string, escape rune) []string {
	var words []string
	var w strings.Builder
	inWord, blankOK := false, false
	var quote rune
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		ch := rs[i]
		if !inWord {
			if unicode.IsSpace(ch) {
				continue
			}
			inWord = true
		}
		if quote != 0 {
			if ch == quote {
				quote = 0
			} else if ch == escape && quote != '\'' {
				if i+1 == len(rs) {
					quote = 0
					continue
				}
				w.WriteRune(ch)
				i++
				ch = rs[i]
			}
			w.WriteRune(ch)
			continue
		}
		if unicode.IsSpace(ch) {
			if blankOK || w.Len() > 0 {
				words = append(words, w.String())
			}
			w.Reset()
			inWord, blankOK = false, false
			continue
		}
		if ch == '\'' || ch == '"' {
			quote, blankOK = ch, true
		}
		if ch == escape {
			if i+1 == len(rs) {
				continue
			}
			w.WriteRune(ch)
			i++
			ch = rs[i]
		}
		w.WriteRune(ch)
	}
	if inWord && (blankOK || w.Len() > 0) {
		words = append(words, w.String())
	}
	return words
}

// skipHeredocs counts the lines after an instruction that its heredocs
// (<<EOF, <<-EOF, <<"EOF") take, terminators included.
func skipHeredocs(line string, rest [][]byte) (int, error) {
	n := 0
	words, ok := rawShellWords(line)
	if !ok {
		return 0, nil // BuildKit finds no heredoc in a line it cannot split
	}
	for _, w := range words {
		m := heredocRe.FindStringSubmatch(w)
		if m == nil || m[3] == "" {
			continue
		}
		name, ok := unquoteWord(m[3])
		if !ok {
			continue
		}
		chomp := m[2] == "-"
		done := false
		for n < len(rest) {
			l := trimNewline(rest[n])
			n++
			if chomp {
				l = []byte(strings.TrimLeft(string(l), "\t"))
			}
			if string(l) == name {
				done = true
				break
			}
		}
		if !done {
			return n, errors.New("unterminated heredoc")
		}
	}
	return n, nil
}

// rawShellWords splits a line into shell words on blanks outside quotes,
// quotes, escapes and ${...} left in; false if a quote or brace is not
// closed.
func rawShellWords(s string) ([]string, bool) {
	var words []string
	var w strings.Builder
	var quote rune
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		ch := rs[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			} else if ch == '\\' && quote == '"' && i+1 < len(rs) {
				w.WriteRune(ch)
				i++
				ch = rs[i]
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '\\' && i+1 < len(rs):
			w.WriteRune(ch)
			i++
			ch = rs[i]
		case ch == '$' && i+1 < len(rs) && rs[i+1] == '{':
			j := indexRune(rs[i:], '}')
			if j < 0 {
				return nil, false
			}
			w.WriteString(string(rs[i : i+j]))
			i += j
			ch = rs[i]
		case unicode.IsSpace(ch):
			if w.Len() > 0 {
				words = append(words, w.String())
			}
			w.Reset()
			continue
		}
		w.WriteRune(ch)
	}
	if quote != 0 {
		return nil, false
	}
	if w.Len() > 0 {
		words = append(words, w.String())
	}
	return words, true
}

// unquoteWord removes the quotes and escapes of one shell word; false if
// it is not exactly one word.
func unquoteWord(s string) (string, bool) {
	var w strings.Builder
	var quote rune
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		ch := rs[i]
		switch {
		case quote == '\'':
			if ch == '\'' {
				quote = 0
				continue
			}
		case quote == '"':
			if ch == '"' {
				quote = 0
				continue
			}
			if ch == '\\' && i+1 < len(rs) && strings.ContainsRune("\"\\$", rs[i+1]) {
				i++
				ch = rs[i]
			}
		case ch == '\'' || ch == '"':
			quote = ch
			continue
		case ch == '\\':
			if i+1 == len(rs) {
				continue
			}
			i++
			ch = rs[i]
		case unicode.IsSpace(ch):
			return "", false
		}
		w.WriteRune(ch)
	}
	return w.String(), true
}

// csvFields splits a --mount value into its comma-separated fields.
func csvFields(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	r := csv.NewReader(strings.NewReader(s))
	r.FieldsPerRecord = -1
	return r.Read()
}
