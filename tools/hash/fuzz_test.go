package hash

import (
	"slices"
	"strings"
	"testing"
)

// FuzzTree feeds random path sets to Tree: it must not panic, and the id
// must not depend on the order of the entries.
func FuzzTree(f *testing.F) {
	f.Add("a\nb/c\na.b\na0\na-")
	f.Add("x/y/z\nx/y\n")
	f.Add("./a\n../b\n/c\nd//e\n.git/x\n")
	f.Add("\x00\n\xff\xfe\nü/日本")
	f.Fuzz(func(t *testing.T, in string) {
		var es []Entry
		for i, p := range strings.Split(in, "\n") {
			content := strings.Repeat("c", i%5)
			switch i % 3 {
			case 0:
				es = append(es, file(p, content))
			case 1:
				e := file(p, content)
				e.Mode = ModeExecutable
				es = append(es, e)
			default:
				es = append(es, Entry{Path: p, Mode: ModeSymlink, Target: content})
			}
		}
		id, err := Tree(es)
		rev := slices.Clone(es)
		slices.Reverse(rev)
		id2, err2 := Tree(rev)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("order changes validity: %v vs %v", err, err2)
		}
		if err != nil {
			return
		}
		if id != id2 {
			t.Fatalf("order changes id: %s vs %s", id, id2)
		}
		if len(id) != 40 {
			t.Fatalf("bad id %q", id)
		}
	})
}
