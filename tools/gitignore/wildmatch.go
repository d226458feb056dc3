package gitignore

import "strings"

// Results of wildmatch. Besides match/no match, the two abort values let a
// '*' stop trying further positions early, which also decides some results
// (a '*' that failed across a '/' hands the attempt back to an enclosing
// '**'), so they are part of the semantics, not only an optimisation.
const (
	wmMatch           = 0
	wmNoMatch         = 1
	wmAbortAll        = -1
	wmAbortToStarStar = -2
)

// wildmatch reports whether text matches the glob pattern with git's
// wildmatch rules. With pathname set ("WM_PATHNAME"), '*', '?' and classes
// never match '/', and '**' between slashes (or at either end) matches any
// number of directories; without it, '*' matches '/' too.
func wildmatch(pattern, text string, pathname bool) bool {
	return dowild(pattern, text, pathname) == wmMatch
}

// at returns s[i], or 0 past the end: git's matcher walks NUL-terminated
// strings, and neither patterns nor paths contain NUL here.
func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isGlobSpecial(c byte) bool { return c == '*' || c == '?' || c == '[' || c == '\\' }

func dowild(p, text string, pathname bool) int {
	pi, ti := 0, 0
	for ; pi < len(p); pi, ti = pi+1, ti+1 {
		pc := p[pi]
		tc := at(text, ti)
		if tc == 0 && pc != '*' {
			return wmAbortAll
		}
		switch pc {
		case '\\':
			// The next pattern byte is literal; a trailing backslash
			// compares as NUL and so never matches.
			pi++
			if tc != at(p, pi) {
				return wmNoMatch
			}
		case '?':
			if pathname && tc == '/' {
				return wmNoMatch
			}
		case '*':
			pi++
			var matchSlash bool
			if at(p, pi) == '*' {
				before := pi - 2 // the byte before the first '*'
				for pi++; at(p, pi) == '*'; pi++ {
				}
				switch {
				case !pathname:
					matchSlash = true
				case (before < 0 || p[before] == '/') &&
					(at(p, pi) == 0 || at(p, pi) == '/' || (at(p, pi) == '\\' && at(p, pi+1) == '/')):
					// A real "**" component: first try it as matching
					// nothing, so "a/**/b" matches "a/b".
					if at(p, pi) == '/' && dowild(p[pi+1:], text[ti:], pathname) == wmMatch {
						return wmMatch
					}
					matchSlash = true
				default:
					// "**" glued to other characters is just '*'.
					matchSlash = false
				}
			} else {
				matchSlash = !pathname
			}
			if pi >= len(p) {
				// Trailing '*' matches the rest unless it has a '/' it
				// may not cross.
				if !matchSlash && strings.IndexByte(text[ti:], '/') >= 0 {
					return wmNoMatch
				}
				return wmMatch
			}
			if !matchSlash && p[pi] == '/' {
				// "*/" matches the rest of this path component.
				i := strings.IndexByte(text[ti:], '/')
				if i < 0 {
					return wmNoMatch
				}
				ti += i // the loop step consumes both slashes
				continue
			}
			for tc != 0 {
				if !isGlobSpecial(p[pi]) {
					// Skip ahead to the next occurrence of the literal
					// that follows the star (not past a '/' it can't eat).
					lit := p[pi]
					for {
						tc = at(text, ti)
						if tc == 0 || (!matchSlash && tc == '/') || tc == lit {
							break
						}
						ti++
					}
					if tc != lit {
						return wmNoMatch
					}
				}
				m := dowild(p[pi:], text[ti:], pathname)
				if m != wmNoMatch {
					if !matchSlash || m != wmAbortToStarStar {
						return m
					}
				} else if !matchSlash && tc == '/' {
					return wmAbortToStarStar
				}
				ti++
				tc = at(text, ti)
			}
			return wmAbortAll
		case '[':
			var ok bool
			pi, ok = matchClass(p, pi, tc)
			if pi < 0 {
				return wmAbortAll
			}
			if !ok || (pathname && tc == '/') {
				return wmNoMatch
			}
		default:
			if tc != pc {
				return wmNoMatch
			}
		}
	}
	if ti < len(text) {
		return wmNoMatch
	}
	return wmMatch
}

// matchClass matches tc against the bracket expression starting at p[pi]
// == '['. It returns the index of the closing ']' and whether tc is in the
// class, or -1 if the expression is malformed (unterminated, or an unknown
// [:name:]), which fails the whole match.
func matchClass(p string, pi int, tc byte) (int, bool) {
	pi++
	pc := at(p, pi)
	if pc == '^' {
		pc = '!'
	}
	negated := pc == '!'
	if negated {
		pi++
		pc = at(p, pi)
	}
	var prev byte
	matched := false
	// The first byte is taken literally even if it is ']' (so "[]]" works):
	// the end test comes after each element.
	for {
		if pc == 0 {
			return -1, false
		}
		switch {
		case pc == '\\':
			pi++
			pc = at(p, pi)
			if pc == 0 {
				return -1, false
			}
			if tc == pc {
				matched = true
			}
		case pc == '-' && prev != 0 && at(p, pi+1) != 0 && at(p, pi+1) != ']':
			pi++
			pc = at(p, pi)
			if pc == '\\' {
				pi++
				pc = at(p, pi)
				if pc == 0 {
					return -1, false
				}
			}
			if tc <= pc && tc >= prev {
				matched = true
			}
			pc = 0 // a range can't start another range
		case pc == '[' && at(p, pi+1) == ':':
			s := pi + 2
			e := s
			for at(p, e) != 0 && p[e] != ']' {
				e++
			}
			if at(p, e) == 0 {
				return -1, false
			}
			if e-s-1 < 0 || p[e-1] != ':' {
				// No ":]": a plain '[' in the set.
				if tc == '[' {
					matched = true
				}
				pc = '['
				break
			}
			in, known := posixClass(p[s:e-1], tc)
			if !known {
				return -1, false
			}
			if in {
				matched = true
			}
			pi = e
			pc = 0
		default:
			if tc == pc {
				matched = true
			}
		}
		prev = pc
		pi++
		pc = at(p, pi)
		if pc == ']' {
			return pi, matched != negated
		}
	}
}

// posixClass reports whether c is in [:name:], with ASCII-only ctype rules
// as git has them (bytes >= 0x80 are in no class), and whether the name is
// known.
func posixClass(name string, c byte) (in, known bool) {
	alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	digit := c >= '0' && c <= '9'
	switch name {
	case "alnum":
		return alpha || digit, true
	case "alpha":
		return alpha, true
	case "blank":
		return c == ' ' || c == '\t', true
	case "cntrl":
		return c < 0x20 || c == 0x7f, true
	case "digit":
		return digit, true
	case "graph":
		return c > 0x20 && c < 0x7f, true
	case "lower":
		return c >= 'a' && c <= 'z', true
	case "print":
		return c >= 0x20 && c < 0x7f, true
	case "punct":
		return c > 0x20 && c < 0x7f && !alpha && !digit, true
	case "space":
		// git's own isspace: no \v or \f.
		return c == ' ' || c == '\t' || c == '\n' || c == '\r', true
	case "upper":
		return c >= 'A' && c <= 'Z', true
	case "xdigit":
		return digit || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F', true
	}
	return false, false
}
