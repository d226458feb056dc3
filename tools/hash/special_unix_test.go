//go:build unix

package hash

import (
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
)

// git add ignores FIFOs and sockets; Dir must neither hash nor block on them.
func TestDirSkipsFIFOAndSocket(t *testing.T) {
	gittest.Need(t)
	root := t.TempDir()
	must(t, os.WriteFile(filepath.Join(root, "a"), []byte("a"), 0o644))
	must(t, syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644))
	sock := filepath.Join(root, "s")
	if len(sock) < 100 { // unix socket paths are short
		l, err := net.Listen("unix", sock)
		must(t, err)
		defer l.Close()
	}
	got, err := Dir(root)
	must(t, err)
	if want := gitTree(t, root); got != want {
		t.Errorf("Dir = %s, git = %s", got, want)
	}
}
