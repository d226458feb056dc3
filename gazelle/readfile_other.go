//go:build !(linux || darwin)

package gazelle

import "os"

// fileReader reads whole files; see readfile_unix.go.
type fileReader struct{}

func (*fileReader) readFile(name string) ([]byte, error) { return os.ReadFile(name) }
