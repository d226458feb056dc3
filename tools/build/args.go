package build

import (
	"fmt"
	"strconv"

	"github.com/rules-linuxkit/rules_linuxkit/tools/graph"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// Labels returns the labels linuxkit puts on a package image.
func Labels(p *pkg.Package, o Options) (map[string]string, error) {
	l := map[string]string{}
	if p.Spec.GitRepo != "" {
		l["org.opencontainers.image.source"] = p.Spec.GitRepo
	}
	if o.Revision != "" {
		l["org.opencontainers.image.revision"] = o.Revision
	}
	if p.Spec.Config != nil {
		v, err := p.Spec.Config.Label()
		if err != nil {
			return nil, fmt.Errorf("%s: config: %w", p.Spec.File, err)
		}
		l["org.mobyproject.config"] = v
	}
	for k, v := range o.Labels {
		l[k] = v
	}
	return l, nil
}

// BuildArgs returns every build arg, in order: the preset ones (SOURCE,
// REVISION, PKG_HASH, PKG_IMAGE, PKG_TAG, SOURCE_DATE_EPOCH), then
// build.yml's with @lkt: references resolved, then the caller's; later
// ones override earlier ones of the same name.
func BuildArgs(p *pkg.Package, o Options) ([]spec.BuildArg, error) {
	var args []spec.BuildArg
	set := func(n, v string) {
		for i := range args {
			if args[i].Name == n {
				args[i].Value = v
				return
			}
		}
		args = append(args, spec.BuildArg{Name: n, Value: v})
	}
	if p.Spec.GitRepo != "" {
		set("SOURCE", p.Spec.GitRepo)
	}
	if o.Revision != "" {
		set("REVISION", o.Revision)
	}
	set("PKG_HASH", p.Hash)
	set("PKG_IMAGE", p.Image())
	set("PKG_TAG", p.Tag)
	set("SOURCE_DATE_EPOCH", strconv.FormatInt(o.SourceDateEpoch, 10))
	for _, a := range p.Spec.BuildArgs {
		resolved, err := graph.ResolveBuildArg(p, a, o.PkgOptions)
		if err != nil {
			return nil, err
		}
		for _, r := range resolved {
			set(r.Name, r.Value)
		}
	}
	for _, a := range o.BuildArgs {
		set(a.Name, a.Value)
	}
	return args, nil
}
