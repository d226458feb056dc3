// Package build builds a LinuxKit package's Dockerfile with BuildKit, once
// per architecture, and writes the result as OCI image layouts:
//
//	<out>/<arch>/     the image pushed as org/image:<tag>-<arch>
//	<out>/index/      the multi-arch index pushed as org/image:<tag>
//	<out>/result.json the tag, the digests and the layouts (Result)
//
// (or <out>/<arch>.tar and <out>/index.tar with FormatTar), plus the
// OutputMarker file. The output directory is written atomically: everything
// goes to a temporary sibling that is renamed into place, so a failed build
// leaves no partial output and the earlier one intact. A directory holding
// files lkpkg did not write is refused, never emptied (CheckOutputDir).
//
// Semantics follow linuxkit pkg build: RUN has no network unless build.yml
// says network: true; disable-cache disables BuildKit's cache; build.yml's
// buildArgs (with @lkt:pkg: references resolved to package references) and
// the caller's build args are passed with linuxkit's preset ones; the image
// carries the org.opencontainers.image.source and org.mobyproject.config
// labels. A FROM naming another package's image can be fed from that
// package's local build output (Options.Contexts) as a BuildKit named
// context, so no registry is needed.
//
// Reproducibility: SOURCE_DATE_EPOCH (Options.SourceDateEpoch, default 0:
// from the package, never the clock) sets the image's created time and
// history, and the exporter rewrites layer file timestamps to it, so the same
// inputs give the same digests, cached or on a clean daemon. What can still
// change digests: RUN steps whose output depends on the network or the time
// (downloads, random data, timestamps written into file contents), a base
// image referenced by a moving tag, and a different BuildKit version
// (compression and layer encoding).
package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/containerd/v2/plugins/content/local"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/util/progress/progressui"
	"github.com/tonistiigi/fsutil"

	"github.com/rules-linuxkit/rules_linuxkit/tools/graph"
	"github.com/rules-linuxkit/rules_linuxkit/tools/hash"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// Format is the output format of the layouts.
type Format string

const (
	// FormatDir writes OCI layout directories.
	FormatDir Format = "dir"
	// FormatTar writes OCI layout tar archives.
	FormatTar Format = "tar"
)

// Options configure Build.
type Options struct {
	// OutputDir receives the layouts (see the package comment). Required.
	OutputDir string
	// Format is FormatDir (default) or FormatTar.
	Format Format
	// Platforms restricts the build to these arches (GOARCH names or
	// linux/<arch>); empty means every arch in build.yml.
	Platforms []string
	// BuildArgs override build.yml's buildArgs and the preset ones.
	BuildArgs []spec.BuildArg
	// Contexts maps image references (as written in FROM, after ARG
	// expansion) to OCI layouts (a directory, e.g. another package's
	// <out>/index) that BuildKit uses instead of pulling them.
	Contexts map[string]string
	// PkgOptions load the packages that @lkt:pkg: build args refer to.
	PkgOptions pkg.Options
	// SourceDateEpoch is the build's timestamp, in seconds (default 0).
	SourceDateEpoch int64
	// Revision is the source revision (git commit), passed as REVISION and
	// recorded as org.opencontainers.image.revision; empty if unknown.
	Revision string
	// Labels are extra image labels.
	Labels map[string]string
	// Progress receives BuildKit's progress output; nil means none.
	Progress io.Writer
	// ProgressMode is auto (default: tty on a terminal, else plain), plain,
	// tty, quiet or rawjson.
	ProgressMode string
}

// Result describes a build's output; it is also written as result.json.
type Result struct {
	// Ref is org/image:tag, the index's name.
	Ref string `json:"ref"`
	// Tag is the tag.
	Tag string `json:"tag"`
	// Digest is the index's digest.
	Digest string `json:"digest"`
	// Layout is the index layout, relative to the output directory.
	Layout string `json:"layout"`
	// SourceDateEpoch is the timestamp used.
	SourceDateEpoch int64 `json:"source_date_epoch"`
	// Arches are the per-arch images, in build.yml order.
	Arches []ArchResult `json:"arches"`
}

// ArchResult is one architecture's image.
type ArchResult struct {
	Arch string `json:"arch"`
	// Ref is org/image:tag-arch.
	Ref string `json:"ref"`
	// Digest is the image manifest's digest.
	Digest string `json:"digest"`
	// Layout is the image's layout, relative to the output directory.
	Layout string `json:"layout"`
}

// Arches returns the arches to build: build.yml's, in its order, restricted
// to platforms when given.
func Arches(s *spec.Spec, platforms []string) ([]string, error) {
	if len(platforms) == 0 {
		return slices.Clone(s.Arches), nil
	}
	want := map[string]bool{}
	for _, p := range platforms {
		a := strings.TrimPrefix(strings.TrimSpace(p), "linux/")
		a, _, _ = strings.Cut(a, "/") // linux/arm64/v8
		if !spec.ValidArch(a) {
			return nil, fmt.Errorf("platform %q is not linux/<GOARCH>", p)
		}
		want[a] = true
	}
	var out []string
	for _, a := range s.Arches {
		if want[a] {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s builds for %s; none of them is in --platforms %s", s.File, strings.Join(s.Arches, ", "), strings.Join(platforms, ","))
	}
	return out, nil
}

// Build builds p with the BuildKit client c.
func Build(ctx context.Context, c *client.Client, p *pkg.Package, o Options) (*Result, error) {
	if o.OutputDir == "" {
		return nil, errors.New("no output directory")
	}
	if o.Format == "" {
		o.Format = FormatDir
	}
	if o.Format != FormatDir && o.Format != FormatTar {
		return nil, fmt.Errorf("output format %q: use dir or tar", o.Format)
	}
	arches, err := Arches(p.Spec, o.Platforms)
	if err != nil {
		return nil, err
	}
	if err := checkPlatforms(ctx, c, arches); err != nil {
		return nil, err
	}

	out, err := filepath.Abs(o.OutputDir)
	if err != nil {
		return nil, err
	}
	stage, err := stageOutput(out)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	exportDir := filepath.Join(stage, ".export")

	ctxDir, cleanup, err := contextDir(p, stage)
	if err != nil {
		return nil, err
	}
	defer cleanup()

	attrs, err := frontendAttrs(p, o, arches)
	if err != nil {
		return nil, err
	}
	stores, err := namedContexts(o.Contexts, attrs)
	if err != nil {
		return nil, err
	}

	dockerfile := filepath.Join(p.Dir, filepath.FromSlash(p.Spec.Dockerfile))
	if p.Sources != nil {
		// The copy: the package's own file may be a link out of a sandbox.
		dockerfile = filepath.Join(ctxDir, filepath.FromSlash(p.Spec.Dockerfile))
	}
	ctxFS, err := fsutil.NewFS(ctxDir)
	if err != nil {
		return nil, err
	}
	dfFS, err := fsutil.NewFS(filepath.Dir(dockerfile))
	if err != nil {
		return nil, err
	}
	attrs["filename"] = filepath.Base(dockerfile)

	epoch := strconv.FormatInt(o.SourceDateEpoch, 10)
	solveOpt := client.SolveOpt{
		Frontend:      "dockerfile.v0",
		FrontendAttrs: attrs,
		LocalMounts:   map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS},
		OCIStores:     stores,
		// Lets BuildKit reuse the previous transfer of this directory.
		SharedKey: p.Dir,
		Exports: []client.ExportEntry{{
			Type: client.ExporterOCI,
			Attrs: map[string]string{
				"tar":               "false",
				"name":              p.Ref(),
				"oci-mediatypes":    "true",
				"rewrite-timestamp": "true",
				"source-date-epoch": epoch,
			},
			OutputDir: exportDir,
		}},
	}

	if err := solve(ctx, c, solveOpt, o, dockerfile); err != nil {
		return nil, err
	}

	res, err := writeLayouts(exportDir, stage, p, arches, o.Format)
	if err != nil {
		return nil, err
	}
	res.SourceDateEpoch = o.SourceDateEpoch
	if err := os.RemoveAll(exportDir); err != nil {
		return nil, err
	}
	if ctxDir != p.Dir {
		if err := os.RemoveAll(ctxDir); err != nil {
			return nil, err
		}
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(stage, "result.json"), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	if err := commitOutput(stage, out); err != nil {
		return nil, err
	}
	return res, nil
}

// checkPlatforms fails early, with the fix, when the daemon cannot run a
// requested arch (no QEMU binfmt handler for it).
func checkPlatforms(ctx context.Context, c *client.Client, arches []string) error {
	ws, err := c.ListWorkers(ctx)
	if err != nil {
		return fmt.Errorf("listing BuildKit workers: %w", err)
	}
	have := map[string]bool{}
	for _, w := range ws {
		for _, p := range w.Platforms {
			have[p.Architecture] = true
		}
	}
	var missing []string
	for _, a := range arches {
		if !have[a] {
			missing = append(missing, a)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the BuildKit daemon cannot run %s binaries: %s", strings.Join(missing, ", "), BinfmtHint(missing))
	}
	return nil
}

// BinfmtHint says how to enable QEMU emulation for arches.
func BinfmtHint(arches []string) string {
	return fmt.Sprintf("enable QEMU user emulation on the daemon's host, then restart the daemon (lkpkg builder stop && lkpkg builder start): "+
		"as root, `mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc` (if not mounted) and "+
		"`apt-get install qemu-user-static binfmt-support` (or scripts/buildkit-setup --binfmt); "+
		"check with `ls /proc/sys/fs/binfmt_misc/` (wanted: qemu-%s)", qemuName(arches[0]))
}

func qemuName(arch string) string {
	switch arch {
	case "arm64":
		return "aarch64"
	case "amd64":
		return "x86_64"
	case "arm":
		return "arm"
	case "386":
		return "i386"
	}
	return arch
}

// contextDir returns the build context: the package directory itself, or,
// with extra-sources, a copy of it with each extra source placed at its
// destination.
func contextDir(p *pkg.Package, stage string) (string, func(), error) {
	if p.Sources != nil {
		return manifestContext(p, stage)
	}
	if len(p.Spec.ExtraSources) == 0 {
		return p.Dir, func() {}, nil
	}
	dir := filepath.Join(stage, ".context")
	if err := copyTree(p.Dir, dir); err != nil {
		return "", nil, err
	}
	for _, es := range p.Spec.ExtraSources {
		src := es.Src
		if !filepath.IsAbs(src) {
			src = filepath.Join(p.Dir, src)
		}
		dst := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(es.Dst, "/")))
		if err := copyTree(src, dst); err != nil {
			return "", nil, fmt.Errorf("%s: extra-sources %s:%s: %w", p.Spec.File, es.Src, es.Dst, err)
		}
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// manifestContext makes the build context of exactly the files p.Sources
// declares, resolving Bazel's absolute symlinks (hash.FileEntry's rule), so
// that BuildKit sees the same files that were hashed.
func manifestContext(p *pkg.Package, stage string) (string, func(), error) {
	dir := filepath.Join(stage, ".context")
	place := func(files []pkg.SourceFile, under string) error {
		for _, f := range files {
			e, err := hash.FileEntry(f.Rel, filepath.FromSlash(f.Path))
			if err != nil {
				return err
			}
			to := filepath.Join(dir, filepath.FromSlash(under), filepath.FromSlash(f.Rel))
			if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
				return err
			}
			switch e.Mode {
			case hash.ModeSymlink:
				err = os.Symlink(e.Target, to)
			case hash.ModeExecutable:
				err = copyFile(filepath.FromSlash(f.Path), to, 0o755)
			default:
				err = copyFile(filepath.FromSlash(f.Path), to, 0o644)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := place(p.Sources.Srcs, ""); err != nil {
		return "", nil, err
	}
	for _, es := range p.Spec.ExtraSources {
		files, ok := p.Sources.Extra(es.Src)
		if !ok {
			return "", nil, fmt.Errorf("%s: extra-sources %s is not in the srcs manifest", p.Spec.File, es.Src)
		}
		if err := place(files, strings.TrimPrefix(es.Dst, "/")); err != nil {
			return "", nil, fmt.Errorf("%s: extra-sources %s:%s: %w", p.Spec.File, es.Src, es.Dst, err)
		}
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// solve runs the build and turns BuildKit's errors into ones that name the
// Dockerfile line.
func solve(ctx context.Context, c *client.Client, opt client.SolveOpt, o Options, dockerfile string) error {
	ch := make(chan *client.SolveStatus)
	mode := progressui.DisplayMode(o.ProgressMode)
	if mode == "" {
		mode = progressui.AutoMode
	}
	w := o.Progress
	if w == nil {
		w, mode = io.Discard, progressui.QuietMode
	}
	display, err := progressui.NewDisplay(w, mode)
	if err != nil {
		return err
	}
	displayDone := make(chan error, 1)
	go func() {
		_, err := display.UpdateFrom(context.WithoutCancel(ctx), ch)
		displayDone <- err
	}()
	_, solveErr := c.Solve(ctx, nil, opt, ch)
	<-displayDone
	if solveErr != nil {
		return solveError(solveErr, dockerfile, o.Progress)
	}
	return nil
}

// solveError prefixes a build error with file:line of the Dockerfile
// instruction that failed, and prints the surrounding lines.
func solveError(err error, dockerfile string, w io.Writer) error {
	srcs := errdefs.Sources(err)
	msg := err.Error()
	for _, prefix := range []string{"failed to solve: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	if len(srcs) == 0 {
		if strings.Contains(msg, "exec format error") {
			return fmt.Errorf("%s: %s (is QEMU binfmt set up? %s)", dockerfile, msg, BinfmtHint([]string{"arm64"}))
		}
		return fmt.Errorf("%s: %s", dockerfile, msg)
	}
	s := srcs[len(srcs)-1]
	line := 0
	if len(s.Ranges) > 0 {
		line = int(s.Ranges[0].Start.Line)
	}
	if w != nil {
		fmt.Fprintf(w, "\n%s:%d\n", dockerfile, line)
		_ = s.Print(w)
	}
	if strings.Contains(msg, "exec format error") {
		msg += " (" + BinfmtHint([]string{"arm64"}) + ")"
	}
	return fmt.Errorf("%s:%d: %s", dockerfile, line, msg)
}

// namedContexts turns Options.Contexts into context:<name> frontend attrs
// and the OCI stores the session serves them from.
func namedContexts(contexts map[string]string, attrs map[string]string) (map[string]content.Store, error) {
	if len(contexts) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(contexts))
	for n := range contexts {
		names = append(names, n)
	}
	slices.Sort(names)
	stores := map[string]content.Store{}
	for i, n := range names {
		dir := contexts[n]
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			return nil, fmt.Errorf("context %q: not an image reference: %w", n, err)
		}
		key := strings.TrimSuffix(reference.FamiliarString(named), ":latest")
		desc, err := layoutRoot(dir)
		if err != nil {
			return nil, fmt.Errorf("context %s=%s: %w", n, dir, err)
		}
		store, err := local.NewStore(dir)
		if err != nil {
			return nil, fmt.Errorf("context %s=%s: %w", n, dir, err)
		}
		id := "lkpkgctx" + strconv.Itoa(i)
		stores[id] = store
		attrs["context:"+key] = "oci-layout://" + id + "@" + desc.Digest.String()
	}
	return stores, nil
}

// frontendAttrs are the Dockerfile frontend's options for p.
func frontendAttrs(p *pkg.Package, o Options, arches []string) (map[string]string, error) {
	attrs := map[string]string{}
	plats := make([]string, len(arches))
	for i, a := range arches {
		plats[i] = "linux/" + a
	}
	attrs["platform"] = strings.Join(plats, ",")
	if !p.Spec.Network {
		attrs["force-network-mode"] = "none"
	}
	if p.Spec.DisableCache {
		attrs["no-cache"] = ""
	}
	args, err := BuildArgs(p, o)
	if err != nil {
		return nil, err
	}
	for _, a := range args {
		attrs["build-arg:"+a.Name] = a.Value
	}
	labels, err := Labels(p, o)
	if err != nil {
		return nil, err
	}
	for k, v := range labels {
		attrs["label:"+k] = v
	}
	return attrs, nil
}

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

// DefaultStoreDir is where `lkpkg build` keeps outputs when no --output-dir
// is given: ${XDG_CACHE_HOME:-~/.cache}/rules_linuxkit/images. A package's
// output is StoreDir/<org>/<image>/<tag>, where later builds of packages
// that refer to it find it.
func DefaultStoreDir() (string, error) {
	c, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(c, "rules_linuxkit", "images"), nil
}

// StorePath is p's output directory in the store.
func StorePath(store string, p *pkg.Package) string {
	return filepath.Join(store, filepath.FromSlash(p.Spec.Org), p.Spec.Image, p.Tag)
}
