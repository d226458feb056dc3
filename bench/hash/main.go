// Command hashbench compares hash.Dir with git on a large generated tree:
// `git add -A && git write-tree` in a fresh repository, and `git
// hash-object` over all files, against Dir in the same run, best of N. It
// checks that the ids agree and prints throughput and the ratio ours/git.
//
// Usage: go run ./bench/hash [-files 5000] [-mb 200] [-runs 5] [-dir DIR]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/rules-linuxkit/rules_linuxkit/tools/gitignore"
	"github.com/rules-linuxkit/rules_linuxkit/tools/hash"
)

func main() {
	files := flag.Int("files", 5000, "number of files")
	mb := flag.Int("mb", 200, "approximate total size in MB")
	runs := flag.Int("runs", 5, "runs per tool; the best counts")
	dir := flag.String("dir", "", "tree to create/reuse (default: a temporary directory, removed afterwards)")
	flag.Parse()
	log.SetFlags(0)

	root := *dir
	if root == "" {
		tmp, err := os.MkdirTemp("", "hashbench-")
		check(err)
		defer os.RemoveAll(tmp)
		root = filepath.Join(tmp, "tree")
	}
	if _, err := os.Stat(root); os.IsNotExist(err) {
		t0 := time.Now()
		check(generate(root, *files, int64(*mb)<<20))
		log.Printf("generated %s in %v", root, time.Since(t0).Round(time.Millisecond))
	}
	paths, total := contentFiles(root)
	log.Printf("tree: %d files, %.1f MB, %d CPUs, %s", len(paths), float64(total)/1e6, runtime.NumCPU(), gitVersion())

	// Warm the page cache so that every contender reads from memory.
	for _, p := range paths {
		_, err := os.ReadFile(p)
		check(err)
	}

	// Each contender runs N times back to back, ours first: git add writes
	// 200 MB of objects whose writeback would disturb whatever runs next.
	var ours, oursPlain, gitAdd, gitHashObject time.Duration
	var oursID, gitID string
	for range *runs {
		// Ours, as git add sees the tree: with its .gitignore files.
		d, id := timeIt(func() string {
			m, err := gitignore.New(root)
			check(err)
			id, err := hash.Dir(root, hash.WithIgnore(m))
			check(err)
			return id
		})
		ours, oursID = best(ours, d), id
	}
	for range *runs {
		d, _ := timeIt(func() string {
			id, err := hash.Dir(root)
			check(err)
			return id
		})
		oursPlain = best(oursPlain, d)
	}
	list := []byte(strings.Join(paths, "\n") + "\n")
	for range *runs {
		d, _ := timeIt(func() string { return git(root, list, "hash-object", "--no-filters", "--stdin-paths") })
		gitHashObject = best(gitHashObject, d)
	}
	for range *runs {
		gitDir, err := os.MkdirTemp("", "hashbench-git-")
		check(err)
		git(gitDir, nil, "init", "-q", "--bare")
		d, id := timeIt(func() string {
			git(gitDir, nil, "--work-tree="+root, "add", "-A")
			return strings.TrimSpace(git(gitDir, nil, "write-tree"))
		})
		check(os.RemoveAll(gitDir))
		gitAdd, gitID = best(gitAdd, d), id
	}
	if oursID != gitID {
		log.Fatalf("MISMATCH: ours %s, git %s", oursID, gitID)
	}
	mbps := func(d time.Duration) float64 { return float64(total) / 1e6 / d.Seconds() }
	fmt.Printf("tree %s: %d files, %.0f MB; best of %d; %d CPUs\n", oursID, len(paths), float64(total)/1e6, *runs, runtime.NumCPU())
	fmt.Printf("hash: ours %.0f MB/s, git %.0f MB/s, ratio %.2fx   (Dir+gitignore %v vs git add -A && git write-tree %v)\n",
		mbps(ours), mbps(gitAdd), gitAdd.Seconds()/ours.Seconds(), ours.Round(time.Millisecond), gitAdd.Round(time.Millisecond))
	fmt.Printf("hash-object: ours %.0f MB/s, git %.0f MB/s, ratio %.2fx   (Dir, no ignore file %v vs git hash-object --stdin-paths %v)\n",
		mbps(oursPlain), mbps(gitHashObject), gitHashObject.Seconds()/oursPlain.Seconds(), oursPlain.Round(time.Millisecond), gitHashObject.Round(time.Millisecond))
}

func timeIt(f func() string) (time.Duration, string) {
	t0 := time.Now()
	s := f()
	return time.Since(t0), s
}

func best(a, b time.Duration) time.Duration {
	if a == 0 || b < a {
		return b
	}
	return a
}

// generate writes about n files and size bytes of incompressible content
// below root: mostly small files, every 50th 1/200 of the size, every
// 500th 1/25; a tenth executable; some symlinks; a .gitignore per top
// directory that ignores *.tmp files sprinkled around.
func generate(root string, n int, size int64) error {
	r := rand.New(rand.NewPCG(42, 1))
	src := rand.NewChaCha8([32]byte{42})
	big, medium := size/25, size/200
	buf := make([]byte, big)
	for i := range n {
		sz := int64(r.IntN(12 << 10))
		switch {
		case i%500 == 0:
			sz = big
		case i%50 == 0:
			sz = medium
		}
		top := fmt.Sprintf("d%02d", i%40)
		dir := filepath.Join(root, top, fmt.Sprintf("s%d", i%7))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		src.Read(buf[:sz])
		mode := os.FileMode(0o644)
		if i%10 == 3 {
			mode = 0o755
		}
		name := fmt.Sprintf("f%05d.bin", i)
		if i%97 == 5 {
			name = fmt.Sprintf("f%05d.tmp", i)
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf[:sz], mode); err != nil {
			return err
		}
		if i%40 == i/40%40 {
			if err := os.WriteFile(filepath.Join(root, top, ".gitignore"), []byte("*.tmp\n!keep.tmp\n"), 0o644); err != nil {
				return err
			}
		}
		if i%250 == 7 {
			if err := os.Symlink(name, filepath.Join(dir, "link"+name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// contentFiles lists the regular files below root and their total size.
func contentFiles(root string) ([]string, int64) {
	var paths []string
	var total int64
	check(filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && !strings.HasSuffix(p, ".tmp") {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			paths = append(paths, p)
			total += fi.Size()
		}
		return nil
	}))
	return paths, total
}

// git runs git hermetically (no user or system config) in dir.
func git(dir string, stdin []byte, args ...string) string {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "XDG_CONFIG_HOME="+os.DevNull)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func gitVersion() string {
	out, err := exec.Command("git", "version").Output()
	if err != nil {
		return "git: " + err.Error()
	}
	return strings.TrimSpace(string(out))
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
