package smallfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// ReadFile must give what os.ReadFile gives: the same bytes for files
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
	var r Reader
	for _, name := range []string{"small", "big", "empty", "small", "missing", "."} {
		p := filepath.Join(dir, name)
		got, err := r.ReadFile(p)
		want, wantErr := os.ReadFile(p)
		if !bytes.Equal(got, want) || (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Errorf("ReadFile(%s) = %d bytes, %v; os.ReadFile: %d bytes, %v", name, len(got), err, len(want), wantErr)
		}
		if name == "missing" && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("ReadFile(missing): %v is not fs.ErrNotExist", err)
		}
	}
}

// ReadRegularNoFollow reads regular files only, as git reads .gitignore.
func TestReadRegularNoFollow(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("*.o\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	var r Reader
	if data, err := r.ReadRegularNoFollow(file); err != nil || string(data) != "*.o\n" {
		t.Errorf("ReadRegularNoFollow(file) = %q, %v", data, err)
	}
	for _, p := range []string{link, dir} {
		if data, err := r.ReadRegularNoFollow(p); !errors.Is(err, ErrNotRegular) {
			t.Errorf("ReadRegularNoFollow(%s) = %q, %v; want ErrNotRegular", p, data, err)
		}
	}
	if _, err := r.ReadRegularNoFollow(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadRegularNoFollow(missing): %v is not fs.ErrNotExist", err)
	}
}
