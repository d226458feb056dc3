package spec

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzDecodeSimple is the differential check of decodeSimple: for every
// input it accepts, yaml.v3 decodes one document to the same tree (kind,
// style, tag, value and position of every node).
func FuzzDecodeSimple(f *testing.F) {
	addTestdataSeeds(f)
	// FuzzParse's kept corpus, in go test's encoding: one []byte("...").
	corpus, _ := filepath.Glob("testdata/fuzz/FuzzParse/*")
	for _, s := range corpus {
		text, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		if data, ok := corpusBytes(text); ok {
			f.Add(data)
		}
	}
	for _, s := range append(takenCases, otherCases...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := decodeSimple(data)
		if !ok {
			return
		}
		var want yaml.Node
		dec := yaml.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("decodeSimple accepted what yaml.v3 rejects (%v):\n%s", err, data)
		}
		var extra yaml.Node
		if err := dec.Decode(&extra); err == nil {
			t.Fatalf("decodeSimple accepted a stream of more than one document:\n%s", data)
		}
		if g, w := dumpNode(got), dumpNode(&want); g != w {
			t.Fatalf("decodeSimple differs from yaml.v3 on\n%s\ngot:\n%s\nwant:\n%s", data, g, w)
		}
	})
}

// takenCases are build.ymls in the simple style: decodeSimple takes them.
var takenCases = []string{
	"image: foo\n",
	"image: foo\norg: example\narches:\n  - amd64\n  - arm64\nbuildArgs:\n  - DEP=@lkt:pkg:../../g000/p00003\n  - VERSION=10\n",
	"image: foo\narches:\n- amd64\n- arm64\nnetwork: true\n",
	"image: 'foo'\norg: \"lk\"\ndisable-cache: False\nconfig:\n  binds:\n    - /a:/b\n  capabilities:\n    - all\n  pid: host\n",
	"image: foo\n\n\narches:\n\n  - amd64\n",
	"image: foo\nnetwork: yes\ngitrepo: null\n",
	"image: foo   \norg:   bar\n",
}

// otherCases are near misses: decodeSimple leaves most of them to yaml.v3.
var otherCases = []string{
	"image: foo\n  bar\n",
	"image: foo\narches:\n  - amd64\n    - arm64\n",
	"image: foo\nextra-sources:\n  - ../a:a\n",
	"image:\n",
	"image: foo\nimage: bar\n",
	"image: a b\n",
	"image: a  b\n",
	"image: 'it''s'\n",
	"image: \"a\\tb\"\n",
	"  image: foo\n",
	"image: foo\nconfig:\n    readonly: true\n    net: host\n  x: y\n",
	"image: foo\r\n",
	"image: foo",
	"image: foo\n- a\n",
}

// TestDecodeSimpleTakesTheSimpleStyle guards the point of decodeSimple: the
// build.ymls of the simple style are taken by it, not left to yaml.v3.
func TestDecodeSimpleTakesTheSimpleStyle(t *testing.T) {
	for _, s := range takenCases {
		if _, ok := decodeSimple([]byte(s)); !ok {
			t.Errorf("decodeSimple left to yaml.v3:\n%s", s)
		}
	}
}

// corpusBytes decodes a go test fuzz corpus file of one []byte value.
func corpusBytes(text []byte) ([]byte, bool) {
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "[]byte(") {
		return nil, false
	}
	var s string
	if _, err := fmt.Sscanf(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"), "%q", &s); err != nil {
		return nil, false
	}
	return []byte(s), true
}

// dumpNode prints every field of n and its descendants that a build.yml's
// reader could look at.
func dumpNode(n *yaml.Node) string {
	var b strings.Builder
	var dump func(n *yaml.Node, depth int)
	dump = func(n *yaml.Node, depth int) {
		fmt.Fprintf(&b, "%s kind=%d style=%d tag=%q value=%q anchor=%q at %d:%d comments=%q/%q/%q alias=%v\n",
			strings.Repeat("  ", depth), n.Kind, n.Style, n.Tag, n.Value, n.Anchor, n.Line, n.Column,
			n.HeadComment, n.LineComment, n.FootComment, n.Alias != nil)
		for _, c := range n.Content {
			dump(c, depth+1)
		}
	}
	dump(n, 0)
	return b.String()
}

// BenchmarkParseSimple is Parse of a build.yml in the simple style (as
// bench/gazelle's packages have them), which decodeSimple takes; compare
// BenchmarkParse, whose file has comments and goes to yaml.v3.
func BenchmarkParseSimple(b *testing.B) {
	data := []byte(takenCases[1])
	if _, ok := decodeSimple(data); !ok {
		b.Fatal("decodeSimple does not take the benchmark's file")
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("build.yml", data); err != nil {
			b.Fatal(err)
		}
	}
}
