package build

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/rules-linuxkit/rules_linuxkit/tools/graph"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
	"github.com/rules-linuxkit/rules_linuxkit/tools/version"
)

// The labels that name the tool that built an image (linuxkit's names).
const (
	LabelVersion  = "org.mobyproject.linuxkit.version"
	LabelRevision = "org.mobyproject.linuxkit.revision"
)

// Source returns the package's source repository: build.yml's gitrepo,
// else linuxkit's default (NewPkgInfo).
func Source(p *pkg.Package) string {
	if p.Spec.GitRepo != "" {
		return p.Spec.GitRepo
	}
	return spec.DefaultGitRepo
}

// Labels returns the labels linuxkit puts on a package image
// (Pkg.Build, pkglib/build.go) that describe the package: its source and
// its config. linuxkit's org.opencontainers.image.revision names the
// checkout's HEAD, which is not the package: one tag would get a new image
// after every unrelated commit, and the CLI and Bazel (which has no git)
// would differ, so it is not set. Like linuxkit, which stamps its own
// version.Version and version.GitCommit, lkpkg stamps its own version and
// revision (tools/version: set at release, the same for the CLI and Bazel).
func Labels(p *pkg.Package, o Options) (map[string]string, error) {
	l := map[string]string{
		"org.opencontainers.image.source": Source(p),
		LabelVersion:                      version.Version,
		LabelRevision:                     version.Revision,
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

// treePrefix is the 12 hex digits a Go pseudo-version takes from a commit.
var treePrefix = regexp.MustCompile(`^[0-9a-f]{12}`)

// GoPkgVersion is the GOPKGVERSION build arg: a Go pseudo-version, in the
// form linuxkit's git.goPkgVersion gives (v0.0.0-<yyyymmddhhmmss>-<12
// hex>), made from the package instead of HEAD: the build's timestamp
// (SOURCE_DATE_EPOCH, UTC) and the package hash's first 12 digits. ""
// when the hash is not a tree id (--hash, --dev).
func GoPkgVersion(p *pkg.Package, epoch int64) string {
	h := treePrefix.FindString(p.Hash)
	if h == "" {
		return ""
	}
	return "v0.0.0-" + time.Unix(epoch, 0).UTC().Format("20060102150405") + "-" + h
}

// BuildArgs returns every build arg, in order: the preset ones (SOURCE,
// GOPKGVERSION, PKG_HASH, PKG_IMAGE, PKG_TAG, SOURCE_DATE_EPOCH), then
// build.yml's with @lkt: references resolved, then the caller's; later
// ones override earlier ones of the same name, as in linuxkit, where the
// presets fill only names nobody set. linuxkit's REVISION (HEAD's commit)
// is not preset: see Labels.
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
	set("SOURCE", Source(p))
	if v := GoPkgVersion(p, o.SourceDateEpoch); v != "" {
		set("GOPKGVERSION", v)
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
