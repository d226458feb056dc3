package build

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

func sha256Of(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func itoa(n int) string { return strconv.Itoa(n) }

// newIndex is an index of linux images, with the current types.
func newIndex(digests []string, sizes []int64, arches, variants []string) Index {
	idx := Index{SchemaVersion: 2, MediaType: MediaTypeIndex}
	for i := range digests {
		idx.Manifests = append(idx.Manifests, Descriptor{MediaType: MediaTypeManifest, Digest: digests[i], Size: sizes[i],
			Platform: &Platform{Architecture: arches[i], OS: "linux", Variant: variants[i]}})
	}
	return idx
}

func digestString(d Descriptor) string { return d.Digest }
