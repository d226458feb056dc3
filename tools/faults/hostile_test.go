//go:build faults

package faults

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// The hostile-inputs family: files and names a user (or an attacker who
// controls a checkout) can hand lkpkg. Each case names the exit status,
// a keyword of the error, a time bound, and checks nothing was written
// outside the temp dir. tools/faults/hostile_git_test.go has the cases
// that need git or BuildKit.

// memCap bounds lkpkg's address space where an input could make it
// allocate without end (/dev/zero), so a failure cannot take the machine
// down with it.
const memCap = 2 << 30

func TestHostileInputs(t *testing.T) {
	famHostile.start(t)
	hostile := func(name string, f func(t *testing.T, s *sandbox)) {
		t.Run(name, func(t *testing.T) {
			famHostile.track(t)
			f(t, newSandbox(t))
		})
	}
	pkgDir := func(t *testing.T, s *sandbox) string {
		writeFiles(t, s.dir, map[string]string{"pkg/Dockerfile": "FROM scratch\n"})
		return s.path("pkg")
	}
	buildYMLCase := func(name string, write func(t *testing.T, file string)) {
		hostile(name, func(t *testing.T, s *sandbox) {
			dir := pkgDir(t, s)
			write(t, filepath.Join(dir, "build.yml"))
			o := s.opts(12 * time.Second)
			o.memLimit = memCap
			for _, cmd := range []string{"validate", "show-tag"} {
				s.check(t, lkpkg(t, o, cmd, dir), expect{code: 1, anyOf: []string{"build.yml"}, within: 5 * time.Second})
			}
		})
	}

	buildYMLCase("build.yml is a FIFO", func(t *testing.T, file string) {
		if err := syscall.Mkfifo(file, 0o644); err != nil {
			t.Fatal(err)
		}
	})
	buildYMLCase("build.yml links to /dev/zero", func(t *testing.T, file string) {
		if err := os.Symlink("/dev/zero", file); err != nil {
			t.Fatal(err)
		}
	})
	buildYMLCase("100 MB build.yml", func(t *testing.T, file string) {
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		w.WriteString("image: big\norg: lkt\n")
		line := "# " + strings.Repeat("x", 97) + "\n"
		for i := 0; i < 1<<20; i++ {
			w.WriteString(line)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	})
	buildYMLCase("YAML alias bomb", func(t *testing.T, file string) {
		var b strings.Builder
		b.WriteString("image: bomb\norg: lkt\nbuildArgs: &a0 [\"A=x\", \"A=x\", \"A=x\", \"A=x\", \"A=x\", \"A=x\", \"A=x\", \"A=x\", \"A=x\"]\n")
		for i := 1; i <= 9; i++ {
			b.WriteString("x" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
			for j := 0; j < 9; j++ {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString("*a" + string(rune('0'+i-1)))
			}
			b.WriteString("]\n")
		}
		writeFile(t, file, b.String())
	})
	buildYMLCase("100k-deep nested YAML", func(t *testing.T, file string) {
		writeFile(t, file, "image: deep\norg: lkt\nconfig: "+strings.Repeat("[", 100000)+strings.Repeat("]", 100000)+"\n")
	})

	// result.json names where lkpkg merge-outputs writes and lkpkg push reads: an
	// arch or layout with .. must be refused, naming result.json.
	resultCase := func(name string, edit func(a map[string]any)) {
		prepare := func(t *testing.T, s *sandbox) string {
			in := s.path("in")
			if _, err := testenv.BuildOutput(in, "lkt/hostile", "t1", []string{"amd64"}, 1, 512, 1); err != nil {
				t.Fatal(err)
			}
			editResult(t, filepath.Join(in, "result.json"), edit)
			return in
		}
		want := expect{code: 1, anyOf: []string{"result.json"}}
		hostile("lkpkg merge-outputs: "+name, func(t *testing.T, s *sandbox) {
			in := prepare(t, s)
			s.check(t, lkpkg(t, s.opts(30*time.Second), "merge-outputs", "--output-dir", s.path("out"), in), want)
		})
		hostile("lkpkg push: "+name, func(t *testing.T, s *sandbox) {
			in := prepare(t, s)
			writeFiles(t, s.dir, map[string]string{"pkg/build.yml": "image: hostile\norg: lkt\narches: [amd64]\ndisable-content-trust: true\n", "pkg/Dockerfile": "FROM scratch\n"})
			dir := s.path("pkg")
			// Port 1 refuses connections: the check must come before any push.
			s.check(t, lkpkg(t, s.opts(30*time.Second), "push", "--hermetic", "--progress", "quiet", "--input-dir", in, "--registry", "127.0.0.1:1", dir), want)
		})
	}
	resultCase("result.json arch ../../x", func(a map[string]any) { a["arch"] = "../../x" })
	resultCase("result.json layout ../../etc", func(a map[string]any) { a["layout"] = "../../etc" })

	hostileGit(t, hostile)
	hostileNet(t, hostile)
}

func writeFile(t *testing.T, file, content string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// editResult applies edit to the first arch of a result.json.
func editResult(t *testing.T, file string, edit func(map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	edit(res["arches"].([]any)[0].(map[string]any))
	if b, err = json.Marshal(res); err != nil {
		t.Fatal(err)
	}
	writeFile(t, file, string(b))
}
