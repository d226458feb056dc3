package spec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// MaxFileSize bounds the files lkpkg reads whole from a package (build.yml,
// a depends from-file) or from a build output (result.json): far above any
// real one, far below what would exhaust memory.
const MaxFileSize = 1 << 20

// ReadFile reads a file lkpkg takes as input: a regular file (symlinks are
// followed, as Bazel's sandboxes present inputs as links) of at most
// MaxFileSize bytes. A FIFO would block forever and a device such as
// /dev/zero never end, so both are refused. Errors are *Error values
// naming the file, what it is and what to do.
func ReadFile(file string) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO must not wait for a writer. It changes
	// nothing for regular files.
	f, err := os.OpenFile(file, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, &Error{File: file, Problem: fmt.Sprintf("cannot read: %v", unwrapPath(err)), Fix: "check the file's permissions"}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &Error{File: file, Problem: fmt.Sprintf("cannot stat: %v", unwrapPath(err)), Fix: "check the file"}
	}
	if !fi.Mode().IsRegular() {
		what := kind(fi.Mode())
		if t, err := filepath.EvalSymlinks(file); err == nil && t != file {
			what += " (the link resolves to " + t + ")"
		}
		return nil, &Error{File: file, Problem: "is " + what + ", not a regular file", Fix: "lkpkg reads only regular files: replace it with a file"}
	}
	tooBig := func(size string) error {
		return &Error{File: file, Problem: "is larger than 1 MiB (" + size + ")", Fix: "shorten it: lkpkg reads at most 1 MiB from it"}
	}
	if fi.Size() > MaxFileSize {
		return nil, tooBig(fmt.Sprintf("%d bytes", fi.Size()))
	}
	// Limited also while reading: the file may grow after the Stat.
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &Error{File: file, Problem: fmt.Sprintf("cannot read: %v", unwrapPath(err)), Fix: "check the file"}
	}
	if len(b) > MaxFileSize {
		return nil, tooBig("it grew while being read")
	}
	return b, nil
}

// unwrapPath drops the *PathError's path: the *Error names the file.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "a special file"
}
