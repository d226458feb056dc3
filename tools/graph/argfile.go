package graph

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// ArgFile is a build-arg file read by ReadArgFile.
type ArgFile struct {
	// Args are the build args, @lkt: references resolved, in file order.
	Args []spec.BuildArg
	// Deps are the packages the file's @lkt: references name.
	Deps []*pkg.Package
}

// ReadArgFile reads linuxkit's --build-arg-file: one NAME=VALUE per line,
// each line trimmed (blank lines are skipped). Values @lkt:pkg:<path> and
// @lkt:pkgs:<glob> are resolved as in build.yml, with paths relative to the
// file's directory, as linuxkit's TransformBuildArgValue anchors them; an
// absolute path is taken as is (a Bazel action refuses it, see refDirs).
func ReadArgFile(file string, o pkg.Options) (*ArgFile, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("--build-arg-file: %w", err)
	}
	defer f.Close()
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	var args []spec.BuildArg
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" {
			return nil, fmt.Errorf("%s:%d: %q is not NAME=VALUE: write one build arg per line, e.g. BASE=alpine:3.20", file, n, line)
		}
		a := spec.BuildArg{Name: name, Value: value}
		kind, rel := a.Ref()
		switch {
		case kind == spec.RefNone && strings.HasPrefix(value, "@lkt:"):
			return nil, fmt.Errorf("%s:%d: %s: %q is not a known linuxkit reference: use @lkt:pkg:<path> or @lkt:pkgs:<glob>", file, n, name, value)
		case kind != spec.RefNone && rel == "":
			return nil, fmt.Errorf("%s:%d: %s: %q has no package path: give it relative to the directory of %s", file, n, name, value, file)
		case kind != spec.RefNone && !path.IsAbs(rel) && filepath.IsAbs(rel):
			// A Windows drive path: linuxkit would join it to the directory.
			return nil, fmt.Errorf("%s:%d: %s: %q: give the package path relative to the directory of %s", file, n, name, value, file)
		case kind == spec.RefPkgs && !strings.Contains(name, "%"):
			return nil, fmt.Errorf("%s:%d: build arg %q uses @lkt:pkgs: but its name has no %%: put %% where each package's name goes, e.g. %s_%%", file, n, name, name)
		}
		args = append(args, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--build-arg-file %s: %w", file, err)
	}
	// The file stands in for a package in its directory: the same
	// resolution as build.yml's buildArgs, anchored there.
	anchor := &pkg.Package{Dir: filepath.Dir(abs), Spec: &spec.Spec{File: file, BuildArgs: args}}
	out := &ArgFile{}
	for _, a := range args {
		r, err := ResolveBuildArg(anchor, a, o)
		if err != nil {
			return nil, err
		}
		out.Args = append(out.Args, r...)
	}
	if out.Deps, err = Deps(anchor, o); err != nil {
		return nil, err
	}
	return out, nil
}
