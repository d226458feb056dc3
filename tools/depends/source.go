package depends

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
)

// Source gives the image a pinned reference names, for an arch: when the
// digest is an index, its linux/<arch> image.
type Source interface {
	Fetch(ctx context.Context, ref name.Digest, arch string) (v1.Image, error)
	// Fix says what to do when img cannot be fetched.
	Fix(img Image) string
}

// Remote pulls images from their registries, with lkpkg's one keychain
// and plain-HTTP guard (tools/registry).
type Remote struct {
	Registry registry.Registry
}

// Fetch implements Source.
func (r Remote) Fetch(ctx context.Context, ref name.Digest, arch string) (v1.Image, error) {
	if r.Registry.AllowHTTP(ref.Context().RegistryStr()) {
		d, err := name.NewDigest(ref.String(), name.Insecure)
		if err != nil {
			return nil, err
		}
		ref = d
	}
	opts := append(r.Registry.Options(), remote.WithContext(ctx))
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		return nil, err
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, err
		}
		return forArch(idx, arch)
	}
	if !desc.MediaType.IsImage() {
		return nil, fmt.Errorf("%s is a %s, not an image or an index", ref, desc.MediaType)
	}
	return desc.Image()
}

// Fix implements Source.
func (Remote) Fix(img Image) string {
	return "check the reference and the digest, and that `docker login` has credentials for " + img.Digest.Context().RegistryStr()
}

// forArch picks idx's linux/arch image; as the digest is pinned, a missing
// arch is an error, never another arch's image.
func forArch(idx v1.ImageIndex, arch string) (v1.Image, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	d, err := pickArch(im, arch)
	if err != nil {
		return nil, err
	}
	return idx.Image(d.Digest)
}

func pickArch(im *v1.IndexManifest, arch string) (v1.Descriptor, error) {
	want := v1.Platform{OS: "linux", Architecture: arch}
	var seen []string
	for _, d := range im.Manifests {
		if d.Platform == nil || !d.MediaType.IsImage() {
			continue
		}
		seen = append(seen, d.Platform.String())
		if d.Platform.Satisfies(want) {
			return d, nil
		}
	}
	return v1.Descriptor{}, fmt.Errorf("the index has no linux/%s image (it has %v)", arch, seen)
}

// Layouts serves images from OCI image layouts, by reference as written in
// build.yml: what a Bazel action gets as declared inputs, pulled once by the
// linuxkit.depends_image repository rule, since actions do not pull. The
// layouts' files may be symlinks, as Bazel's sandboxes present inputs
// (see dirLayout).
type Layouts map[string]string

// Fetch implements Source.
func (l Layouts) Fetch(ctx context.Context, ref name.Digest, arch string) (v1.Image, error) {
	// The same image however written: docker.io/library/alpine is alpine,
	// and a tag beside the digest changes nothing.
	key := func(d name.Digest) string { return d.Context().Name() + "@" + d.DigestStr() }
	dir, ok := "", false
	for k, v := range l {
		if d, err := name.NewDigest(k); err == nil && key(d) == key(ref) {
			dir, ok = v, true
		}
	}
	if !ok {
		return nil, errNotProvided
	}
	h, err := v1.NewHash(ref.DigestStr())
	if err != nil {
		return nil, err
	}
	return dirLayout{dir}.image(h, arch)
}

var errNotProvided = errors.New("it is not among the build's inputs: a Bazel action does not pull images")

// Fix implements Source.
func (Layouts) Fix(img Image) string {
	return fmt.Sprintf("declare it in MODULE.bazel: linuxkit.depends_image(name = \"<name>\", image = %q) and use_repo(linuxkit, \"<name>\"), then add \"@<name>\" to the linuxkit_pkg's depends_images", img.Ref)
}

// DirLayouts is Layouts from REF=DIR pairs, as lkpkg's --depends-image flag
// takes them; each DIR must be an OCI layout.
func DirLayouts(pairs map[string]string) (Layouts, error) {
	out := Layouts{}
	for ref, dir := range pairs {
		if _, err := name.NewDigest(ref); err != nil {
			return nil, fmt.Errorf("--depends-image %s: %v; want IMAGE@sha256:<digest>=LAYOUT_DIR", ref, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
			return nil, fmt.Errorf("--depends-image %s=%s: not an OCI layout: %v", ref, dir, err)
		}
		out[ref] = dir
	}
	return out, nil
}
