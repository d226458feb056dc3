package gazelle

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/walk"
	"github.com/rules-linuxkit/rules_linuxkit/tools/dockerfile"
	"github.com/rules-linuxkit/rules_linuxkit/tools/gitignore"
	"github.com/rules-linuxkit/rules_linuxkit/tools/smallfile"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// pkgInfo is one package directory, its build.yml and Dockerfile parsed
// once, up front and in parallel.
type pkgInfo struct {
	root string // absolute repository root
	rel  string
	spec *spec.Spec
	err  error // build.yml is invalid
	// hasArches tells whether build.yml sets arches (the parser fills in
	// defaults, so only the text can tell).
	hasArches bool
	df        *dockerfile.File
	// dfErr is a Dockerfile that cannot be read or parsed.
	dfErr error
}

// prescan finds every package directory of the tree Gazelle walks (from
// Gazelle's own directory cache, so no extra I/O) and parses its build.yml
// and Dockerfile, in parallel. Knowing all packages before generating any
// directory tells each directory whether some package's extra-sources
// names it, whatever the walk order.
func (l *lkLang) prescan(c *config.Config) {
	if l.scanned {
		return
	}
	l.scanned = true
	l.pkgs = map[string]*pkgInfo{}
	l.extraDirs = map[string]bool{}
	l.bazelPkgs = map[string]bool{}
	l.srcsDirs = map[string]bool{}
	l.dependsRepos, l.moduleErr = moduleDependsImages(c.RepoRoot)
	// Which directories hold a .gitignore, from the directory listings of
	// Gazelle's walk, so that the matcher does not look for one in each of
	// the others. Filled as the walk below reaches a directory, before any
	// path in it is matched; not used once a Gazelle exclusion might hide a
	// .gitignore from those listings.
	listed := map[string]bool{}
	listingOK := !l.mayHideGitignore(c.RepoRoot)
	if m, err := gitignore.New(c.RepoRoot, gitignore.WithListing(func(dir string) (has, known bool) {
		if !listingOK {
			return false, false
		}
		has, known = listed[dir]
		return has, known
	})); err != nil {
		log.Printf("linuxkit: %v; not applying .gitignore files", err)
	} else {
		l.ignore = m
	}

	var rels []string
	func() {
		// GetDirInfo is only available during a walk.
		defer func() {
			if r := recover(); r != nil {
				rels = nil
			}
		}()
		var visit func(rel string)
		visit = func(rel string) {
			di, err := walk.GetDirInfo(rel)
			if err != nil {
				return
			}
			if di.File != nil {
				for _, d := range di.File.Directives {
					if d.Key == "exclude" && patternMayMatchGitignore(d.Value) {
						listingOK = false
					}
				}
			}
			listed[rel] = slices.Contains(di.RegularFiles, gitignoreFile)
			if slices.Contains(di.RegularFiles, spec.DefaultBuildYML) && !l.ignored(path.Join(rel, spec.DefaultBuildYML), false) {
				rels = append(rels, rel)
			}
			for _, s := range di.Subdirs {
				sub := path.Join(rel, s)
				if !l.ignored(sub, true) {
					visit(sub)
				}
			}
		}
		visit("")
	}()

	// Each worker takes the next package from a counter (a channel would
	// cost a hand-off between goroutines per package).
	infos := make([]*pkgInfo, len(rels))
	var wg sync.WaitGroup
	var next atomic.Int64
	for range min(runtime.GOMAXPROCS(0), len(rels)) {
		wg.Go(func() {
			var r smallfile.Reader
			for i := int(next.Add(1) - 1); i < len(rels); i = int(next.Add(1) - 1) {
				infos[i] = loadPkg(&r, c.RepoRoot, rels[i])
			}
		})
	}
	wg.Wait()

	for _, p := range infos {
		l.pkgs[p.rel] = p
		if p.spec == nil {
			continue
		}
		for _, es := range p.spec.ExtraSources {
			if d, ok := extraDir(c.RepoRoot, p.rel, es.Src); ok {
				l.extraDirs[d] = true
			}
		}
	}
}

const gitignoreFile = ".gitignore"

// mayHideGitignore reports whether an exclusion of Gazelle's command line
// (-exclude) or .bazelignore might keep a .gitignore out of the walk's
// directory listings. An exclude directive is checked as the prescan meets it.
func (l *lkLang) mayHideGitignore(root string) bool {
	// The flag's value is its patterns joined with ",".
	if strings.Contains(l.cliExcludes, "{") {
		return true
	}
	for p := range strings.SplitSeq(l.cliExcludes, ",") {
		if p != "" && patternMayMatchGitignore(p) {
			return true
		}
	}
	data, err := os.ReadFile(filepath.Join(root, ".bazelignore"))
	return err == nil && strings.Contains(string(data), gitignoreFile)
}

// patternMayMatchGitignore reports whether a Gazelle exclude pattern might
// match a file named .gitignore: its last element is that name or a glob.
func patternMayMatchGitignore(p string) bool {
	last := p[strings.LastIndexByte(p, '/')+1:]
	return last == gitignoreFile || strings.ContainsAny(last, `*?[{\`)
}

// extraDir is the repo-relative directory that must hold a linuxkit_srcs
// filegroup for an extra source: the source itself if it is a directory,
// else the directory of the file.
func extraDir(root, rel, src string) (string, bool) {
	p := path.Join(rel, src)
	if path.IsAbs(src) || p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	if p == "." {
		p = ""
	}
	if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err == nil && !fi.IsDir() {
		p = path.Dir(p)
		if p == "." {
			p = ""
		}
	}
	return p, true
}

// loadPkg reads (with r) and parses one package's build.yml and Dockerfile.
func loadPkg(r *smallfile.Reader, root, rel string) *pkgInfo {
	p := &pkgInfo{root: root, rel: rel}
	dir := filepath.Join(root, filepath.FromSlash(rel))
	// spec.Parse rather than spec.Load: Load's checks resolve symlinks
	// component by component, which costs more than the rest of the
	// package; the rule's action runs them anyway, and a missing Dockerfile
	// is found below.
	file := filepath.Join(dir, spec.DefaultBuildYML)
	data, err := r.ReadFile(file)
	if err != nil {
		p.err = err
		return p
	}
	if p.spec, p.err = spec.Parse(file, data); p.err != nil {
		return p
	}
	_, p.hasArches = topKeys(data)
	file = filepath.Join(dir, filepath.FromSlash(p.spec.Dockerfile))
	name := path.Join(rel, p.spec.Dockerfile)
	data, err = r.ReadFile(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			// As linuxkit, whose show-tag never reads the Dockerfile: the
			// target is written (its tag is right); building it fails until
			// the file exists.
			p.dfErr = fmt.Errorf("%s: dockerfile: %s does not exist in the package directory (the target is written; its build fails until you create it or point dockerfile at an existing file)", path.Join(rel, spec.DefaultBuildYML), p.spec.Dockerfile)
		} else {
			p.dfErr = fmt.Errorf("%s: %w", name, err)
		}
		return p
	}
	p.df, err = dockerfile.Parse(data)
	if err != nil {
		p.dfErr = fmt.Errorf("%s: %w", name, err)
	}
	return p
}

// ignored reports whether git ignores the repo-relative path.
func (l *lkLang) ignored(rel string, isDir bool) bool {
	return l.ignore != nil && l.ignore.Match(rel, isDir)
}

// isScopeRoot reports whether rel is a package directory or an extra-sources
// directory.
func (l *lkLang) isScopeRoot(rel string) bool {
	if p := l.pkgs[rel]; p != nil {
		return true
	}
	return l.extraDirs[rel]
}
