package dockerfile_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/rules-linuxkit/rules_linuxkit/tools/dockerfile"
)

// The differential tests: whatever BuildKit accepts, Parse must read the
// same facts from; what Parse rejects, BuildKit must reject too. BuildKit
// is imported here only, in a test of this package, so that the Gazelle
// extension does not link it.

// facts is what both parsers are compared on.
func facts(f *dockerfile.File) string {
	var b strings.Builder
	for _, a := range f.MetaArgs {
		fmt.Fprintf(&b, "ARG %q %q %v\n", a.Key, a.Value, a.HasValue)
	}
	for _, s := range f.Stages {
		fmt.Fprintf(&b, "FROM %q platform=%q name=%q froms=%q\n", s.Base, s.Platform, s.Name, s.Froms)
	}
	return b.String()
}

// buildkitFacts parses data with BuildKit; ok is false if it rejects it.
func buildkitFacts(data []byte) (string, bool) {
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return "", false
	}
	stages, metaArgs, err := instructions.Parse(res.AST, linter.New(&linter.Config{SkipAll: true}))
	if err != nil {
		return "", false
	}
	f := &dockerfile.File{}
	for _, m := range metaArgs {
		for _, a := range m.Args {
			arg := dockerfile.Arg{Key: a.Key}
			if a.Value != nil {
				arg.Value, arg.HasValue = *a.Value, true
			}
			f.MetaArgs = append(f.MetaArgs, arg)
		}
	}
	for _, s := range stages {
		st := dockerfile.Stage{Name: s.Name, Base: s.BaseName, Platform: s.Platform}
		for _, c := range s.Commands {
			switch c := c.(type) {
			case *instructions.CopyCommand:
				if c.From != "" {
					st.Froms = append(st.Froms, c.From)
				}
			case *instructions.RunCommand:
				for _, m := range instructions.GetMounts(c) {
					if m.From != "" {
						st.Froms = append(st.Froms, m.From)
					}
				}
			}
		}
		f.Stages = append(f.Stages, st)
	}
	return facts(f), true
}

func compare(t *testing.T, data []byte) {
	t.Helper()
	want, bkOK := buildkitFacts(data)
	f, err := dockerfile.Parse(data)
	switch {
	case err != nil && bkOK:
		t.Fatalf("Parse rejects what BuildKit accepts: %v\n%s", err, data)
	case err == nil && bkOK:
		if got := facts(f); got != want {
			t.Fatalf("Parse read:\n%s\nBuildKit read:\n%s\nfrom:\n%s", got, want, data)
		}
	}
}

// seeds are Dockerfiles that exercise the parser's corners; the fuzz
// corpus under testdata/fuzz/FuzzParse adds the ones the fuzzer found.
var seeds = []string{
	"FROM alpine\n",
	"from alpine AS Build\ncopy --from=build /a /b\n",
	"ARG A=1 B\nARG C=\"x y\"\nFROM --platform=$BUILDPLATFORM ${A}:${B:-3} as x\n",
	"# escape=`\nFROM a `\n  AS b\nRUN --mount=type=cache,from=b,target=/c `\n  true\n",
	"# syntax=docker/dockerfile:1\n# escape=\\\n\nFROM a\n",
	"FROM a\nRUN <<EOF\nFROM evil\nEOF\nCOPY --from=a x y\n",
	"FROM a\nRUN <<-\"END\" cat <<X\n\tFROM no\n\tEND\nFROM no2\nX\nFROM c\n",
	"FROM a \\\n  # a comment inside\n\n  AS b\n",
	"  ARG  X=\"a\\\" b\"\n\tFROM $X\n",
	"FROM a\nCOPY --chown=1 --from='q' a b\nRUN --network=none --mount=from=\"x,y\",target=/ ls\n",
	"FROM a\nONBUILD RUN <<EOF\nFROM b\nEOF\n",
	"FROM a\nRUN [\"sh\", \"-c\", \"<<EOF\"]\nFROM b\n",
	"\xef\xbb\xbfFROM a\n",
	"FROM a\r\nCOPY --from=b \\\r\n x y\r\n",
	"FROM a\nCOPY --nosuchflag=1 a b\n",
	"FROM a b\n",
	"FROM a AS 1x\n",
	"# escape=x\nFROM a\n",
	"# comment\n",
	"FROM a\nRUN --mount=from=$X ls\n",
	"FROM a\nCOPY --from a b\n",
	"FROM a\nCOPY --link=maybe a b\n",
	"FROM a\nRUN <<EOF\nno end\n",
}

func TestParseMatchesBuildKit(t *testing.T) {
	for _, s := range seeds {
		compare(t, []byte(s))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compare(t, data)
	})
}

// FuzzExpand checks Expand against BuildKit's word expansion with the
// escape token '\\' where Expand succeeds.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{"$A", "${A}", "${B:-x}", "${A:+y}z", "'$A'\"$A\"", "a\\$A", "${U-\"q\"}", "$1x", "${A?}", "\"a\\b\\\"\""} {
		f.Add(s)
	}
	env := map[string]string{"A": "aa", "E": ""}
	f.Fuzz(func(t *testing.T, word string) {
		got, err := dockerfile.Expand(word, '\\', func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		if err != nil {
			return
		}
		lex := shell.NewLex('\\')
		want, _, err := lex.ProcessWord(word, shell.EnvsFromSlice([]string{"A=aa", "E="}))
		if err != nil {
			t.Fatalf("Expand(%q) = %q, BuildKit: %v", word, got, err)
		}
		if got != want {
			t.Fatalf("Expand(%q) = %q, BuildKit %q", word, got, want)
		}
	})
}

func TestExpandMatchesBuildKit(t *testing.T) {
	cases := map[string]string{
		"$A":           "aa",
		"${A}:${B:-3}": "aa:3",
		"${E:-d}":      "d",
		"${E-d}":       "",
		"${A:+p}":      "p",
		"'$A'":         "$A",
		"\"x$A\"":      "xaa",
		"a\\$A":        "a$A",
	}
	env := map[string]string{"A": "aa", "E": ""}
	for in, want := range cases {
		got, err := dockerfile.Expand(in, '\\', func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		if err != nil || got != want {
			t.Errorf("Expand(%q) = %q, %v; want %q", in, got, err, want)
		}
		bk, _, err := shell.NewLex('\\').ProcessWord(in, shell.EnvsFromSlice([]string{"A=aa", "E="}))
		if err != nil || bk != want {
			t.Errorf("BuildKit expands %q to %q, %v; the expectation %q is wrong", in, bk, err, want)
		}
	}
}
