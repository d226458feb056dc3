package push

import (
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func desc(arch string, d byte) v1.Descriptor {
	h := v1.Hash{Algorithm: "sha256", Hex: string(rune('a'+d)) + "000000000000000000000000000000000000000000000000000000000000000"[:63]}
	return v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: h, Platform: &v1.Platform{OS: "linux", Architecture: arch}}
}

func att(of v1.Descriptor, d byte) v1.Descriptor {
	a := desc("unknown", d)
	a.Platform = &v1.Platform{OS: "unknown", Architecture: "unknown"}
	a.Annotations = map[string]string{annotationRefType: "attestation-manifest", annotationRefDigest: of.Digest.String()}
	return a
}

func TestMerge(t *testing.T) {
	amd1, arm1, amd2, riscv := desc("amd64", 1), desc("arm64", 2), desc("amd64", 3), desc("riscv64", 4)
	attAmd1, attArm1 := att(amd1, 5), att(arm1, 6)
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
	} {
		got := Merge(tc.cur, tc.tagged, tc.local)
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i].Digest != tc.want[i].Digest {
				t.Errorf("%s: [%d] = %s, want %s", tc.name, i, got[i].Digest, tc.want[i].Digest)
			}
		}
	}
}

func TestIsLoopbackAndHTTPGuard(t *testing.T) {
	for h, want := range map[string]bool{"localhost:5000": true, "127.0.0.1:5000": true, "[::1]:5000": true, "127.1.2.3": true, "10.0.0.1:5000": false, "registry.example:5000": false} {
		if IsLoopback(h) != want {
			t.Errorf("IsLoopback(%s) = %v", h, !want)
		}
	}
	r := Registry{Insecure: []string{"10.0.0.1:5000"}}
	if !r.allowHTTP("10.0.0.1:5000") || r.allowHTTP("10.0.0.2:5000") {
		t.Error("--insecure-registry not honoured exactly")
	}
	repo, err := Registry{Prefix: "192.168.1.1:5000"}.Repository("org/img")
	if err != nil {
		t.Fatal(err)
	}
	if repo.String() != "192.168.1.1:5000/org/img" {
		t.Errorf("got %s", repo)
	}
}
