//go:build linux || darwin

package gazelle

import (
	"path/filepath"
	"syscall"
	"testing"
)

// A FIFO where build.yml should be must not hang Gazelle.
func TestReadFileFIFODoesNotBlock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "build.yml")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	var r fileReader
	if data, err := r.readFile(p); err != nil || len(data) != 0 {
		t.Errorf("readFile(FIFO without a writer) = %q, %v; want it empty", data, err)
	}
}
