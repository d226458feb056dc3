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
	summary: "check that a Bazel linuxkit_pkg's attributes agree with its build.yml",
	usage: `--attrs ATTRS.json [--build-yml FILE] [--output STAMP] DIR

build.yml is the source of truth; Gazelle copies some of its fields into the
linuxkit_pkg rule. ATTRS.json holds those attributes as the rule has them
(written by the rule): {"label", "image", "org", "arches", "tag", "network",
"disable_cache", "disable_content_trust", "build_args", "dockerfile",
"extra_srcs"}. Any difference is an error that says to run gazelle. With
--output the file is written on success (Bazel's validation output).
Only build.yml is read.`,
}

func init() { checkAttrsCommand.run = runCheckAttrs }

// ruleAttrs are the attributes Gazelle copies from build.yml.
type ruleAttrs struct {
	Label               string   `json:"label"`
	Image               string   `json:"image"`
	Org                 string   `json:"org"`
	Arches              []string `json:"arches"`
	Tag                 string   `json:"tag"`
	Network             bool     `json:"network"`
	DisableCache        bool     `json:"disable_cache"`
	DisableContentTrust bool     `json:"disable_content_trust"`
	BuildArgs           []string `json:"build_args"`
	Dockerfile          string   `json:"dockerfile"`
	ExtraSrcs           []string `json:"extra_srcs"`
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
		return fmt.Errorf("%s does not match %s:\n  %s\n%s: run gazelle (bazel run //:gazelle) to update the BUILD file from build.yml",
			label, file, strings.Join(diffs, "\n  "), label)
	}
	if *output != "" {
		return os.WriteFile(*output, []byte("ok "+file+"\n"), 0o644)
	}
	return nil
}

// diffAttrs lists the attributes that differ from build.yml.
func diffAttrs(a ruleAttrs, s *spec.Spec) []string {
	var d []string
	str := func(name, got, want string) {
		if got != want {
			d = append(d, fmt.Sprintf("%s = %q, build.yml says %q", name, got, want))
		}
	}
	list := func(name string, got, want []string) {
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			d = append(d, fmt.Sprintf("%s = %s, build.yml says %s", name, g, w))
		}
	}
	boolean := func(name string, got, want bool) {
		if got != want {
			d = append(d, fmt.Sprintf("%s = %v, build.yml says %v", name, got, want))
		}
	}
	str("image", a.Image, s.Image)
	str("org", a.Org, s.Org)
	list("arches", a.Arches, s.Arches)
	str("tag", a.Tag, s.Tag)
	boolean("network", a.Network, s.Network)
	boolean("disable_cache", a.DisableCache, s.DisableCache)
	boolean("disable_content_trust", a.DisableContentTrust, s.DisableContentTrust)
	var args []string
	for _, ba := range s.BuildArgs {
		args = append(args, ba.String())
	}
	list("build_args", a.BuildArgs, args)
	str("dockerfile", a.Dockerfile, s.Dockerfile)
	var extra []string
	for _, es := range s.ExtraSources {
		extra = append(extra, es.Src+":"+es.Dst)
	}
	got := slices.Clone(a.ExtraSrcs)
	slices.Sort(got)
	slices.Sort(extra)
	list("extra_srcs", got, extra)
	return d
}
