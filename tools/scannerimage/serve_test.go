package scannerimage_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/rules-linuxkit/rules_linuxkit/tools/scannerimage"
)

// Serve gives a registry on 127.0.0.1 that a client pulls the layout's
// index from, by the digest in Ref, and that takes no writes and serves
// nothing else.
func TestServeIsAReadOnlyRegistryOfTheScanner(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "layout")
	idx, err := scannerimage.Make(map[string]string{"amd64": fakeBinary(t, "amd64 binary"), "arm64": fakeBinary(t, "arm64 binary")})
	if err != nil {
		t.Fatal(err)
	}
	if err := scannerimage.WriteLayout(dir, idx); err != nil {
		t.Fatal(err)
	}
	want, _ := idx.Digest()

	s, err := scannerimage.Serve(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.Ref, "127.0.0.1:") || !strings.HasSuffix(s.Ref, "/"+scannerimage.Repository+"@"+want.String()) {
		t.Fatalf("Ref %q, want 127.0.0.1:PORT/%s@%s", s.Ref, scannerimage.Repository, want)
	}
	ref, err := name.ParseReference(s.Ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	got, err := remote.Index(ref)
	if err != nil {
		t.Fatal(err)
	}
	m, err := got.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	// Every image, config and layer comes back whole.
	for _, d := range m.Manifests {
		img, err := got.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Image(img); err != nil {
			t.Errorf("%s: %v", d.Platform, err)
		}
	}

	host := strings.SplitN(s.Ref, "/", 2)[0]
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{http.MethodPut, "/v2/" + scannerimage.Repository + "/manifests/latest", http.StatusMethodNotAllowed},
		{http.MethodPost, "/v2/" + scannerimage.Repository + "/blobs/uploads/", http.StatusMethodNotAllowed},
		{http.MethodGet, "/v2/other/manifests/" + want.String(), http.StatusNotFound},
		{http.MethodGet, "/v2/" + scannerimage.Repository + "/blobs/sha256:" + strings.Repeat("0", 64), http.StatusNotFound},
	} {
		req, _ := http.NewRequest(c.method, "http://"+host+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.status)
		}
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := remote.Index(ref); err == nil {
		t.Error("the registry still answers after Close")
	}
}

// A directory that is no OCI layout is refused with the fix.
func TestServeNamesTheFixForAMissingLayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nothing")
	_, err := scannerimage.Serve(dir)
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "scripts/sbom-scanner-setup") {
		t.Fatalf("error %v, want one naming %s and scripts/sbom-scanner-setup", err, dir)
	}
}
