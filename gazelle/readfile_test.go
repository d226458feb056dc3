package gazelle

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// readFile must give what os.ReadFile gives: the same bytes for files
// larger than its first buffer and for empty ones, the same errors.
func TestReadFileLikeOS(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef\n"), 5000) // 85 kB
	files := map[string][]byte{"big": big, "empty": {}, "small": []byte("image: p\n")}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var r fileReader
	for _, name := range []string{"small", "big", "empty", "small", "missing", "."} {
		p := filepath.Join(dir, name)
		got, err := r.readFile(p)
		want, wantErr := os.ReadFile(p)
		if !bytes.Equal(got, want) || (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Errorf("readFile(%s) = %d bytes, %v; os.ReadFile: %d bytes, %v", name, len(got), err, len(want), wantErr)
		}
		if name == "missing" && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("readFile(missing): %v is not fs.ErrNotExist", err)
		}
	}
}
