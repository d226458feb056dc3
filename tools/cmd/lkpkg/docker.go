package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/dockerload"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
)

// loadIntoDocker loads the build output out of p into the engine, as
// linuxkit's Pkg.Build does with --docker (WithBuildTargetDockerCache):
// each arch's image as org/image:<tag>-<arch>, and the image of the
// machine's own arch also as org/image:<tag>; when releasing (release not
// empty) also under the release tag the same way.
func loadIntoDocker(ctx context.Context, e *dockerload.Engine, p *pkg.Package, out string, res *build.Result, release string, stderr io.Writer) error {
	var relRef string
	if release != "" {
		var err error
		if relRef, err = p.ReleaseRef(release); err != nil {
			return err
		}
	}
	for _, a := range res.Arches {
		lp, err := layout.FromPath(filepath.Join(out, a.Layout))
		if err != nil {
			return fmt.Errorf("%s: %w", a.Ref, err)
		}
		idx, err := lp.ImageIndex()
		if err != nil {
			return fmt.Errorf("%s: %w", a.Ref, err)
		}
		// The layout also holds the image's attestation manifest: load the
		// image the result names.
		h, err := v1.NewHash(a.Digest)
		if err != nil {
			return fmt.Errorf("%s: %w", a.Ref, err)
		}
		img, err := idx.Image(h)
		if err != nil {
			return fmt.Errorf("%s: the layout %s: %w", a.Ref, filepath.Join(out, a.Layout), err)
		}
		tags := []string{a.Ref}
		if a.Arch == runtime.GOARCH {
			tags = append(tags, res.Ref)
		}
		if relRef != "" {
			// linuxkit's Pkg.Build tags <release>-<arch>, and <release>
			// for the machine's arch.
			tags = append(tags, relRef+"-"+a.Arch)
			if a.Arch == runtime.GOARCH {
				tags = append(tags, relRef)
			}
		}
		if err := e.Load(ctx, img, tags); err != nil {
			return fmt.Errorf("%s: %w", a.Ref, err)
		}
		for _, t := range tags {
			fmt.Fprintf(stderr, "%s: loaded into the docker engine at %s as %s\n", p.Ref(), e.Host, t)
		}
	}
	return nil
}
