package gazelle

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/language"
	"github.com/bazelbuild/bazel-gazelle/rule"
	"github.com/bazelbuild/bazel-gazelle/walk"
	"github.com/rules-linuxkit/rules_linuxkit/tools/smallfile"
)

// benchPkg writes one package as bench/gazelle's monorepo has them: a
// build.yml with build args, a multi-stage Dockerfile, sources, an
// ignored object file and a Go command below it.
func benchPkg(b *testing.B) string {
	root := b.TempDir()
	files := map[string]string{
		"MODULE.bazel":           "module(name = \"bench\")\n",
		".gitignore":             "*.o\n/bazel-*\nbuild/\n",
		"pkg/p/build.yml":        "image: p\norg: example\narches:\n  - amd64\n  - arm64\nbuildArgs:\n  - DEP=@lkt:pkg:../q\n  - VERSION=1\n",
		"pkg/p/Dockerfile":       "# syntax=docker/dockerfile:1\nARG DEP\nARG BASE=linuxkit/q:0123\nFROM ${BASE} AS build\nRUN apk add --no-cache build-base \\\n    make\nCOPY src /src\nRUN make -C /src\nFROM ${DEP} AS dep\nFROM scratch\nCOPY --from=build /out/ /\nCOPY --from=linuxkit/tool:latest /usr/bin/tool /usr/bin/\nCMD [\"/usr/bin/p\"]\n",
		"pkg/p/src/main.c":       "int main(void) { return 0; }\n",
		"pkg/p/src/Makefile":     "all:\n\tcc main.c\n",
		"pkg/p/etc/config":       "id=1\n",
		"pkg/p/main.o":           "obj\n",
		"pkg/p/cmd/tool/main.go": "package main\n\nfunc main() {}\n",
		"pkg/q/build.yml":        "image: q\n",
		"pkg/q/Dockerfile":       "FROM alpine:3.20\n",
	}
	for rel, text := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return root
}

// BenchmarkLoadPkg is the per-package part of the prescan: reading and
// parsing build.yml and the Dockerfile.
func BenchmarkLoadPkg(b *testing.B) {
	root := benchPkg(b)
	var r smallfile.Reader
	b.ReportAllocs()
	for b.Loop() {
		if p := loadPkg(&r, root, "pkg/p"); p.err != nil || p.dfErr != nil {
			b.Fatal(p.err, p.dfErr)
		}
	}
}

// BenchmarkGenerateRules is one package's GenerateRules, in a walk (which
// it needs for the directory listings), after the prescan.
func BenchmarkGenerateRules(b *testing.B) {
	root := benchPkg(b)
	l := NewLanguage().(*lkLang)
	c := config.New()
	c.RepoRoot, c.WorkDir = root, root
	cexts := []config.Configurer{&config.CommonConfigurer{}, &walk.Configurer{}, l}
	fs := flag.NewFlagSet("gazelle", flag.ContinueOnError)
	for _, ce := range cexts {
		ce.RegisterFlags(fs, "update", c)
	}
	if err := fs.Parse([]string{"-repo_root=" + root}); err != nil {
		b.Fatal(err)
	}
	for _, ce := range cexts {
		if err := ce.CheckFlags(fs, c); err != nil {
			b.Fatal(err)
		}
	}
	ran := false
	walk.Walk(c, cexts, []string{root}, walk.VisitAllUpdateSubdirsMode, func(dir, rel string, c *config.Config, update bool, f *rule.File, subdirs, regularFiles, genFiles []string) {
		if rel != "pkg/p" {
			return
		}
		args := language.GenerateArgs{Config: c, Dir: dir, Rel: rel, File: f, Subdirs: subdirs, RegularFiles: regularFiles}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if res := l.GenerateRules(args); len(res.Gen) != 1 {
				b.Fatalf("generated %d rules, want the linuxkit_pkg", len(res.Gen))
			}
		}
		ran = true
	})
	if !ran {
		b.Fatal("the walk did not reach pkg/p")
	}
}
