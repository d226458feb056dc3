package dockerfile_test

import (
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/dockerfile"
)

// TestParse checks facts derived by hand from the Dockerfile reference.
func TestParse(t *testing.T) {
	cases := []struct{ in, want string }{
		{"ARG A=1 B\nfrom --platform=linux/arm64 ${A} As Build\ncopy --from=build a b\n",
			"ARG \"A\" \"1\" true\nARG \"B\" \"\" false\nFROM \"${A}\" platform=\"linux/arm64\" name=\"build\" froms=[\"build\"]\n"},
		// A heredoc's body is not instructions.
		{"FROM a\nRUN <<EOF\nFROM evil\nEOF\nFROM b\n",
			"FROM \"a\" platform=\"\" name=\"\" froms=[]\nFROM \"b\" platform=\"\" name=\"\" froms=[]\n"},
		// The escape directive makes ` the continuation token.
		{"# escape=`\nFROM a `\n  AS b\nRUN --mount=type=bind,from=c,target=/c `\n  true\n",
			"FROM \"a\" platform=\"\" name=\"b\" froms=[\"c\"]\n"},
		// Comments and blank lines inside a continued instruction are dropped.
		{"FROM a \\\n# note\n\n  AS x\n", "FROM \"a\" platform=\"\" name=\"x\" froms=[]\n"},
		// An ARG after FROM is not a global one.
		{"FROM a\nARG X=1\n", "FROM \"a\" platform=\"\" name=\"\" froms=[]\n"},
	}
	for _, c := range cases {
		f, err := dockerfile.Parse([]byte(c.in))
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got := facts(f); got != c.want {
			t.Errorf("Parse(%q):\n%s\nwant:\n%s", c.in, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		"FROM alpine\nCOPY --nosuchflag=1 a b\n": "dockerfile parse error on line 2: unknown flag: --nosuchflag",
		"FROM a b\n":                             "dockerfile parse error on line 1: FROM requires either one or three arguments",
		"FROM a\nRUN <<EOF\nno end\n":            "dockerfile parse error on line 2: unterminated heredoc",
		"# escape=x\nFROM a\n":                   "dockerfile parse error on line 0: invalid escape token 'x' does not match ` or \\",
		"# only a comment\n":                     "dockerfile parse error on line 1: file with no instructions",
	}
	for in, want := range cases {
		_, err := dockerfile.Parse([]byte(in))
		if err == nil || err.Error() != want {
			t.Errorf("Parse(%q) = %v, want %s", in, err, want)
		}
	}
}
