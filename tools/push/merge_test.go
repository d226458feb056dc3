package push

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func desc(arch string, d byte) v1.Descriptor {
	h := v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%02x", d) + strings.Repeat("0", 62)}
	return v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: h, Platform: &v1.Platform{OS: "linux", Architecture: arch}}
}

func att(of v1.Descriptor, d byte) v1.Descriptor {
	a := desc("unknown", d)
	a.Platform = &v1.Platform{OS: "unknown", Architecture: "unknown"}
	a.Annotations = map[string]string{annotationRefType: "attestation-manifest", annotationRefDigest: of.Digest.String()}
	return a
}

// with returns d with its platform changed by f.
func with(d v1.Descriptor, b byte, f func(*v1.Platform)) v1.Descriptor {
	n := desc(d.Platform.Architecture, b)
	p := *d.Platform
	f(&p)
	n.Platform = &p
	return n
}

func TestMerge(t *testing.T) {
	amd1, arm1, amd2, riscv := desc("amd64", 1), desc("arm64", 2), desc("amd64", 3), desc("riscv64", 4)
	attAmd1, attArm1 := att(amd1, 5), att(arm1, 6)
	zstd := with(amd1, 7, func(p *v1.Platform) { p.OSFeatures = []string{"zstd"} })
	osver := with(amd1, 8, func(p *v1.Platform) { p.OSVersion = "10.0.17763" })
	v7 := with(desc("arm", 9), 9, func(p *v1.Platform) { p.Variant = "v7" })
	v6 := with(desc("arm", 10), 10, func(p *v1.Platform) { p.Variant = "v6" })
	feat := with(amd1, 11, func(p *v1.Platform) { p.Features = []string{"sse4"} })
	noPlat := desc("amd64", 12)
	noPlat.Platform = nil
	attZstd, attNoPlat := att(zstd, 13), att(noPlat, 14)
	dangling := att(desc("s390x", 15), 16) // its image is not in the index
	amd1Again := desc("amd64", 1)
	amd1Again.Annotations = map[string]string{"org.example": "kept"}
	for _, tc := range []struct {
		name               string
		cur, tagged, local []v1.Descriptor
		want               []v1.Descriptor
	}{
		{"empty", nil, nil, []v1.Descriptor{amd1}, []v1.Descriptor{amd1}},
		{"add arch", []v1.Descriptor{amd1}, nil, []v1.Descriptor{arm1}, []v1.Descriptor{amd1, arm1}},
		{"local wins", []v1.Descriptor{amd1, arm1}, nil, []v1.Descriptor{amd2}, []v1.Descriptor{amd2, arm1}},
		{"local wins over tag", nil, []v1.Descriptor{amd1}, []v1.Descriptor{amd2}, []v1.Descriptor{amd2}},
		{"tag wins over index", []v1.Descriptor{amd1}, []v1.Descriptor{amd2, riscv}, nil, []v1.Descriptor{amd2, riscv}},
		{"attestation of replaced image dropped", []v1.Descriptor{amd1, arm1, attAmd1, attArm1}, nil, []v1.Descriptor{amd2}, []v1.Descriptor{amd2, arm1, attArm1}},
		{"attestations kept", []v1.Descriptor{amd1, attAmd1}, nil, []v1.Descriptor{amd1}, []v1.Descriptor{amd1, attAmd1}},
		// Entries that differ from a pushed image in any platform field stay.
		{"os.features variant kept", []v1.Descriptor{zstd, amd1}, nil, []v1.Descriptor{amd2}, []v1.Descriptor{zstd, amd2}},
		{"os.features variant kept when arch is new", []v1.Descriptor{zstd}, nil, []v1.Descriptor{amd2}, []v1.Descriptor{zstd, amd2}},
		{"os.version kept", []v1.Descriptor{osver}, nil, []v1.Descriptor{amd2}, []v1.Descriptor{osver, amd2}},
		{"features kept", []v1.Descriptor{feat}, nil, []v1.Descriptor{amd2}, []v1.Descriptor{feat, amd2}},
		{"arm variants kept", []v1.Descriptor{v7, v6}, nil, []v1.Descriptor{amd2}, []v1.Descriptor{v7, v6, amd2}},
		{"entry without platform kept", []v1.Descriptor{noPlat, amd1}, nil, []v1.Descriptor{amd2}, []v1.Descriptor{noPlat, amd2}},
		{"attestations of kept entries kept", []v1.Descriptor{zstd, noPlat, amd1, attZstd, attNoPlat, attAmd1}, nil, []v1.Descriptor{amd2}, []v1.Descriptor{zstd, noPlat, amd2, attZstd, attNoPlat}},
		{"attestation with no image in the index kept", []v1.Descriptor{amd1, dangling}, nil, []v1.Descriptor{amd2}, []v1.Descriptor{amd2, dangling}},
		{"order of cur kept", []v1.Descriptor{attArm1, arm1, zstd, amd1}, []v1.Descriptor{riscv}, []v1.Descriptor{amd2}, []v1.Descriptor{attArm1, arm1, zstd, amd2, riscv}},
		{"same image keeps its entry and annotations", []v1.Descriptor{amd1Again, attAmd1}, nil, []v1.Descriptor{amd1}, []v1.Descriptor{amd1Again, attAmd1}},
		// Attestations pushed with their images (local).
		{"pushed attestations after the images", nil, nil, []v1.Descriptor{amd1, arm1, attAmd1, attArm1}, []v1.Descriptor{amd1, arm1, attAmd1, attArm1}},
		{"pushed attestation replaces the image's old one", []v1.Descriptor{amd1, att(amd1, 18)}, nil, []v1.Descriptor{amd1, attAmd1}, []v1.Descriptor{amd1, attAmd1}},
		{"pushed attestation already there kept in place", []v1.Descriptor{attAmd1, amd1, arm1}, nil, []v1.Descriptor{amd1, attAmd1}, []v1.Descriptor{attAmd1, amd1, arm1}},
		{"replaced image: old attestation out, new in", []v1.Descriptor{amd1, arm1, attAmd1, attArm1}, nil, []v1.Descriptor{amd2, att(amd2, 19)}, []v1.Descriptor{amd2, arm1, attArm1, att(amd2, 19)}},
		{"pushed attestation of an image not in the index left out", []v1.Descriptor{amd1}, nil, []v1.Descriptor{att(amd2, 19)}, []v1.Descriptor{amd1}},
		{"duplicates of a pushed platform replaced by one", []v1.Descriptor{amd1, arm1, desc("amd64", 17)}, nil, []v1.Descriptor{amd2}, []v1.Descriptor{amd2, arm1}},
	} {
		got := Merge(tc.cur, tc.tagged, tc.local)
		if fmt.Sprint(keys(got)) != fmt.Sprint(keys(tc.want)) {
			t.Errorf("%s:\n got  %v\n want %v", tc.name, keys(got), keys(tc.want))
			continue
		}
		for i := range got {
			if fmt.Sprint(got[i].Annotations) != fmt.Sprint(tc.want[i].Annotations) {
				t.Errorf("%s: [%d] annotations %v, want %v", tc.name, i, got[i].Annotations, tc.want[i].Annotations)
			}
		}
	}
}

// keys shows descriptors as platform@digest, for readable failures.
func keys(ds []v1.Descriptor) []string {
	var out []string
	for _, d := range ds {
		out = append(out, platformString(d)+"@"+d.Digest.Hex[:2])
	}
	return out
}

// TestEncodeIndexKeepsBytes: entries kept from the registry's index are
// written back exactly as the registry had them (fields this package does
// not know included), and so are the index's own annotations.
func TestEncodeIndexKeepsBytes(t *testing.T) {
	amd1, amd2 := desc("amd64", 1), desc("amd64", 3)
	zstd := with(amd1, 7, func(p *v1.Platform) { p.OSFeatures = []string{"zstd"} })
	zstdRaw := fmt.Sprintf(`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":%q,"size":7,"platform":{"architecture":"amd64","os":"linux","os.features":["zstd"]},"x-unknown":{"b":1,"a":2}}`, zstd.Digest)
	amdRaw := fmt.Sprintf(`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":%q,"size":5,"platform":{"architecture":"amd64","os":"linux"}}`, amd1.Digest)
	cur := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s, %s],"annotations":{"org.opencontainers.image.created":"x"}}`, zstdRaw, amdRaw)
	ri, err := parseIndex([]byte(cur))
	if err != nil {
		t.Fatal(err)
	}
	items := merge(ri.m.Manifests, nil, []v1.Descriptor{amd2})
	raw, err := encodeIndex(ri, items)
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	if !strings.Contains(s, zstdRaw) {
		t.Errorf("the zstd entry was not kept byte for byte:\n%s", s)
	}
	if strings.Contains(s, amd1.Digest.String()) || !strings.Contains(s, amd2.Digest.String()) {
		t.Errorf("amd64 was not replaced:\n%s", s)
	}
	if !strings.Contains(s, `"annotations":{"org.opencontainers.image.created":"x"}`) {
		t.Errorf("the index annotations were dropped:\n%s", s)
	}
	var im v1.IndexManifest
	if err := json.Unmarshal(raw, &im); err != nil || im.SchemaVersion != 2 || len(im.Manifests) != 2 {
		t.Errorf("not a valid index (%v):\n%s", err, s)
	}
	// Nothing to change: the same items as the registry's, in its order.
	if !unchanged(merge(ri.m.Manifests, nil, []v1.Descriptor{amd1}), len(ri.m.Manifests)) {
		t.Error("re-merging the same image reports a change")
	}
}
