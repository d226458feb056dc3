package dockerfile_test

import (
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/dockerfile"
)

// BenchmarkParse parses a Dockerfile like those of bench/gazelle's packages
// (the prescan of Gazelle parses one per package): ARGs before FROM, three
// stages, a continued RUN, a heredoc, COPY --from.
func BenchmarkParse(b *testing.B) {
	data := []byte("# syntax=docker/dockerfile:1\nARG DEP\nARG BASE=linuxkit/p00003:0123456789abcdef\nFROM ${BASE} AS build\n# the toolchain\nRUN apk add --no-cache \\\n    build-base \\\n    make\nCOPY src /src\nRUN <<EOF\nset -e\nmake -C /src\nEOF\nFROM ${DEP} AS dep\nFROM scratch\nCOPY --from=build /out/ /\nCOPY --from=linuxkit/p00003:latest /usr/bin/tool /usr/bin/\nCMD [\"/usr/bin/p\"]\n")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := dockerfile.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Stages) != 3 {
			b.Fatalf("%d stages, want 3", len(f.Stages))
		}
	}
}
