//go:build linux || darwin

package smallfile

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
	var r Reader
	if data, err := r.ReadFile(p); err != nil || len(data) != 0 {
		t.Errorf("ReadFile(FIFO without a writer) = %q, %v; want it empty", data, err)
	}
}

// Nor a FIFO where a .gitignore should be.
func TestReadRegularNoFollowFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".gitignore")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	var r Reader
	if data, err := r.ReadRegularNoFollow(p); err != ErrNotRegular {
		t.Errorf("ReadRegularNoFollow(FIFO) = %q, %v; want ErrNotRegular", data, err)
	}
}
