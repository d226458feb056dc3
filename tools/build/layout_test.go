package build

import (
	"os"
	"path/filepath"
	"testing"
)

// The bytes of the index lkpkg writes are its digest, the one pushed as
// org/image:<tag>: the same images must give the same bytes in every lkpkg
// version, or re-pushing an unchanged package to an immutable tag fails.
func TestIndexBytesAreStable(t *testing.T) {
	const (
		img1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
		img2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	)
	index := linuxIndex([]string{img1, img2}, []int64{528, 1091}, []string{"amd64", "arm64"}, []string{"", "v8"})
	b, d, err := indexBlob(index, "abc", "example/hello:abc")
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + img1 + `","size":528,"platform":{"architecture":"amd64","os":"linux"}},` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + img2 + `","size":1091,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]}`
	if string(b) != want {
		t.Errorf("index bytes:\n%s\nwant\n%s", b, want)
	}
	const wantDigest = "sha256:9c77d71c124a6fd79721c09100428361557b0764ce42b4fb8cef42878ecfacc0"
	if digestString(d) != wantDigest || sha256Of(want) != wantDigest || d.Size != int64(len(want)) {
		t.Errorf("descriptor %+v, want digest %s", d, wantDigest)
	}

	dir := t.TempDir()
	if err := writeLayout(dir, dir, nil, nil, d); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	wantIndexJSON := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` +
		`{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"` + wantDigest + `","size":` + itoa(len(want)) +
		`,"annotations":{"io.containerd.image.name":"example/hello:abc","org.opencontainers.image.ref.name":"abc"}}]}`
	if string(got) != wantIndexJSON {
		t.Errorf("index.json:\n%s\nwant\n%s", got, wantIndexJSON)
	}
}
