//go:build linux || darwin

package gazelle

import (
	"bytes"
	"io/fs"
	"syscall"
)

// fileReader reads whole files with a buffer it keeps between calls; one per
// goroutine. It is os.ReadFile in half the system calls (open, read until
// the end, close: os.ReadFile adds an fstat and, through os.File, the
// poller's fcntl and epoll calls), which the prescan makes twice per
// package.
type fileReader struct{ buf []byte }

// readFile returns the contents of name, with os.ReadFile's errors. Opening
// does not block: a FIFO reads as empty instead of hanging Gazelle.
func (r *fileReader) readFile(name string) ([]byte, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
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
			break
		}
		n += m
	}
	return bytes.Clone(r.buf[:n:n]), nil
}
