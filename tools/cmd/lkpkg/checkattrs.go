package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

var checkAttrsCommand = command{
	name:    "check-attrs",
	summary: "check that a Bazel linuxkit_pkg's arches and extra_srcs agree with its build.yml",
	usage: `--attrs ATTRS.json [--build-yml FILE] [--output STAMP] DIR

build.yml is the source of truth and the actions read it. Bazel needs two of
its fields before any action runs, so Gazelle writes them into the
linuxkit_pkg rule: arches (one build action per arch) and extra-sources (as
extra_srcs labels, the action inputs). ATTRS.json holds them as the rule has
them (written by the rule): {"label", "arches", "extra_srcs"}. A difference
is an error naming build.yml, the field and the fix (bazel run //:gazelle).
With --output the file is written on success (Bazel's validation output).
Only build.yml is read.`,
}

func init() { checkAttrsCommand.run = runCheckAttrs }

// ruleAttrs are the rule attributes that duplicate build.yml fields.
type ruleAttrs struct {
	Label     string   `json:"label"`
	Arches    []string `json:"arches"`
	ExtraSrcs []string `json:"extra_srcs"`
}

func runCheckAttrs(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(&checkAttrsCommand, stderr)
	attrsFile := fs.String("attrs", "", "JSON file with the rule's attributes (required)")
	buildYML := fs.String("build-yml", spec.DefaultBuildYML, "name of the package's spec file")
	output := fs.String("output", "", "file to write on success")
	dirs, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) != 1 || *attrsFile == "" {
		fs.Usage()
		return errUsage
	}
	b, err := os.ReadFile(*attrsFile)
	if err != nil {
		return err
	}
	var a ruleAttrs
	if err := json.Unmarshal(b, &a); err != nil {
		return fmt.Errorf("%s: %w", *attrsFile, err)
	}
	file := filepath.Join(dirs[0], *buildYML)
	data, err := spec.ReadFile(file)
	if err != nil {
		return err
	}
	s, err := spec.Parse(file, data)
	if err != nil {
		return err
	}
	if diffs := diffAttrs(a, s); len(diffs) > 0 {
		label := a.Label
		if label == "" {
			label = "the linuxkit_pkg rule"
		}
		return fmt.Errorf("%s: the BUILD file of %s disagrees:\n  %s\nfix: run `bazel run //:gazelle` to update the BUILD file from build.yml",
			file, label, strings.Join(diffs, "\n  "))
	}
	if *output != "" {
		return os.WriteFile(*output, []byte("ok "+file+"\n"), 0o644)
	}
	return nil
}

// diffAttrs lists the duplicated fields whose rule attribute differs from
// build.yml, each naming the build.yml field and the attribute.
func diffAttrs(a ruleAttrs, s *spec.Spec) []string {
	var d []string
	list := func(field, attr string, got, want []string) {
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			// append to a non-nil slice: an empty list prints as [], not null.
			g, _ := json.Marshal(append([]string{}, got...))
			w, _ := json.Marshal(append([]string{}, want...))
			d = append(d, fmt.Sprintf("%s: build.yml has %s, the rule's %s = %s", field, w, attr, g))
		}
	}
	// Order matters: it is the order of the per-arch outputs.
	list("arches", "arches", a.Arches, s.Arches)
	var extra []string
	for _, es := range s.ExtraSources {
		extra = append(extra, es.Src+":"+es.Dst)
	}
	// extra_srcs is a dict keyed by label: its order is not build.yml's.
	got := slices.Clone(a.ExtraSrcs)
	slices.Sort(got)
	slices.Sort(extra)
	list("extra-sources", "extra_srcs", got, extra)
	return d
}
