// Package pkg loads a LinuxKit package: its build.yml, its source hash and
// the tags it is built and pushed under. Every command of lkpkg and every
// Bazel action that needs a package's identity goes through Load, so the CLI
// and Bazel agree on tags by construction.
package pkg

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/gitignore"
	"github.com/rules-linuxkit/rules_linuxkit/tools/gitrepo"
	"github.com/rules-linuxkit/rules_linuxkit/tools/hash"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// Options override what build.yml and the source tree say, as linuxkit pkg's
// flags do. The zero value means: build.yml as written, hash from git.
type Options struct {
	// BuildYML names the spec file inside the package (default build.yml).
	BuildYML string
	// Org replaces build.yml's org.
	Org string
	// DefaultOrg replaces the built-in default org (linuxkit) for a
	// build.yml without one; the CLI takes it from $LINUXKIT_PKG_ORG.
	// build.yml's org, Dev and Org all win over it.
	DefaultOrg string
	// Hash replaces the computed hash (no dirty suffix is added to it).
	Hash string
	// Tag replaces build.yml's tag template; {{.Hash}} is the hash.
	Tag string
	// Dev uses $USER as the org and "dev" as the hash unless Hash is set.
	Dev bool
	// HashCommit is the commit whose tree is hashed in a git checkout
	// (default HEAD). Only HEAD can be dirty.
	HashCommit string
	// HashPath hashes this directory, a parent of the package, instead.
	HashPath string
	// ForceDirty marks the package dirty even when git says it is clean.
	ForceDirty bool
	// Hermetic never asks git: the hash is computed from the files on disk,
	// following symlinks as Bazel's sandboxes present declared inputs.
	Hermetic bool
	// SrcsManifest names a JSON file listing the package's files (see
	// Manifest): the hash is the tree of exactly those files, never asking
	// git or walking the directory. Bazel actions pass it.
	SrcsManifest string
	// Refs maps package directories (absolute, clean) to their
	// org/image:tag, for packages that @lkt:pkg: build args refer to and
	// that are known without loading them: a Bazel action gets its
	// dependencies' build outputs, not their sources.
	Refs map[string]string
	// Network, DisableCache and DisableContentTrust override build.yml.
	Network, DisableCache, DisableContentTrust *bool
	// HashDir is linuxkit's --hash-dir: the directory of hash manifests
	// (tools/hashmanifest) that @lkt: build args read their packages'
	// tags from; it also mixes the resolved build args into the hash
	// (hashdir.go).
	HashDir string
	// StrictDeps makes a dependency without a manifest in HashDir an
	// error instead of computing its tag (linuxkit's --strict-deps).
	StrictDeps bool
}

// Package is a loaded package.
type Package struct {
	// Dir is the absolute path of the package directory.
	Dir string
	// Spec is its build.yml, with Options' overrides applied.
	Spec *spec.Spec
	// Hash is the source hash: the git tree hash, combined with extra
	// sources' hashes, plus -dirty-<7 hex> for a dirty checkout.
	Hash string
	// Tag is the rendered tag template (usually equal to Hash).
	Tag string
	// Dirty is true when the checkout differs from the hashed commit.
	Dirty bool
	// Sources are the declared files when Options.SrcsManifest is set,
	// else nil; builds then use exactly these files as the context.
	Sources *Manifest
}

// Load reads the package in dir.
func Load(dir string, o Options) (*Package, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	buildYML := o.BuildYML
	if buildYML == "" {
		buildYML = "build.yml"
	}
	if o.HashDir != "" && (o.SrcsManifest != "" || o.Hermetic) {
		return nil, fmt.Errorf("--hash-dir cannot be used with --hermetic or --srcs-manifest: a Bazel action hashes its declared inputs only, and the hash manifests (and the packages they stand for) are not declared inputs (docs/compat.md, \"Hash manifests under Bazel\"): drop --hash-dir")
	}
	if buildYML, err = o.manifestBuildYML(abs, buildYML); err != nil {
		return nil, err
	}
	s, err := spec.LoadFile(abs, buildYML)
	if err != nil {
		return nil, err
	}
	if err := o.apply(s); err != nil {
		return nil, err
	}
	p := &Package{Dir: abs, Spec: s}
	if o.SrcsManifest != "" {
		if o.HashPath != "" {
			return nil, fmt.Errorf("--srcs-manifest and --hash-path exclude each other")
		}
		// The CLI takes an absolute extra source as linuxkit does (spec
		// warns), but no Bazel action can declare it as an input.
		for i, es := range s.ExtraSources {
			if path.IsAbs(es.Src) {
				return nil, fmt.Errorf("%s: extra-sources[%d]: source %s is an absolute path, which a Bazel action cannot declare as an input: make it relative to %s", s.File, i, es.Src, abs)
			}
		}
		if p.Sources, err = ReadManifest(o.SrcsManifest); err != nil {
			return nil, err
		}
	}
	h, dirty, err := o.hash(abs, s, p.Sources)
	if err != nil {
		return nil, err
	}
	p.Hash, p.Dirty = h, dirty
	p.Tag, err = s.RenderTag(h)
	if err != nil {
		return nil, fmt.Errorf("%s: tag template %q: %w", s.File, s.Tag, err)
	}
	if !dockerTag.MatchString(p.Tag) {
		return nil, fmt.Errorf("%s: tag template %q gives %q, which is not a valid image tag (letters, digits, _ . -, at most 128, not starting with . or -)", s.File, s.Tag, p.Tag)
	}
	return p, nil
}

// EnvOrg names the environment variable the CLI reads Options.DefaultOrg
// from. linuxkit has no such variable; it is lkpkg's (docs/compat.md).
const EnvOrg = "LINUXKIT_PKG_ORG"

// apply follows linuxkit's NewFromConfig: build.yml over the defaults,
// then --dev's $USER, then --org; --tag over build.yml's tag.
func (o Options) apply(s *spec.Spec) error {
	if o.DefaultOrg != "" && !s.OrgSet {
		s.Org = o.DefaultOrg
	}
	if o.Dev {
		user := os.Getenv("USER")
		if user == "" {
			return errors.New("--dev uses $USER as the org, but USER is not set: set it or pass --org")
		}
		s.Org = user
	}
	if o.Org != "" {
		s.Org = o.Org
	}
	if o.Tag != "" {
		s.Tag = o.Tag
	}
	if o.Network != nil {
		s.Network = *o.Network
	}
	if o.DisableCache != nil {
		s.DisableCache = *o.DisableCache
	}
	if o.DisableContentTrust != nil {
		s.DisableContentTrust = *o.DisableContentTrust
	}
	return nil
}

// hash returns the package hash and whether the checkout is dirty.
func (o Options) hash(dir string, s *spec.Spec, m *Manifest) (string, bool, error) {
	if m != nil {
		if o.Dev && o.Hash == "" {
			return "dev", o.ForceDirty, nil
		}
		if o.Hash != "" {
			return o.Hash, o.ForceDirty, nil
		}
		return manifestHash(s, m)
	}
	hashPath := dir
	if o.HashPath != "" {
		hp, err := filepath.Abs(o.HashPath)
		if err != nil {
			return "", false, err
		}
		if rel, err := filepath.Rel(hp, dir); err != nil || strings.HasPrefix(rel, "..") {
			return "", false, fmt.Errorf("--hash-path %s must be the package directory %s or one of its parents", o.HashPath, dir)
		}
		hashPath = hp
	}
	commit := o.HashCommit
	if commit == "" {
		commit = "HEAD"
	}

	var repo *gitrepo.Repo
	if !o.Hermetic {
		r, err := gitrepo.Open(dir)
		switch {
		case err == nil:
			repo = r
		case !errors.Is(err, gitrepo.ErrNotRepo):
			return "", false, err
		case commit != "HEAD":
			return "", false, fmt.Errorf("--hash-commit %s needs a git checkout, and %s is not in one", commit, dir)
		}
	}

	// The extra sources are hashed into the tag, so they are checked and
	// hashed for the dirty suffix as the package is: otherwise an edit in
	// one would be built and pushed under the committed hash.
	extraPaths := make([]string, len(s.ExtraSources))
	for i, src := range s.ExtraSources {
		extraPaths[i] = src.Src
		if !filepath.IsAbs(src.Src) {
			extraPaths[i] = filepath.Join(dir, src.Src)
		}
	}

	var srcs []gitSource
	dirty := o.ForceDirty
	if repo != nil {
		var err error
		if srcs, err = gitSources(repo, hashPath, s, extraPaths); err != nil {
			return "", false, err
		}
		d, err := anyDirty(srcs, commit)
		if err != nil {
			return "", false, err
		}
		dirty = dirty || d
	}
	if o.Dev && o.Hash == "" {
		return "dev", dirty, nil
	}
	if o.Hash != "" {
		return o.Hash, dirty, nil
	}

	var tree string
	var extra []string
	if repo != nil {
		for i, g := range srcs {
			h, err := g.repo.TreeHash(g.path, commit)
			if err != nil {
				return "", false, g.wrap(err)
			}
			if i == 0 {
				tree = h
			} else {
				extra = append(extra, h)
			}
		}
	} else {
		var err error
		if tree, err = hashFiles(hashPath, o.Hermetic); err != nil {
			return "", false, err
		}
		for i, path := range extraPaths {
			h, err := hashFiles(path, o.Hermetic)
			if err != nil {
				return "", false, fmt.Errorf("%s: extra-sources %s: %w", s.File, s.ExtraSources[i].Src, err)
			}
			extra = append(extra, h)
		}
	}
	if o.HashDir != "" {
		lines, err := o.hashDirLines(dir, s)
		if err != nil {
			return "", false, err
		}
		extra = append(extra, lines...)
	}
	h := hash.Combine(tree, extra...)
	if dirty && repo != nil {
		suffix, err := dirtySuffix(dir, srcs)
		if err != nil {
			return "", false, err
		}
		h += suffix
	}
	return h, dirty, nil
}

// manifestHash hashes exactly the files a manifest lists.
func manifestHash(s *spec.Spec, m *Manifest) (string, bool, error) {
	tree, err := TreeHash(m.Srcs)
	if err != nil {
		return "", false, fmt.Errorf("srcs manifest: %w", err)
	}
	var extra []string
	for _, src := range s.ExtraSources {
		files, ok := m.Extra(src.Src)
		if !ok {
			return "", false, fmt.Errorf("%s: extra-sources %s is not in the srcs manifest (in Bazel: add its files to extra_srcs; run gazelle)", s.File, src.Src)
		}
		h, err := TreeHash(files)
		if err != nil {
			return "", false, fmt.Errorf("%s: extra-sources %s: %w", s.File, src.Src, err)
		}
		extra = append(extra, h)
	}
	return hash.Combine(tree, extra...), false, nil
}

// hashFiles hashes a directory without git. Outside Bazel it honours the
// .gitignore files inside the directory, as git would for a fresh add;
// hermetic mode follows symlinks because Bazel's sandboxes present every
// declared input as a symlink into the source tree.
func hashFiles(path string, hermetic bool) (string, error) {
	m, err := gitignore.New(path)
	if err != nil {
		return "", err
	}
	opts := []hash.Option{hash.WithIgnore(m)}
	if hermetic {
		opts = append(opts, hash.WithFollowSymlinks())
	}
	return hash.Dir(path, opts...)
}

// dockerTag is the reference grammar's tag production.
var dockerTag = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// Image returns org/image.
func (p *Package) Image() string { return p.Spec.Org + "/" + p.Spec.Image }

// Ref returns org/image:tag, the multi-arch index's name.
func (p *Package) Ref() string { return p.Image() + ":" + p.Tag }

// ArchRef returns org/image:tag-arch, the name of one architecture's image.
func (p *Package) ArchRef(arch string) string { return p.Ref() + "-" + arch }

// ReleaseRef returns org/image:release. A dirty package has no release.
func (p *Package) ReleaseRef(release string) (string, error) {
	if release == "" {
		return "", errors.New("a release tag is required")
	}
	if p.Dirty {
		return "", fmt.Errorf("%s is dirty: commit it before releasing %s", p.Dir, release)
	}
	if !dockerTag.MatchString(release) {
		return "", fmt.Errorf("release %q is not a valid image tag", release)
	}
	return p.Image() + ":" + release, nil
}

// FromRef returns a stand-in for the package in dir known only by its
// reference org/image:tag (see Options.Refs).
func FromRef(dir, ref string) (*Package, error) {
	i := strings.LastIndexByte(ref, ':')
	j := strings.LastIndexByte(ref, '/')
	if i < 0 || j < 0 || i < j {
		return nil, fmt.Errorf("package reference %q: want org/image:tag", ref)
	}
	s := &spec.Spec{Org: ref[:j], Image: ref[j+1 : i]}
	return &Package{Dir: dir, Spec: s, Tag: ref[i+1:], Hash: ref[i+1:]}, nil
}

// Canonical expands a reference with no registry to Docker Hub's, as
// `linuxkit pkg show-tag --canonical` prints it.
func Canonical(ref string) string {
	first, _, found := strings.Cut(ref, "/")
	if found && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return ref
	}
	if !found {
		ref = "library/" + ref
	}
	return "docker.io/" + ref
}

// CheckBuildCommit refuses to build or push with a HashCommit other than
// HEAD, as linuxkit's Pkg.Build does (cleanForBuild, pkglib/pkglib.go):
// the tag would name that commit's tree while the files built are the
// checkout's. show-tag takes any commit.
func (o Options) CheckBuildCommit() error {
	if o.HashCommit == "" || o.HashCommit == "HEAD" {
		return nil
	}
	return fmt.Errorf("--hash-commit %s: packages are built and pushed only from HEAD, whose files are the ones on disk (as linuxkit pkg build): check out %s and run without --hash-commit, or use --hash-commit with show-tag only", o.HashCommit, o.HashCommit)
}
