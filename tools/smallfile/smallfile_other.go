//go:build !(linux || darwin)

package smallfile

import "os"

// Reader reads files; see smallfile_unix.go.
type Reader struct{}

// ReadFile is os.ReadFile.
func (*Reader) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

// ReadRegularNoFollow returns the contents of name if it is a regular file
// and not a symlink, else ErrNotRegular.
func (*Reader) ReadRegularNoFollow(name string) ([]byte, error) {
	fi, err := os.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, ErrNotRegular
	}
	return os.ReadFile(name)
}
