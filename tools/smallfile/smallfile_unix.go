//go:build linux || darwin

package smallfile

import (
	"bytes"
	"io/fs"
	"os"
	"syscall"
)

// Reader reads files with a buffer it keeps between calls. Not safe for
// concurrent use: one per goroutine.
type Reader struct{ buf []byte }

// ReadFile returns the contents of name, with os.ReadFile's errors. Opening
// does not block: a FIFO reads as empty instead of hanging the caller.
func (r *Reader) ReadFile(name string) ([]byte, error) {
	fd, err := open(name, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	return r.read(fd, name)
}

// ReadRegularNoFollow returns the contents of name if it is a regular file
// and not a symlink (as git reads .gitignore files), else ErrNotRegular;
// other errors are os.Lstat's and os.ReadFile's.
func (r *Reader) ReadRegularNoFollow(name string) ([]byte, error) {
	fd, err := open(name, syscall.O_NOFOLLOW)
	if err != nil {
		if err == syscall.ENOENT {
			return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
		}
		// A symlink (ELOOP), a socket (ENXIO) or a real error: let
		// Lstat tell them apart.
		fi, lerr := os.Lstat(name)
		if lerr != nil {
			return nil, lerr
		}
		if !fi.Mode().IsRegular() {
			return nil, ErrNotRegular
		}
		return os.ReadFile(name)
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "fstat", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, ErrNotRegular
	}
	return r.read(fd, name)
}

func open(name string, flags int) (int, error) {
	for {
		fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK|flags, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

func fstat(fd int, st *syscall.Stat_t) error {
	for {
		if err := syscall.Fstat(fd, st); err != syscall.EINTR {
			return err
		}
	}
}

// read reads fd to its end; the result is a copy, the buffer is r's.
func (r *Reader) read(fd int, name string) ([]byte, error) {
	if r.buf == nil {
		r.buf = make([]byte, 16<<10)
	}
	n := 0
	for {
		if n == len(r.buf) {
			r.buf = append(r.buf, make([]byte, len(r.buf))...)
		}
		m, err := syscall.Read(fd, r.buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if m == 0 {
			return bytes.Clone(r.buf[:n:n]), nil
		}
		n += m
	}
}
