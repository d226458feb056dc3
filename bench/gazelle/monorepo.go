// Package gazellebench benchmarks the Gazelle extension (see run.sh) on a
// synthetic LinuxKit monorepo that Generate writes: n packages in groups of
// 50, each with a build.yml, a multi-stage Dockerfile built FROM earlier
// packages (through ARG defaults, @lkt:pkg: build args and COPY --from,
// with comments, continued lines and a heredoc), a few source files, for one
// package in four a .gitignore of its own and a file it ignores, and for one
// package in ten a Go command in a subdirectory (its own Bazel package).
package gazellebench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// PkgDir is the directory, relative to the monorepo's root, of package i.
func PkgDir(i int) string { return fmt.Sprintf("pkg/g%03d/p%05d", i/50, i) }

// Generate writes a monorepo of n packages into out, which must not exist.
func Generate(out string, n int) error {
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s exists", out)
	}
	var err error
	write := func(rel, content string) {
		p := filepath.Join(out, rel)
		if err == nil {
			err = os.MkdirAll(filepath.Dir(p), 0o755)
		}
		if err == nil {
			err = os.WriteFile(p, []byte(content), 0o644)
		}
	}
	write("MODULE.bazel", "module(name = \"mono\")\n")
	write("BUILD.bazel", "# gazelle:prefix example.com/mono\n")
	write(".gitignore", "*.o\n/bazel-*\nbuild/\n")
	arches := []string{"", "arches:\n  - amd64\n  - arm64\n", "arches:\n  - amd64\n"}
	for i := range n {
		var y strings.Builder
		fmt.Fprintf(&y, "image: p%05d\n", i)
		if i%7 == 0 {
			y.WriteString("org: example\n")
		}
		y.WriteString(arches[i%3])
		if i%11 == 0 {
			y.WriteString("network: true\n")
		}
		if i%13 == 0 {
			y.WriteString("tag: \"v1-{{.Hash}}\"\n")
		}
		var df strings.Builder
		df.WriteString("# syntax=docker/dockerfile:1\n")
		base := "alpine:3.20"
		if i > 0 {
			base = fmt.Sprintf("linuxkit/p%05d:0123456789abcdef", (i*7919)%i)
			if i%7 == 0 {
				base = "alpine:3.20"
			}
		}
		if i > 1 && i%5 == 0 {
			j := (i * 31) % i
			fmt.Fprintf(&y, "buildArgs:\n  - DEP=@lkt:pkg:../../g%03d/p%05d\n  - VERSION=%d\n", j/50, j, i)
			df.WriteString("ARG DEP\n")
		}
		fmt.Fprintf(&df, "ARG BASE=%s\nFROM ${BASE} AS build\n# the toolchain\nRUN apk add --no-cache \\\n    build-base \\\n    make\nCOPY src /src\nRUN <<EOF\nset -e\nmake -C /src\nEOF\n", base)
		if strings.Contains(df.String(), "ARG DEP") {
			df.WriteString("FROM ${DEP} AS dep\n")
		}
		df.WriteString("FROM scratch\nCOPY --from=build /out/ /\n")
		if i > 2 && i%3 == 0 {
			fmt.Fprintf(&df, "COPY --from=linuxkit/p%05d:latest /usr/bin/tool /usr/bin/\n", i/3)
		}
		df.WriteString("CMD [\"/usr/bin/p\"]\n")
		d := PkgDir(i)
		write(d+"/build.yml", y.String())
		write(d+"/Dockerfile", df.String())
		write(d+"/src/main.c", "int main(void) { return 0; }\n")
		write(d+"/src/Makefile", "all:\n\tcc -o /out/usr/bin/p main.c\n")
		write(d+"/etc/config", fmt.Sprintf("id=%d\n", i))
		if i%10 == 0 {
			write(d+"/cmd/tool/main.go", "package main\n\nfunc main() {}\n")
		}
		if i%17 == 0 {
			write(d+"/main.o", "obj\n")
		}
		if i%4 == 0 {
			// A package's own .gitignore, as generated files often have.
			write(d+"/.gitignore", "/out/\n*.tmp\n")
			write(d+"/src/cache.tmp", "x\n")
		}
	}
	return err
}
