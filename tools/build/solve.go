package build

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/containerd/v2/plugins/content/local"
	"github.com/distribution/reference"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/util/progress/progressui"

	"github.com/rules-linuxkit/rules_linuxkit/tools/attest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
)

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
// and the OCI stores the session serves them from. It also returns, per
// arch, what the provenance must say instead of each context's index
// digest (and store id): the digest of the arch's image in it (see
// attest.Normalize), so that a build fed the dependency's multi-arch index
// (the CLI) and one fed its one-arch output (a Bazel action) state the
// same materials.
func namedContexts(contexts map[string]string, attrs map[string]string, arches []string) (map[string]content.Store, map[string]map[string]string, error) {
	if len(contexts) == 0 {
		return nil, nil, nil
	}
	subst := map[string]map[string]string{}
	names := make([]string, 0, len(contexts))
	for n := range contexts {
		names = append(names, n)
	}
	slices.Sort(names)
	stores := map[string]content.Store{}
	for _, n := range names {
		dir := contexts[n]
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			return nil, nil, fmt.Errorf("context %q: not an image reference: %w", n, err)
		}
		key := strings.TrimSuffix(reference.FamiliarString(named), ":latest")
		desc, err := layoutRoot(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("context %s=%s: %w", n, dir, err)
		}
		store, err := local.NewStore(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("context %s=%s: %w", n, dir, err)
		}
		if desc.MediaType.IsIndex() {
			if err := contextImages(dir, desc.Digest, arches, subst); err != nil {
				return nil, nil, fmt.Errorf("context %s=%s: %w", n, dir, err)
			}
		}
		// The store id is in the provenance (the material's purl): derived
		// from the content, not from which other contexts the build has
		// (the CLI and a Bazel action may pass different sets).
		id := "lkpkg" + desc.Digest.Hex[:16]
		stores[id] = store
		attrs["context:"+key] = "oci-layout://" + id + "@" + desc.Digest.String()
	}
	return stores, subst, nil
}

// contextImages records in subst[arch] that the index idx (in layout dir)
// stands, in arch's provenance, for its linux/arch image: digest for
// digest, hex for hex and store id for store id.
func contextImages(dir string, idx v1.Hash, arches []string, subst map[string]map[string]string) error {
	b, err := readInputBlob(dir, idx)
	if err != nil {
		return err
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(b))
	if err != nil {
		return err
	}
	for _, arch := range arches {
		for _, d := range im.Manifests {
			if d.Platform == nil || d.Platform.OS != "linux" || d.Platform.Architecture != arch || attest.IsAttestation(d) {
				continue
			}
			if subst[arch] == nil {
				subst[arch] = map[string]string{}
			}
			subst[arch][idx.Hex] = d.Digest.Hex
			subst[arch]["lkpkg"+idx.Hex[:16]] = "lkpkg" + d.Digest.Hex[:16]
			break
		}
	}
	return nil
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
	if !o.NoProvenance {
		// min: no build args or labels (they may hold secrets), no
		// Dockerfile source; writeLayouts removes the timestamps.
		attrs["attest:provenance"] = "mode=min,version=v1,reproducible=true"
	}
	if o.SBOMScanner != "" {
		attrs["attest:sbom"] = "generator=" + o.SBOMScanner
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
