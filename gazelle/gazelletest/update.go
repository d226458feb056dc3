// Package gazelletest runs Gazelle with the LinuxKit language in-process, for
// the golden tests of //gazelle and the benchmark in bench/gazelle. Users run
// the real command: a gazelle_binary with this language.
package gazelletest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/label"
	"github.com/bazelbuild/bazel-gazelle/language"
	golang "github.com/bazelbuild/bazel-gazelle/language/go"
	"github.com/bazelbuild/bazel-gazelle/language/proto"
	"github.com/bazelbuild/bazel-gazelle/merger"
	"github.com/bazelbuild/bazel-gazelle/repo"
	"github.com/bazelbuild/bazel-gazelle/resolve"
	"github.com/bazelbuild/bazel-gazelle/rule"
	"github.com/bazelbuild/bazel-gazelle/walk"

	lk "github.com/rules-linuxkit/rules_linuxkit/gazelle"
)

// visit is what generation left for resolution in one directory.
type visit struct {
	c       *config.Config
	rel     string
	file    *rule.File
	gen     []*rule.Rule
	empty   []*rule.Rule
	imports []interface{}
}

// AllLanguages are the languages of //gazelle:gazelle_bin, in its order:
// proto, Go, then LinuxKit.
func AllLanguages() []language.Language {
	return []language.Language{proto.NewLanguage(), golang.NewLanguage(), lk.NewLanguage()}
}

// LinuxKitLanguages are the languages of //gazelle:gazelle_linuxkit: LinuxKit
// alone, for trees whose only BUILD files are LinuxKit packages'.
func LinuxKitLanguages() []language.Language {
	return []language.Language{lk.NewLanguage()}
}

// Update is UpdateWith(root, AllLanguages()).
func Update(root string) (logged string, err error) {
	return UpdateWith(root, AllLanguages())
}

// UpdateWith does in-process what `gazelle` (update, the whole repository)
// does with a gazelle_binary of the languages langs (fresh ones, in the
// binary's order): configure, walk, generate and merge, index, resolve,
// merge again, fix the loads, and write the BUILD files whose text changed
// (compared, as gazelle does, with the text it read). It returns what the
// languages logged, with gazelle's "gazelle: " prefix. The phases are
// gazelle's library calls; only map_kind, alias_kind and the lang filter,
// which no test case uses, are left out. It sets the log package's output
// while it runs, so runs must not overlap.
func UpdateWith(root string, langs []language.Language) (logged string, err error) {
	var logs bytes.Buffer
	prevOut, prevFlags, prevPrefix := log.Writer(), log.Flags(), log.Prefix()
	log.SetOutput(&logs)
	log.SetFlags(0)
	log.SetPrefix("gazelle: ")
	defer func() {
		log.SetOutput(prevOut)
		log.SetFlags(prevFlags)
		log.SetPrefix(prevPrefix)
	}()

	cexts := []config.Configurer{&config.CommonConfigurer{}, &walk.Configurer{}, &resolve.Configurer{}}
	kinds := map[string]rule.KindInfo{}
	byKind := map[string]resolve.Resolver{}
	exts := []interface{}{}
	for _, l := range langs {
		cexts = append(cexts, l)
		exts = append(exts, l)
		for k, ki := range l.Kinds() {
			kinds[k] = ki
			byKind[k] = l
		}
	}

	c := config.New()
	c.WorkDir = root
	fs := flag.NewFlagSet("gazelle", flag.ContinueOnError)
	for _, ce := range cexts {
		ce.RegisterFlags(fs, "update", c)
	}
	if err := fs.Parse([]string{"-repo_root=" + root}); err != nil {
		return "", err
	}
	for _, ce := range cexts {
		if err := ce.CheckFlags(fs, c); err != nil {
			return "", fmt.Errorf("configuring gazelle: %w", err)
		}
	}
	var loads []rule.LoadInfo
	for _, l := range langs {
		if ml, ok := l.(language.ModuleAwareLanguage); ok {
			loads = append(loads, ml.ApparentLoads(c.ModuleToApparentName)...)
		} else {
			loads = append(loads, l.Loads()...)
		}
	}

	resolverOf := func(r *rule.Rule, _ string) resolve.Resolver { return byKind[r.Kind()] }
	index := resolve.NewRuleIndex(resolverOf, exts...)
	ctx := context.Background()
	for _, l := range langs {
		if lm, ok := l.(language.LifecycleManager); ok {
			lm.Before(ctx)
		}
	}

	var visits []visit
	var genErr error
	walk.Walk(c, cexts, []string{root}, walk.VisitAllUpdateSubdirsMode, func(dir, rel string, c *config.Config, update bool, f *rule.File, subdirs, regularFiles, genFiles []string) {
		if !update || genErr != nil {
			if f != nil {
				for _, r := range f.Rules {
					index.AddRule(c, r, f)
				}
			}
			return
		}
		if f != nil {
			for _, l := range langs {
				l.Fix(c, f)
			}
		}
		v := visit{c: c, rel: rel}
		for _, l := range langs {
			res := l.GenerateRules(language.GenerateArgs{
				Config: c, Dir: dir, Rel: rel, File: f,
				Subdirs: subdirs, RegularFiles: regularFiles, GenFiles: genFiles,
				OtherEmpty: v.empty, OtherGen: v.gen,
			})
			if len(res.Gen) != len(res.Imports) {
				genErr = fmt.Errorf("%s: language %s generated %d rules but %d imports", rel, l.Name(), len(res.Gen), len(res.Imports))
				return
			}
			v.empty = append(v.empty, res.Empty...)
			v.gen = append(v.gen, res.Gen...)
			v.imports = append(v.imports, res.Imports...)
		}
		if f == nil && len(v.gen) == 0 {
			return
		}
		if f == nil {
			f = rule.EmptyFile(filepath.Join(dir, c.DefaultBuildFileName()), rel)
			for _, r := range v.gen {
				r.Insert(f)
			}
		} else {
			merger.MergeFile(f, v.empty, v.gen, merger.PreResolve, kinds, nil)
		}
		v.file = f
		visits = append(visits, v)
		for _, r := range f.Rules {
			index.AddRule(c, r, f)
		}
	})
	for _, l := range langs {
		if fl, ok := l.(language.FinishableLanguage); ok {
			fl.DoneGeneratingRules()
		}
	}
	if genErr != nil {
		return logs.String(), genErr
	}
	index.Finish()

	rc, cleanup := repo.NewRemoteCache(nil)
	defer func() { err = errors.Join(err, cleanup()) }()
	for _, v := range visits {
		for i, r := range v.gen {
			if rs := resolverOf(r, v.rel); rs != nil {
				rs.Resolve(v.c, index, rc, r, v.imports[i], label.New(c.RepoName, v.rel, r.Name()))
			}
		}
		merger.MergeFile(v.file, v.empty, v.gen, merger.PostResolve, kinds, nil)
	}
	for _, l := range langs {
		if lm, ok := l.(language.LifecycleManager); ok {
			lm.AfterResolvingDeps(ctx)
		}
	}
	for _, v := range visits {
		merger.FixLoads(v.file, loads)
		if err := writeIfChanged(v.file); err != nil {
			return logs.String(), err
		}
	}
	return logs.String(), nil
}

// writeIfChanged saves f unless its text is what was read from the file (a
// new file has none), as gazelle leaves an up-to-date BUILD file untouched;
// and as gazelle does, with MkdirAll first (a stat, here), so that the
// benchmark counts its system calls too.
func writeIfChanged(f *rule.File) error {
	data := f.Format()
	if bytes.Equal(f.Content, data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o777); err != nil {
		return err
	}
	if err := os.WriteFile(f.Path, data, 0o666); err != nil {
		return err
	}
	f.Content = data
	return nil
}
