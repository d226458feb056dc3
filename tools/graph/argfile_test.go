package graph

import (
	"path/filepath"
	"strings"
	"testing"
)

// A --build-arg-file's absolute @lkt: paths are taken as is, as
// TransformBuildArgValue takes them (only relative ones are joined to the
// file's directory); a Bazel action refuses them, naming the file, the arg
// and the fix.
func TestArgFileAbsoluteRefPaths(t *testing.T) {
	root := tree(t, map[string]string{"base": "image: base\norg: ex\n", "many/one": "image: one\norg: ex\n", "many/.hidden": "image: hidden\norg: ex\n"})
	file := filepath.Join(root, "args/build-args")
	writeTree(t, root, "args/build-args", "BASE=@lkt:pkg:"+filepath.Join(root, "base")+"\nDEP_%=@lkt:pkgs:"+filepath.Join(root, "many")+"/*\n")

	af, err := ReadArgFile(file, opts)
	if err != nil {
		t.Fatalf("the CLI refuses absolute paths in a build-arg file: %v", err)
	}
	var got []string
	for _, a := range af.Args {
		got = append(got, a.Name+"="+a.Value[:strings.LastIndexByte(a.Value, ':')])
	}
	if want := "BASE=ex/base DEP_EX_ONE=ex/one"; strings.Join(got, " ") != want {
		t.Errorf("args %s, want %s", strings.Join(got, " "), want)
	}
	if images(af.Deps) != "base one" {
		t.Errorf("deps %s, want base one", images(af.Deps))
	}

	o := opts
	o.SrcsManifest = "srcs.json"
	_, err = ReadArgFile(file, o)
	if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "BASE") || !strings.Contains(err.Error(), "absolute") || !strings.Contains(err.Error(), "relative to") {
		t.Errorf("in a Bazel action: %v; want an error naming the file, the arg, the absolute path and the fix", err)
	}
}
