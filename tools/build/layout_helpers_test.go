package build

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func sha256Of(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func itoa(n int) string { return strconv.Itoa(n) }

// linuxIndex is an index of linux images.
func linuxIndex(digests []string, sizes []int64, arches, variants []string) v1.IndexManifest {
	idx := newIndex()
	for i := range digests {
		idx.Manifests = append(idx.Manifests, v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: v1.Hash{Algorithm: "sha256", Hex: digests[i][len("sha256:"):]}, Size: sizes[i],
			Platform: &v1.Platform{Architecture: arches[i], OS: "linux", Variant: variants[i]}})
	}
	return idx
}

func digestString(d v1.Descriptor) string { return d.Digest.String() }
