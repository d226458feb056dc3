package push

import (
	"slices"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// BuildKit's annotations on attestation manifests in an index.
const (
	annotationRefType   = "vnd.docker.reference.type"
	annotationRefDigest = "vnd.docker.reference.digest"
)

// isAttestation reports whether d is an attestation manifest (it points at
// another manifest of the index rather than being an image).
func isAttestation(d v1.Descriptor) bool {
	return d.Annotations[annotationRefType] != ""
}

// platformKey identifies an image's platform in an index.
func platformKey(d v1.Descriptor) string {
	if d.Platform == nil {
		return "unknown/unknown"
	}
	p := d.Platform
	k := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		k += "/" + p.Variant
	}
	return k
}

// Merge returns the manifests of the index to write, given the index the
// registry has (cur), the per-arch images found under <tag>-<arch> tags
// (tagged) and the images being pushed (local). Per platform, local wins
// over tagged, which wins over cur; platforms only in cur are kept; an
// attestation is kept only while the manifest it refers to is kept. The
// order is cur's, with new platforms appended in local's then tagged's
// order.
func Merge(cur, tagged, local []v1.Descriptor) []v1.Descriptor {
	want := map[string]v1.Descriptor{}
	var order []string
	add := func(ds []v1.Descriptor) {
		for _, d := range ds {
			if isAttestation(d) {
				continue
			}
			k := platformKey(d)
			if _, ok := want[k]; !ok {
				order = append(order, k)
			}
			want[k] = d
		}
	}
	add(cur)
	add(local)
	add(tagged)
	add(local) // local wins
	// Keep cur's order; new platforms after it.
	curKeys := map[string]bool{}
	for _, d := range cur {
		if !isAttestation(d) {
			curKeys[platformKey(d)] = true
		}
	}
	var out []v1.Descriptor
	kept := map[string]bool{}
	for _, k := range order {
		d := want[k]
		out = append(out, d)
		kept[d.Digest.String()] = true
	}
	for _, d := range cur {
		if isAttestation(d) && kept[d.Annotations[annotationRefDigest]] {
			out = append(out, d)
		}
	}
	return out
}

// sameSet reports whether two index manifest lists hold the same
// descriptors, in any order.
func sameSet(a, b []v1.Descriptor) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(d v1.Descriptor) string { return platformKey(d) + "@" + d.Digest.String() }
	ka := make([]string, len(a))
	kb := make([]string, len(b))
	for i := range a {
		ka[i], kb[i] = key(a[i]), key(b[i])
	}
	sort.Strings(ka)
	sort.Strings(kb)
	return slices.Equal(ka, kb)
}

// contains reports whether every descriptor of sub is in set (same digest).
func containsAll(set, sub []v1.Descriptor) bool {
	have := map[v1.Hash]bool{}
	for _, d := range set {
		have[d.Digest] = true
	}
	for _, d := range sub {
		if !have[d.Digest] {
			return false
		}
	}
	return true
}
