package push_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

func readLayoutIndex(dir string) (v1.Hash, error) {
	ii, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return v1.Hash{}, err
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return v1.Hash{}, err
	}
	if len(im.Manifests) != 1 {
		return v1.Hash{}, errors.New("want one manifest")
	}
	return im.Manifests[0].Digest, nil
}

func mustRef(t interface{ Fatal(...any) }, s string) name.Reference {
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// startRegistryIn starts a registry whose storage is under the returned
// directory, so a test can compare the storage byte for byte.
func startRegistryIn(t *testing.T) (host, dir string) {
	t.Helper()
	bin, err := testenv.RegistryBinary()
	if err != nil {
		t.Skip(err)
	}
	dir = t.TempDir()
	for attempt := 0; ; attempt++ {
		host = fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
		stop, err := testenv.StartRegistryProcess(bin, dir, host)
		if err == nil {
			t.Cleanup(stop)
			return host, dir
		}
		if attempt == 2 {
			t.Fatal(err)
		}
	}
}

// snapshot returns every file under dir/data (the registry's storage) with
// a hash of its content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	root := filepath.Join(dir, "data")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[rel] = fmt.Sprintf("%x", sha256.Sum256(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameSnapshot fails the test when the registry's storage changed.
func sameSnapshot(t *testing.T, before, after map[string]string) {
	t.Helper()
	for k, v := range before {
		if a, ok := after[k]; !ok {
			t.Errorf("registry storage: %s was removed", k)
		} else if a != v {
			t.Errorf("registry storage: %s changed", k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("registry storage: %s was added", k)
		}
	}
}
