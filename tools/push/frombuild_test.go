package push_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
)

// TestFromBuildRejectsBadResult: result.json decides which files are
// pushed; a layout outside the output directory or an unknown arch is
// refused, naming the file, the field and the fix.
func TestFromBuildRejectsBadResult(t *testing.T) {
	for _, tc := range []struct {
		arch, layout string
		want         string
	}{
		{"amd64", "../other/amd64", `layout "../other/amd64"`},
		{"amd64", "..", `layout ".."`},
		{"amd64", "/etc/layout", `layout "/etc/layout"`},
		{"amd64", "a/../../amd64", `layout "a/../../amd64"`},
		{"amd64", "", `layout ""`},
		{"x86_64", "amd64", `arch "x86_64" is not a GOARCH`},
		{"../amd64", "amd64", `arch "../amd64"`},
	} {
		dir := t.TempDir()
		res := fmt.Sprintf(`{"ref":"lkt/pkg:t","tag":"t","digest":%q,"layout":"index","arches":[{"arch":"arm64","layout":"arm64","digest":%[1]q},{"arch":%q,"layout":%q,"digest":%[1]q}]}`, zeroDigest, tc.arch, tc.layout)
		if err := os.WriteFile(filepath.Join(dir, "result.json"), []byte(res), 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := push.FromBuild(dir, "lkt/pkg")
		if err == nil {
			t.Errorf("arch %q layout %q accepted", tc.arch, tc.layout)
			continue
		}
		for _, w := range []string{filepath.Join(dir, "result.json"), "arches[1]", tc.want, "lkpkg build"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("arch %q layout %q: error %q does not say %q", tc.arch, tc.layout, err, w)
			}
		}
	}
	// A plain relative layout, in a subdirectory too, is fine.
	dir := t.TempDir()
	res := fmt.Sprintf(`{"ref":"lkt/pkg:t","tag":"t","digest":%q,"layout":"index","arches":[{"arch":"amd64","layout":"amd64","digest":%[1]q},{"arch":"arm64","layout":"out/arm64.tar","digest":%[1]q}]}`, zeroDigest)
	if err := os.WriteFile(filepath.Join(dir, "result.json"), []byte(res), 0o644); err != nil {
		t.Fatal(err)
	}
	p, _, err := push.FromBuild(dir, "lkt/pkg")
	if err != nil {
		t.Fatal(err)
	}
	if p.Arches[1].Layout != filepath.Join(dir, "out", "arm64.tar") {
		t.Errorf("layout %s", p.Arches[1].Layout)
	}
}

// zeroDigest is a well-formed digest for result.json files whose blobs are
// never read.
const zeroDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
