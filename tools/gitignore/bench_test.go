package gitignore

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkMatch measures a fresh Matcher (lazy .gitignore reads included)
// classifying every path of a 5,000-file, 320-directory tree in walk order,
// as hash.Dir uses it; ns/op is for the whole tree.
func BenchmarkMatch(b *testing.B) {
	root, paths := benchTree(b)
	b.ResetTimer()
	for b.Loop() {
		m, err := New(root)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range paths {
			m.Match(p, false)
		}
	}
}

// BenchmarkMatchListed is BenchmarkMatch with WithListing telling which
// directories hold a .gitignore, as the Gazelle extension does from
// Gazelle's walk: the 280 directories without one are not looked into.
func BenchmarkMatchListed(b *testing.B) {
	root, paths := benchTree(b)
	listed := func(dir string) (has, known bool) {
		_, err := os.Lstat(filepath.Join(root, filepath.FromSlash(dir), ".gitignore"))
		return err == nil, true
	}
	has := map[string]bool{}
	for _, p := range paths {
		for d := filepath.ToSlash(filepath.Dir(p)); d != "."; d = filepath.ToSlash(filepath.Dir(d)) {
			has[d], _ = listed(d)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		m, err := New(root, WithListing(func(dir string) (bool, bool) { return has[dir], true }))
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range paths {
			m.Match(p, false)
		}
	}
}

// benchTree writes the benchmarks' tree and returns its root and its files
// in walk order.
func benchTree(b *testing.B) (string, []string) {
	root := b.TempDir()
	var paths []string
	for i := range 5000 {
		top := fmt.Sprintf("d%02d", i%40)
		rel := fmt.Sprintf("%s/s%d/f%05d.bin", top, i%8, i)
		paths = append(paths, rel)
		full := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(full, nil, 0o644); err != nil {
			b.Fatal(err)
		}
		if i < 40 {
			os.WriteFile(filepath.Join(root, top, ".gitignore"), []byte("*.tmp\n!keep.tmp\nbuild/\n/out\n**/gen/*.go\n"), 0o644)
		}
	}
	os.WriteFile(filepath.Join(root, ".gitignore"), []byte("*.o\n*.a\n/bazel-*\nnode_modules/\n"), 0o644)
	return root, paths
}
