package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/rules-linuxkit/rules_linuxkit/tools/hashmanifest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

var updateHashesCommand = command{
	name:    "update-hashes",
	summary: "write each package's hash manifest (<hash-dir>/<dir name>.hash) in dependency order, as `linuxkit pkg update-hashes` does",
	usage: `--hash-dir DIR [--strict-deps] [--arch ARCH] PATH[:BUILD-YML]...

Each package's tag is computed as 'show-tag --hash-dir DIR' computes it,
its dependencies' (the @lkt: build args among the listed packages) first,
and written to DIR/<package dir name>.hash with the dependencies' tags. A
manifest that already names the same tag, build yml and arch is left
untouched; a written one gets the Unix epoch as its time, for make. A file
in DIR that is not a manifest is never replaced.`,
}

func init() { updateHashesCommand.run = runUpdateHashes }

// hashSpec is one PATH[:BUILD-YML] argument (linuxkit's pkgSpec).
type hashSpec struct {
	arg, dir, buildYML string
	spec               *spec.Spec
}

// runUpdateHashes mirrors linuxkit's pkgUpdateHashesCmd
// (src/cmd/linuxkit/pkg_updatehashes.go): parsePkgSpec, depEdges, topoSort,
// then NewFromConfig with the hash dir and WriteHashManifest per package.
// Like linuxkit it takes none of pkg's other flags: each package is loaded
// with its build yml and the defaults ($LINUXKIT_PKG_ORG still replaces the
// default org, as everywhere in lkpkg).
func runUpdateHashes(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(&updateHashesCommand, stderr)
	hashDir := fs.String("hash-dir", "", "directory to write the .hash manifests into (required)")
	strictDeps := fs.Bool("strict-deps", false, "a package an @lkt: build arg refers to must be among the arguments or already have a manifest")
	arch := fs.String("arch", "", "target arch recorded in the manifests (a manifest of another arch is rewritten)")
	paths, err := parseDirs(fs, args)
	if err != nil {
		return err
	}
	if *hashDir == "" {
		return errors.New("--hash-dir is required: the directory the .hash manifests are written to")
	}
	hd, err := filepath.Abs(*hashDir)
	if err != nil {
		return err
	}
	defaultOrg := os.Getenv(pkg.EnvOrg)
	specs := make([]*hashSpec, 0, len(paths))
	byDir := map[string]int{}
	byName := map[string]int{}
	for _, a := range paths {
		s := &hashSpec{arg: a, buildYML: spec.DefaultBuildYML}
		dir := a
		if i := strings.IndexByte(a, ':'); i >= 0 {
			dir, s.buildYML = a[:i], a[i+1:]
		}
		if s.dir, err = filepath.Abs(dir); err != nil {
			return err
		}
		if j, ok := byDir[s.dir]; ok {
			return fmt.Errorf("%s and %s are the same package: list it once", specs[j].arg, a)
		}
		// linuxkit names a manifest after the directory only: two such
		// packages would overwrite each other's, and their consumers
		// would read the wrong tag.
		name := filepath.Base(s.dir) + hashmanifest.Ext
		if j, ok := byName[name]; ok {
			return fmt.Errorf("%s and %s would both write %s (a manifest is named after the package directory): update them with separate --hash-dir directories", specs[j].arg, a, hashmanifest.PathFor(hd, s.dir))
		}
		if s.spec, err = spec.LoadFile(s.dir, s.buildYML); err != nil {
			return err
		}
		byDir[s.dir], byName[name] = len(specs), len(specs)
		specs = append(specs, s)
	}
	edges := make([][]int, len(specs))
	for i := range specs {
		if edges[i], err = depEdges(i, specs, byDir, defaultOrg); err != nil {
			return err
		}
	}
	order, err := topoSort(edges)
	if err != nil {
		var left []string
		for i, s := range specs {
			if !slices.Contains(order, i) {
				left = append(left, s.arg)
			}
		}
		return fmt.Errorf("the @lkt: build args of %s form a cycle: no order computes each one's dependencies first", strings.Join(left, ", "))
	}
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	verbose := globalsOf(fs).verbose
	for _, i := range order {
		s := specs[i]
		p, err := pkg.Load(s.dir, pkg.Options{BuildYML: s.buildYML, HashDir: hd, StrictDeps: *strictDeps, DefaultOrg: defaultOrg})
		if err != nil {
			return err
		}
		m := hashmanifest.File{Tag: p.Ref(), BuildYML: s.buildYML, Arch: *arch}
		for _, j := range edges[i] {
			dm, err := hashmanifest.Read(hd, specs[j].dir)
			if err != nil {
				return err
			}
			if dm == nil {
				continue
			}
			rel, err := filepath.Rel(cwd, specs[j].dir)
			if err != nil {
				rel = specs[j].dir
			}
			m.Deps = append(m.Deps, hashmanifest.Dep{Path: filepath.ToSlash(rel), Tag: dm.Tag})
		}
		if _, err := hashmanifest.Write(hd, s.dir, m); err != nil {
			return err
		}
		if verbose {
			fmt.Fprintf(stdout, "  %s → %s\n", s.arg, m.Tag)
		}
	}
	return nil
}

// depEdges returns the listed packages specs[i]'s @lkt: build args refer
// to (linuxkit's depEdges): @lkt:pkg: targets (if the Dockerfile declares
// the arg, or declares none) and @lkt:pkgs: matches whose arg name the
// Dockerfile declares (all, if it declares none). A glob matching the
// package itself leaves it out, as pkg does.
func depEdges(i int, specs []*hashSpec, byDir map[string]int, defaultOrg string) ([]int, error) {
	s := specs[i]
	declared := pkg.DockerfileARGNames(filepath.Join(s.dir, "Dockerfile"))
	var deps []int
	seen := map[int]bool{}
	add := func(j int) {
		if !seen[j] && j != i {
			seen[j] = true
			deps = append(deps, j)
		}
	}
	for _, a := range s.spec.BuildArgs {
		kind, ref := a.Ref()
		if kind == spec.RefNone {
			continue
		}
		path := filepath.FromSlash(ref)
		if !filepath.IsAbs(path) {
			path = filepath.Join(s.dir, path)
		}
		path = filepath.Clean(path)
		if kind == spec.RefPkg {
			if j, ok := byDir[path]; ok && (len(declared) == 0 || declared[a.Name]) {
				add(j)
			}
			continue
		}
		matches, err := filepath.Glob(path)
		if err != nil {
			return nil, fmt.Errorf("%s: buildArgs %s: %w", s.spec.File, a.Name, err)
		}
		for _, m := range matches {
			j, ok := byDir[m]
			if !ok || strings.HasPrefix(filepath.Base(m), ".") {
				continue
			}
			d := specs[j].spec
			org := d.Org
			if !d.OrgSet && defaultOrg != "" {
				org = defaultOrg
			}
			if len(declared) > 0 && !declared[a.PkgsName(org, d.Image)] {
				continue
			}
			add(j)
		}
	}
	return deps, nil
}

// topoSort is Kahn's sort of n nodes, edges[i] being the nodes i depends
// on, dependencies first, ties by index (linuxkit's topoSort). On a cycle
// it returns the nodes it could order and an error.
func topoSort(edges [][]int) ([]int, error) {
	n := len(edges)
	rdeps := make([][]int, n)
	in := make([]int, n)
	for i, deps := range edges {
		in[i] = len(deps)
		for _, d := range deps {
			rdeps[d] = append(rdeps[d], i)
		}
	}
	var queue, out []int
	for i := range n {
		if in[i] == 0 {
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		node := queue[0]
		queue = queue[1:]
		out = append(out, node)
		var ready []int
		for _, r := range rdeps[node] {
			if in[r]--; in[r] == 0 {
				ready = append(ready, r)
			}
		}
		sort.Ints(ready)
		queue = append(queue, ready...)
	}
	if len(out) != n {
		return out, errors.New("cycle")
	}
	return out, nil
}
