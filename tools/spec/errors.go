package spec

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error is one problem found in a build.yml. Parse and Load return every
// problem at once, joined with errors.Join, so that a user can fix the whole
// file in one pass; use errors.As to get the first, or Errors to get all.
type Error struct {
	// File is the build.yml path as given to Parse or Load.
	File string
	// Line and Column are 1-based; 0 when the position is unknown (for
	// example a file that cannot be read).
	Line, Column int
	// Field is the path of the offending field, e.g. "arches[1]" or
	// "config.capabilities[0]"; empty for file-level problems.
	Field string
	// Problem says what is wrong.
	Problem string
	// Fix says what to do about it.
	Fix string
}

// Error formats the problem like a compiler diagnostic, so that editors and
// terminals can jump to it: file:line:col: field: problem; fix.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	if e.Fix != "" {
		b.WriteString("; ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// Errors returns every *Error contained in err, in order. It is the
// counterpart of the errors.Join that Parse and Load return; callers such as
// an editor integration want all positions, not just the first.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		switch x := err.(type) {
		case nil:
		case *Error:
			out = append(out, x)
		case interface{ Unwrap() []error }:
			for _, inner := range x.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(x.Unwrap())
		}
	}
	walk(err)
	return out
}

// problems accumulates errors for one file.
type problems struct {
	file string
	list []*Error
}

func (p *problems) add(line, col int, field, problem, fix string) {
	p.list = append(p.list, &Error{File: p.file, Line: line, Column: col, Field: field, Problem: problem, Fix: fix})
}

func (p *problems) addf(pos position, field, fix, format string, args ...any) {
	p.add(pos.line, pos.col, field, fmt.Sprintf(format, args...), fix)
}

// err returns the joined, position-sorted errors, or nil.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	sort.SliceStable(p.list, func(i, j int) bool {
		a, b := p.list[i], p.list[j]
		if a.File != b.File {
			// build.yml first, then files it refers to.
			if a.File == p.file || b.File == p.file {
				return a.File == p.file
			}
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	errs := make([]error, len(p.list))
	for i, e := range p.list {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// position is a 1-based line and column in the source file.
type position struct{ line, col int }

// closest returns the candidate nearest to s (ignoring case, '-' and '_'),
// or "" if none is near enough to be a plausible typo.
func closest(s string, candidates []string) string {
	norm := func(x string) string {
		return strings.NewReplacer("-", "", "_", "", ".", "").Replace(strings.ToLower(x))
	}
	ns := norm(s)
	if len(ns) > 64 {
		return "" // nobody typos a 64-character key; keep this cheap on junk input
	}
	best, bestD := "", -1
	for _, c := range candidates {
		d := levenshtein(ns, norm(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := len(ns) / 3
	if limit < 2 {
		limit = 2
	}
	if bestD >= 0 && bestD <= limit {
		return best
	}
	// A fragment of a longer key (images for docker-images) is also a
	// plausible slip.
	if len(ns) >= 4 {
		for _, c := range candidates {
			if strings.Contains(norm(c), ns) {
				return c
			}
		}
	}
	return ""
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// quoteList renders names as `a`, `b`, `c` for messages.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}
