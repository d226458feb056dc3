package hash

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// A large tree shared by the benchmarks, built once per test binary: about
// 5,000 files and 200 MB of incompressible content in mixed sizes.
var (
	benchOnce  sync.Once
	benchRoot  string
	benchBytes int64
	benchErr   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchRoot != "" {
		os.RemoveAll(benchRoot)
	}
	os.Exit(code)
}

func benchTree(b *testing.B) (string, int64) {
	benchOnce.Do(func() {
		benchRoot, benchErr = os.MkdirTemp("", "hash-bench-")
		if benchErr == nil {
			benchBytes, benchErr = genTree(benchRoot, 5000, 1)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchRoot, benchBytes
}

// genTree writes n files below root, deterministically for seed: mostly
// small files (0-12 KB), every 50th 1 MB, every 500th 8 MB, in two levels
// of directories, a tenth executable. It returns the content bytes.
func genTree(root string, n int, seed uint64) (int64, error) {
	r := rand.New(rand.NewPCG(seed, 1))
	src := rand.NewChaCha8([32]byte{byte(seed)})
	buf := make([]byte, 8<<20)
	var total int64
	for i := range n {
		size := r.IntN(12 << 10)
		switch {
		case i%500 == 0:
			size = 8 << 20
		case i%50 == 0:
			size = 1 << 20
		}
		dir := filepath.Join(root, fmt.Sprintf("d%02d", i%40), fmt.Sprintf("s%d", i%7))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 0, err
		}
		src.Read(buf[:size])
		mode := os.FileMode(0o644)
		if i%10 == 3 {
			mode = 0o755
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d.bin", i)), buf[:size], mode); err != nil {
			return 0, err
		}
		total += int64(size)
	}
	return total, nil
}

// BenchmarkDir measures Dir on the large tree (warm page cache); MB/s is
// content bytes hashed per second.
func BenchmarkDir(b *testing.B) {
	root, n := benchTree(b)
	b.SetBytes(n)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Dir(root); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBlob measures raw blob hashing of an in-memory 8 MB buffer:
// the ceiling for one core.
func BenchmarkBlob(b *testing.B) {
	data := make([]byte, 8<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Blob(&sliceReader{data}, int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
