package hashmanifest

import (
	"testing"
)

// FuzzParse: Parse never panics, and what it accepts survives Marshal and
// Parse unchanged (the manifest lkpkg writes is the one it read).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "tag: a/b:c\nbuild-yml: build.yml\n", "tag: a/b:c\nbuild-yml: build-2.3.yml\narch: arm64\ndeps:\n    - path: pkg/x\n      tag: o/x:1\n",
		"tag: [a]\n", "- a\n", "tag: &a x\nbuild-yml: *a\n", "deps:\n  - path: [1]\n", "tag: \"a\\nb\"\n",
		"tag: a\n---\ntag: b\n", "tag: 1\narch: true\n", "future: {a: b}\n", "deps: []\n", "deps:\n  - {}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("f.hash", data)
		if err != nil {
			if m != nil {
				t.Fatalf("Parse returned a manifest and an error: %v", err)
			}
			return
		}
		out := Marshal(*m)
		back, err := Parse("f.hash", out)
		if err != nil {
			t.Fatalf("Parse of Marshal output %q: %v", out, err)
		}
		if string(Marshal(*back)) != string(out) {
			t.Fatalf("round trip: %q became %q", out, Marshal(*back))
		}
	})
}
