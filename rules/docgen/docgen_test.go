package docgen

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
)

var update = flag.Bool("update", false, "rewrite docs/rules.md")

// repoRoot is the repository root relative to this package's directory: the working
// directory of `go test` and of rules_go's go_test (in the runfiles tree) alike.
const repoRoot = "../.."

func TestRulesDocUpToDate(t *testing.T) {
	got, err := Generate(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	docPath := filepath.Join(repoRoot, "docs", "rules.md")
	if *update {
		if err := os.WriteFile(docPath, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) == got {
		return
	}
	diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(string(want)), B: difflib.SplitLines(got),
		FromFile: "docs/rules.md", ToFile: "generated", Context: 2,
	})
	lines := strings.SplitAfter(diff, "\n")
	if len(lines) > 60 {
		lines = append(lines[:60], "...\n")
	}
	t.Fatalf("docs/rules.md is out of date with rules/*.bzl; run: go test ./rules/docgen -update\n%s", strings.Join(lines, ""))
}

func TestDedentAndArgs(t *testing.T) {
	body, args := splitArgs(dedent(`First line.

    More.

    Args:
      a: the a
        continued.
      **kwargs: rest.
    `))
	if body != "First line.\n\nMore." {
		t.Errorf("body = %q", body)
	}
	if args["a"] != "the a continued." || args["**kwargs"] != "rest." {
		t.Errorf("args = %q", args)
	}
}
