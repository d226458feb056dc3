package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A build.yml that is a FIFO made every command that reads it hang.
func TestBuildYMLFIFORefused(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"Dockerfile": "FROM scratch\n", "attrs.json": `{"image": "x"}`})
	if err := syscall.Mkfifo(filepath.Join(dir, "build.yml"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"validate", dir},
		{"check-attrs", "--attrs", filepath.Join(dir, "attrs.json"), dir},
	} {
		type result struct {
			code   int
			stderr string
		}
		done := make(chan result, 1)
		go func() {
			code, _, errOut := lkpkg(t, args...)
			done <- result{code, errOut}
		}()
		select {
		case r := <-done:
			if r.code == 0 {
				t.Errorf("lkpkg %s accepted a FIFO build.yml", args[0])
			}
			for _, want := range []string{filepath.Join(dir, "build.yml"), "named pipe", "not a regular file"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("lkpkg %s: stderr %q does not mention %q", args[0], r.stderr, want)
				}
			}
		case <-time.After(10 * time.Second):
			// Unblock the reader so the test process can exit.
			if f, err := os.OpenFile(filepath.Join(dir, "build.yml"), os.O_WRONLY, 0); err == nil {
				f.Close()
			}
			t.Fatalf("lkpkg %s hung on a FIFO build.yml", args[0])
		}
	}
}
