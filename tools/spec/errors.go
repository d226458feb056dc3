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
	file  string
	list  []*Error
	warns []*Error // accepted, as linuxkit accepts them (compat.go)
}

func (p *problems) add(line, col int, field, problem, fix string) {
	p.list = append(p.list, &Error{File: p.file, Line: line, Column: col, Field: field, Problem: problem, Fix: fix})
}

func (p *problems) addf(pos position, field, fix, format string, args ...any) {
	p.add(pos.line, pos.col, field, fmt.Sprintf(format, args...), fix)
}

// maxReported bounds the errors returned: past this, more detail does not
// help anyone, and a pathological file could otherwise yield thousands.
const maxReported = 50

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
	list := p.list
	if len(list) > maxReported {
		last := list[maxReported-1]
		list = append(list[:maxReported:maxReported], &Error{
			File: last.File, Line: last.Line, Column: last.Column,
			Problem: fmt.Sprintf("%d more problems not shown", len(p.list)-maxReported),
			Fix:     "fix the problems above and run again",
		})
	}
	errs := make([]error, len(list))
	for i, e := range list {
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
		d := editDistance(ns, norm(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(1, len(ns)/3)
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

// editDistance is the optimal-string-alignment distance: insertions,
// deletions, substitutions and adjacent transpositions (amd46 -> amd64)
// each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// quoteList renders names as `a`, `b`, `c` for messages.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}
