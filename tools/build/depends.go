package build

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/moby/buildkit/client"

	"github.com/rules-linuxkit/rules_linuxkit/tools/depends"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// hasDepends reports whether build.yml lists images to save into the
// context (depends.docker-images list or from-file).
func hasDepends(s *spec.Spec) bool {
	di := s.Depends.DockerImages
	return len(di.List) > 0 || di.FromFile != ""
}

// placeDepends saves the images build.yml depends on, for arch, into the
// build context ctxDir (a copy of the package: contextDir makes one).
func placeDepends(ctx context.Context, p *pkg.Package, o Options, ctxDir, arch string) error {
	src := o.Depends
	if src == nil {
		src = depends.Remote{}
	}
	return depends.Place(ctx, p.Spec, ctxDir, arch, src, o.Progress)
}

// buildEachArch builds a package that depends on images once per arch, as
// each arch's context holds that arch's images, and merges the builds as
// `lkpkg index` merges Bazel's per-arch actions: the same index as one
// multi-arch solve would give for the same images.
func buildEachArch(ctx context.Context, c *client.Client, p *pkg.Package, o Options, arches []string) (*Result, error) {
	out, err := filepath.Abs(o.OutputDir)
	if err != nil {
		return nil, err
	}
	tmp, err := stageOutput(out)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var inputs []string
	for _, arch := range arches {
		ao := o
		ao.Platforms, ao.Format = []string{arch}, FormatDir
		ao.OutputDir = filepath.Join(tmp, arch)
		if _, err := Build(ctx, c, p, ao); err != nil {
			return nil, err
		}
		inputs = append(inputs, ao.OutputDir)
	}
	if o.Format != FormatTar {
		return Merge(out, inputs)
	}
	merged := filepath.Join(tmp, ".merged")
	res, err := Merge(merged, inputs)
	if err != nil {
		return nil, err
	}
	for i := range res.Arches {
		if err := tarDir(filepath.Join(merged, res.Arches[i].Layout)); err != nil {
			return nil, err
		}
		res.Arches[i].Layout += ".tar"
	}
	if err := tarDir(filepath.Join(merged, res.Layout)); err != nil {
		return nil, err
	}
	res.Layout += ".tar"
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(merged, "result.json"), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return res, commitOutput(merged, out)
}
