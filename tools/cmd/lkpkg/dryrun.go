package main

import (
	"io"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/push"
)

// dryRun prints what lkpkg build (--push) would do with plan: builds (see
// Builder.DryRun) and, for the packages in pushOpts, the tags it would
// push. Nothing is built, written or sent.
func dryRun(b *build.Builder, plan *build.Plan, pushOpts map[*pkg.Package]push.Options, stdout io.Writer) error {
	if err := b.DryRun(stdout, plan); err != nil {
		return err
	}
	for _, p := range plan.Packages {
		o, ok := pushOpts[p]
		if !ok {
			continue
		}
		arches := plan.Arches(p)
		if res := plan.Reused(p); res != nil {
			arches = arches[:0]
			for _, a := range res.Arches {
				arches = append(arches, a.Arch)
			}
		}
		if err := describePush(stdout, p, p.Tag, arches, o); err != nil {
			return err
		}
	}
	return nil
}

// storeDir is where build outputs are kept: --cache, else the default.
func storeDir(cache string) (string, error) {
	if cache != "" {
		return cache, nil
	}
	return build.DefaultStoreDir()
}
