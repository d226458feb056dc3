package push

import (
	"fmt"
	"slices"
	"strings"

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

// samePlatform reports whether a and b name the same full platform: os,
// architecture, variant, os.version, os.features and features (the two
// lists in any order). An entry without a platform matches nothing.
func samePlatform(a, b *v1.Platform) bool {
	if a == nil || b == nil {
		return false
	}
	return a.OS == b.OS && a.Architecture == b.Architecture && a.Variant == b.Variant &&
		a.OSVersion == b.OSVersion && sameList(a.OSFeatures, b.OSFeatures) && sameList(a.Features, b.Features)
}

func sameList(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// platformString shows d's full platform in messages.
func platformString(d v1.Descriptor) string {
	p := d.Platform
	if p == nil {
		return "(no platform)"
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	if p.OSVersion != "" {
		s += " os.version=" + p.OSVersion
	}
	if len(p.OSFeatures) > 0 {
		s += " os.features=" + strings.Join(p.OSFeatures, ",")
	}
	if len(p.Features) > 0 {
		s += " features=" + strings.Join(p.Features, ",")
	}
	return s
}

// mergeItem is one entry of a merged index.
type mergeItem struct {
	d v1.Descriptor
	// cur is the position of the entry in the registry's index when it is
	// kept as the registry has it, else -1.
	cur int
}

// Merge returns the manifests of the index to write, given the index the
// registry has (cur), the per-arch images found under <tag>-<arch> tags
// (tagged) and the images being pushed (local). See merge.
func Merge(cur, tagged, local []v1.Descriptor) []v1.Descriptor {
	items := merge(cur, tagged, local)
	out := make([]v1.Descriptor, len(items))
	for i, it := range items {
		out[i] = it.d
	}
	return out
}

// merge replaces only the entries of cur whose full platform (see
// samePlatform) equals a pushed image's (local wins over tagged, per
// platform); every other entry of cur stays, unchanged and in its place:
// other os.version/os.features/variant entries, entries without a
// platform, attestations. An attestation goes only together with the image
// it refers to. Pushed platforms cur lacks are appended, local's first.
// Attestation manifests in local (see isAttestation) are each image's
// own: appended after the images, each replacing any other attestation
// cur has for the same image, and left out when their image is not in
// the index.
func merge(cur, tagged, local []v1.Descriptor) []mergeItem {
	var pushed, pushedAtts []v1.Descriptor
	find := func(p *v1.Platform) int {
		return slices.IndexFunc(pushed, func(d v1.Descriptor) bool { return samePlatform(d.Platform, p) })
	}
	for _, d := range local {
		if isAttestation(d) {
			pushedAtts = append(pushedAtts, d)
			continue
		}
		if i := find(d.Platform); i >= 0 {
			pushed[i] = d
		} else {
			pushed = append(pushed, d)
		}
	}
	for _, d := range tagged {
		if d.Platform != nil && !isAttestation(d) && find(d.Platform) < 0 {
			pushed = append(pushed, d)
		}
	}

	placed := make([]bool, len(pushed))
	replaced := map[string]bool{} // digests of images taken out of the index
	var out []mergeItem
	for i, d := range cur {
		j := -1
		if !isAttestation(d) {
			j = find(d.Platform)
		}
		switch {
		case j < 0:
			out = append(out, mergeItem{d, i})
		case placed[j]:
			// A second entry for a platform already placed.
			replaced[d.Digest.String()] = true
		case pushed[j].Digest == d.Digest:
			placed[j] = true
			out = append(out, mergeItem{d, i})
		default:
			placed[j] = true
			replaced[d.Digest.String()] = true
			out = append(out, mergeItem{pushed[j], -1})
		}
	}
	for j, d := range pushed {
		if !placed[j] {
			out = append(out, mergeItem{d, -1})
		}
	}

	images := map[string]bool{}
	for _, it := range out {
		if !isAttestation(it.d) {
			images[it.d.Digest.String()] = true
		}
	}
	// The attestations pushed with their images replace any other
	// attestation of the same image; those of images no longer in the
	// index go.
	ours := map[string]string{} // image digest -> its pushed attestation
	for _, a := range pushedAtts {
		if images[a.Annotations[annotationRefDigest]] {
			ours[a.Annotations[annotationRefDigest]] = a.Digest.String()
		}
	}
	have := map[string]bool{}
	kept := out[:0]
	for _, it := range out {
		ref := it.d.Annotations[annotationRefDigest]
		switch {
		case !isAttestation(it.d):
		case replaced[ref] && !images[ref]:
			continue
		case ours[ref] != "" && ours[ref] != it.d.Digest.String():
			continue
		case ours[ref] != "":
			have[ref] = true
		}
		kept = append(kept, it)
	}
	for _, a := range pushedAtts {
		ref := a.Annotations[annotationRefDigest]
		if ours[ref] == a.Digest.String() && !have[ref] {
			kept = append(kept, mergeItem{a, -1})
			have[ref] = true
		}
	}
	return kept
}

// unchanged reports whether items are the n entries of the registry's
// index, as it has them, in its order: nothing to write.
func unchanged(items []mergeItem, n int) bool {
	if len(items) != n {
		return false
	}
	for i, it := range items {
		if it.cur != i {
			return false
		}
	}
	return true
}

// imageDigests returns the digests of the images (not attestations) of ds.
func imageDigests(ds []v1.Descriptor) []string {
	var out []string
	for _, d := range ds {
		if !isAttestation(d) {
			out = append(out, d.Digest.String())
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sameImages reports whether a and b name the same images (attestations
// and order aside).
func sameImages(a, b []v1.Descriptor) bool {
	return slices.Equal(imageDigests(a), imageDigests(b))
}

func describe(ds []v1.Descriptor) string {
	var parts []string
	n := 0
	for _, d := range ds {
		if isAttestation(d) {
			n++
			continue
		}
		parts = append(parts, platformString(d)+" "+short(d.Digest))
	}
	s := strings.Join(parts, ", ")
	if n > 0 {
		s += fmt.Sprintf(" (+%d attestations)", n)
	}
	if s == "" {
		s = "no images"
	}
	return s
}
