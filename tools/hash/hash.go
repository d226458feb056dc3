// Package hash computes git object ids (SHA-1) for blobs and trees from
// plain files, byte-for-byte as git computes them, so that a package's tag
// (the git tree hash of its directory) can be derived where there is no git
// and no .git, e.g. inside a Bazel action.
package hash

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strconv"
	"sync"
)

// Mode is a git tree entry mode.
type Mode uint32

// The modes git records in trees (gitlinks are not supported).
const (
	ModeRegular    Mode = 0o100644
	ModeExecutable Mode = 0o100755
	ModeSymlink    Mode = 0o120000
	ModeDir        Mode = 0o040000
)

// String returns the mode as git writes it in a tree object (octal, no
// leading zero, e.g. "100644", "40000").
func (m Mode) String() string { return strconv.FormatUint(uint64(m), 8) }

// Entry is one file of a tree, path relative to the tree root,
// slash-separated.
type Entry struct {
	// Path is relative to the tree root and slash-separated, e.g. "a/b.txt".
	Path string
	// Mode is ModeRegular, ModeExecutable or ModeSymlink.
	Mode Mode
	// Target is the symlink target (ModeSymlink only); it is the blob content.
	Target string
	// Open returns the contents (regular and executable files). It is called
	// at most once, possibly from another goroutine.
	Open func() (io.ReadCloser, error)
	// Size is the exact content length: git's blob header carries it, so it
	// must be known before the content is read.
	Size int64
}

// EmptyTree is the id of the tree with no entries.
const EmptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

// bufSize is the read buffer of each hashing worker: large enough that big
// files take few read syscalls, small enough to stay cache friendly.
const bufSize = 128 << 10

// hasher is per-goroutine hashing state, reused across files so hashing a
// file allocates nothing.
type hasher struct {
	h   hash.Hash
	buf []byte
	hdr []byte
}

func newHasher() *hasher {
	return &hasher{h: sha1.New(), buf: make([]byte, bufSize), hdr: make([]byte, 0, 32)}
}

var hasherPool = sync.Pool{New: func() any { return newHasher() }}

// errSize reports a content length that differs from the announced size;
// callers wrap it with the file name.
type errSize struct{ got, want int64 }

func (e *errSize) Error() string {
	if e.got > e.want {
		return fmt.Sprintf("size changed while reading: more than the %d bytes expected", e.want)
	}
	return fmt.Sprintf("size changed while reading: got %d bytes, expected %d", e.got, e.want)
}

// header starts h with git's object header "<kind> <size>\0".
func (hs *hasher) header(kind string, size int64) {
	hs.h.Reset()
	b := append(hs.hdr[:0], kind...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, size, 10)
	b = append(b, 0)
	hs.hdr = b
	hs.h.Write(b)
}

// blob streams exactly size bytes of r into the blob hash and stores the
// object id in sum. Reading more or fewer bytes than size is an error,
// because the header already committed to size.
func (hs *hasher) blob(r io.Reader, size int64, sum *[sha1.Size]byte) error {
	if size < 0 {
		return fmt.Errorf("negative size %d", size)
	}
	hs.header("blob", size)
	var n int64
	for n < size {
		chunk := hs.buf
		if rem := size - n; rem < int64(len(chunk)) {
			chunk = chunk[:rem]
		}
		k, err := r.Read(chunk)
		hs.h.Write(chunk[:k])
		n += int64(k)
		if err == io.EOF {
			if n < size {
				return &errSize{n, size}
			}
			break
		}
		if err != nil {
			return err
		}
	}
	// One more read proves the content ended where the header said it
	// would: a file that grew while hashed must not get a plausible id.
	for {
		k, err := r.Read(hs.buf[:1])
		if k > 0 {
			return &errSize{size + int64(k), size}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	hs.h.Sum(sum[:0])
	return nil
}

// bytesBlob hashes an in-memory blob (symlink targets).
func (hs *hasher) bytesBlob(data string, sum *[sha1.Size]byte) {
	hs.header("blob", int64(len(data)))
	io.WriteString(hs.h, data)
	hs.h.Sum(sum[:0])
}

// Blob returns the git blob id of the size bytes read from r: the SHA-1 of
// "blob <size>\x00" followed by the content. It fails if r yields more or
// fewer than size bytes.
func Blob(r io.Reader, size int64) (string, error) {
	hs := hasherPool.Get().(*hasher)
	defer hasherPool.Put(hs)
	var sum [sha1.Size]byte
	if err := hs.blob(r, size, &sum); err != nil {
		return "", fmt.Errorf("hash blob: %w", err)
	}
	return hex.EncodeToString(sum[:]), nil
}

// Combine applies linuxkit's extra-sources rule: with extra hashes, the
// result is the hex SHA-1 of the concatenation tree+extra[0]+extra[1]+...
// (hex strings, in order); without, tree is returned unchanged.
func Combine(tree string, extra ...string) string {
	if len(extra) == 0 {
		return tree
	}
	h := sha1.New()
	io.WriteString(h, tree)
	for _, e := range extra {
		io.WriteString(h, e)
	}
	return hex.EncodeToString(h.Sum(nil))
}
