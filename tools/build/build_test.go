package build_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/moby/buildkit/client"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/buildkitd"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// env is one test's daemon, registry and base image.
type env struct {
	t      *testing.T
	daemon *buildkitd.Local
	client *client.Client
	base   string
	log    bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	d := testenv.BuildKit(t)
	reg := testenv.StartRegistry(t)
	e := &env{t: t, daemon: d, base: testenv.Busybox(t, reg)}
	c, err := client.New(context.Background(), d.Address())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	e.client = c
	return e
}

// cleanDaemon is an env on a new BuildKit daemon, with no cache, and the
// same base image: what reproducibility checks build on a second time.
func (e *env) cleanDaemon() *env {
	e.t.Helper()
	d := testenv.BuildKit(e.t)
	c, err := client.New(context.Background(), d.Address())
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	return &env{t: e.t, daemon: d, client: c, base: e.base}
}

// writePkg writes files (path -> contents) into a new package directory.
func writePkg(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func load(t *testing.T, dir string) *pkg.Package {
	t.Helper()
	p, err := pkg.Load(dir, pkg.Options{Hermetic: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// build builds p; the base image is passed as BASE.
func (e *env) build(p *pkg.Package, out string, o build.Options) (*build.Result, error) {
	e.t.Helper()
	o.OutputDir = out
	o.Progress = &e.log
	o.ProgressMode = "plain"
	o.PkgOptions = pkg.Options{Hermetic: true}
	o.BuildArgs = append([]spec.BuildArg{{Name: "BASE", Value: e.base}}, o.BuildArgs...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	return build.Build(ctx, e.client, p, o)
}

func (e *env) mustBuild(p *pkg.Package, out string, o build.Options) *build.Result {
	e.t.Helper()
	res, err := e.build(p, out, o)
	if err != nil {
		e.t.Logf("progress:\n%s", e.log.String())
		e.t.Fatalf("build %s: %v", p.Dir, err)
	}
	return res
}

// readFile returns a file from the image in an OCI layout directory.
func readFile(t *testing.T, layoutDir, name string) (string, bool) {
	t.Helper()
	lp, err := layout.FromPath(layoutDir)
	if err != nil {
		t.Fatal(err)
	}
	ii, err := lp.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := ii.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	img, err := ii.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return "", false
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimPrefix(h.Name, "./") == strings.TrimPrefix(name, "/") {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return string(b), true
		}
	}
}

func mustReadFile(t *testing.T, layoutDir, name string) string {
	t.Helper()
	s, ok := readFile(t, layoutDir, name)
	if !ok {
		t.Fatalf("%s: no %s in the image", layoutDir, name)
	}
	return s
}

const buildYML = "image: %s\norg: example\narches:\n  - amd64\n"

func TestBuildRunCopyMultiStage(t *testing.T) {
	e := newEnv(t)
	dir := writePkg(t, t.TempDir(), map[string]string{
		"build.yml": buildYML + "gitrepo: https://example.com/src.git\nconfig:\n  binds:\n    - /var/run:/var/run\n",
		"Dockerfile": `ARG BASE
FROM ${BASE} AS build
COPY hello.txt /src/hello.txt
RUN mkdir -p /out && tr a-z A-Z < /src/hello.txt > /out/upper.txt && uname -m > /out/arch
FROM ${BASE}
COPY --from=build /out/ /data/
`,
		"hello.txt": "hello\n",
	})
	writePkg(t, dir, map[string]string{"build.yml": fmt.Sprintf(buildYML, "multistage") + "gitrepo: https://example.com/src.git\nconfig:\n  binds:\n    - /var/run:/var/run\n"})
	p := load(t, dir)
	out := filepath.Join(t.TempDir(), "out")
	res := e.mustBuild(p, out, build.Options{})

	if got := mustReadFile(t, filepath.Join(out, "amd64"), "data/upper.txt"); got != "HELLO\n" {
		t.Errorf("upper.txt = %q", got)
	}
	if got := mustReadFile(t, filepath.Join(out, "amd64"), "data/arch"); got != "x86_64\n" {
		t.Errorf("arch = %q", got)
	}
	if _, ok := readFile(t, filepath.Join(out, "amd64"), "src/hello.txt"); ok {
		t.Errorf("the build stage leaked into the final image")
	}
	// result.json matches the returned result and the layouts.
	b, err := os.ReadFile(filepath.Join(out, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var onDisk build.Result
	if err := json.Unmarshal(b, &onDisk); err != nil {
		t.Fatal(err)
	}
	if onDisk.Digest != res.Digest || onDisk.Ref != p.Ref() || len(onDisk.Arches) != 1 || onDisk.Arches[0].Ref != p.ArchRef("amd64") {
		t.Errorf("result.json = %+v, want ref %s", onDisk, p.Ref())
	}
	idx, err := build.ReadIndex(filepath.Join(out, "index"))
	if err != nil {
		t.Fatal(err)
	}
	if idx.Manifests[0].Digest.String() != res.Digest || idx.Manifests[0].Annotations[build.AnnotationRefName] != p.Tag {
		t.Errorf("index layout = %+v, want %s tagged %s", idx.Manifests[0], res.Digest, p.Tag)
	}
	// Labels, as linuxkit sets them.
	cfg := imageConfig(t, filepath.Join(out, "amd64"))
	if got := cfg.Config.Labels["org.opencontainers.image.source"]; got != "https://example.com/src.git" {
		t.Errorf("source label = %q", got)
	}
	if got := cfg.Config.Labels["org.mobyproject.config"]; !strings.Contains(got, `"binds":["/var/run:/var/run"]`) {
		t.Errorf("config label = %q", got)
	}
	if !cfg.Created.Time.Equal(time.Unix(0, 0)) {
		t.Errorf("created = %v, want SOURCE_DATE_EPOCH 0", cfg.Created)
	}
	// No temporary directories are left next to the output.
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Errorf("output parent has %d entries, want only out", len(entries))
	}
}

func TestBuildArm64UnderQEMU(t *testing.T) {
	testenv.RequireQEMU(t)
	e := newEnv(t)
	dir := writePkg(t, t.TempDir(), map[string]string{
		"build.yml":  "image: twoarch\norg: example\narches:\n  - amd64\n  - arm64\n",
		"Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN uname -m > /arch\n",
	})
	p := load(t, dir)
	out := filepath.Join(t.TempDir(), "out")
	res := e.mustBuild(p, out, build.Options{})
	if got := mustReadFile(t, filepath.Join(out, "arm64"), "arch"); got != "aarch64\n" {
		t.Errorf("arm64 RUN reports %q, want aarch64", got)
	}
	if got := mustReadFile(t, filepath.Join(out, "amd64"), "arch"); got != "x86_64\n" {
		t.Errorf("amd64 RUN reports %q, want x86_64", got)
	}
	if len(res.Arches) != 2 || res.Arches[0].Arch != "amd64" || res.Arches[1].Arch != "arm64" {
		t.Fatalf("arches = %+v", res.Arches)
	}
	if cfg := imageConfig(t, filepath.Join(out, "arm64")); cfg.Architecture != "arm64" {
		t.Errorf("arm64 image config says %s", cfg.Architecture)
	}
	// --platforms restricts the arches.
	out2 := filepath.Join(t.TempDir(), "out")
	res2 := e.mustBuild(p, out2, build.Options{Platforms: []string{"linux/arm64"}})
	if len(res2.Arches) != 1 || res2.Arches[0].Digest != res.Arches[1].Digest {
		t.Errorf("arm64-only build = %+v, want the same arm64 image %s", res2.Arches, res.Arches[1].Digest)
	}
	if _, err := os.Stat(filepath.Join(out2, "amd64")); err == nil {
		t.Errorf("amd64 was built despite --platforms linux/arm64")
	}
}

// listener counts connections to a local HTTP-ish server.
func listener(t *testing.T) (port int, conns *atomic.Int32) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	conns = new(atomic.Int32)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			_ = c.SetDeadline(time.Now().Add(2 * time.Second))
			_, _ = c.Read(make([]byte, 512))
			_, _ = c.Write([]byte("HTTP/1.0 200 OK\r\n\r\nreached\n"))
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, conns
}

func TestBuildNetwork(t *testing.T) {
	e := newEnv(t)
	port, conns := listener(t)
	df := fmt.Sprintf("ARG BASE\nFROM ${BASE}\nRUN (printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 127.0.0.1 %d > /resp) || echo failed > /resp\n", port)
	for _, network := range []bool{false, true} {
		t.Run(fmt.Sprintf("network=%v", network), func(t *testing.T) {
			before := conns.Load()
			dir := writePkg(t, t.TempDir(), map[string]string{
				"build.yml":  fmt.Sprintf("image: net\norg: example\narches:\n  - amd64\nnetwork: %v\n", network),
				"Dockerfile": df,
			})
			out := filepath.Join(t.TempDir(), "out")
			e.mustBuild(load(t, dir), out, build.Options{})
			resp := mustReadFile(t, filepath.Join(out, "amd64"), "resp")
			reached := conns.Load() > before
			if network && (!reached || !strings.Contains(resp, "reached")) {
				t.Errorf("network: true: listener reached=%v, response %q", reached, resp)
			}
			if !network && (reached || strings.Contains(resp, "reached")) {
				t.Errorf("network: false: the RUN step reached the listener (response %q)", resp)
			}
		})
	}
}

func TestBuildDisableCache(t *testing.T) {
	e := newEnv(t)
	files := map[string]string{
		"build.yml":  fmt.Sprintf(buildYML, "random"),
		"Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN head -c 16 /dev/urandom | od -x > /random\n",
	}
	dir := writePkg(t, t.TempDir(), files)
	p := load(t, dir)
	a := e.mustBuild(p, filepath.Join(t.TempDir(), "a"), build.Options{})
	b := e.mustBuild(p, filepath.Join(t.TempDir(), "b"), build.Options{})
	if a.Digest != b.Digest {
		t.Fatalf("cached rebuild changed the digest: %s then %s", a.Digest, b.Digest)
	}
	files["build.yml"] += "disable-cache: true\n"
	dir2 := writePkg(t, t.TempDir(), files)
	p2 := load(t, dir2)
	c := e.mustBuild(p2, filepath.Join(t.TempDir(), "c"), build.Options{})
	d := e.mustBuild(p2, filepath.Join(t.TempDir(), "d"), build.Options{})
	if c.Digest == d.Digest || c.Digest == a.Digest {
		t.Errorf("disable-cache: true did not rebuild the RUN step: %s, %s (cached %s)", c.Digest, d.Digest, a.Digest)
	}
}

func TestBuildArgs(t *testing.T) {
	e := newEnv(t)
	dir := writePkg(t, t.TempDir(), map[string]string{
		"build.yml": fmt.Sprintf(buildYML, "args") + "buildArgs:\n  - FROM_YML=yml\n  - OVERRIDDEN=yml\n",
		"Dockerfile": `ARG BASE
FROM ${BASE}
ARG FROM_YML
ARG OVERRIDDEN
ARG FROM_CLI
ARG PKG_HASH
ARG PKG_IMAGE
ARG SOURCE_DATE_EPOCH
RUN echo "$FROM_YML $OVERRIDDEN $FROM_CLI $PKG_HASH $PKG_IMAGE $SOURCE_DATE_EPOCH" > /args
`,
	})
	p := load(t, dir)
	out := filepath.Join(t.TempDir(), "out")
	e.mustBuild(p, out, build.Options{
		BuildArgs:       []spec.BuildArg{{Name: "FROM_CLI", Value: "cli"}, {Name: "OVERRIDDEN", Value: "cli"}},
		SourceDateEpoch: 1700000000,
	})
	want := fmt.Sprintf("yml cli cli %s example/args 1700000000\n", p.Hash)
	if got := mustReadFile(t, filepath.Join(out, "amd64"), "args"); got != want {
		t.Errorf("args = %q, want %q", got, want)
	}
	if cfg := imageConfig(t, filepath.Join(out, "amd64")); !cfg.Created.Time.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("created = %v, want SOURCE_DATE_EPOCH", cfg.Created)
	}
}

func TestBuildChained(t *testing.T) {
	e := newEnv(t)
	root := t.TempDir()
	writePkg(t, filepath.Join(root, "base"), map[string]string{
		"build.yml":  fmt.Sprintf(buildYML, "chain-base"),
		"Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN echo from-base > /base.txt\n",
	})
	writePkg(t, filepath.Join(root, "app"), map[string]string{
		"build.yml":  fmt.Sprintf(buildYML, "chain-app") + "buildArgs:\n  - PARENT=@lkt:pkg:../base\n",
		"Dockerfile": "ARG PARENT\nFROM ${PARENT}\nRUN cat /base.txt > /app.txt && echo app >> /app.txt\n",
	})
	base := load(t, filepath.Join(root, "base"))
	app := load(t, filepath.Join(root, "app"))
	baseOut := filepath.Join(t.TempDir(), "base")
	e.mustBuild(base, baseOut, build.Options{})
	// example/chain-base:<hash> is in no registry: only the named context
	// can provide it.
	out := filepath.Join(t.TempDir(), "app")
	e.mustBuild(app, out, build.Options{Contexts: map[string]string{base.Ref(): filepath.Join(baseOut, "index")}})
	if got := mustReadFile(t, filepath.Join(out, "amd64"), "app.txt"); got != "from-base\napp\n" {
		t.Errorf("app.txt = %q", got)
	}
	// Without the context the build must fail (no registry has it).
	if _, err := e.build(app, filepath.Join(t.TempDir(), "fail"), build.Options{}); err == nil {
		t.Errorf("the chained build succeeded without its context")
	}
}

func TestBuildBadDockerfile(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, dockerfile, want string
	}{
		{"syntax", "ARG BASE\nFROM ${BASE}\nFROBNICATE /x\n", "Dockerfile:3"},
		{"failing RUN", "ARG BASE\nFROM ${BASE}\nRUN true\nRUN exit 7\n", "Dockerfile:4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writePkg(t, t.TempDir(), map[string]string{"build.yml": fmt.Sprintf(buildYML, "bad"), "Dockerfile": tc.dockerfile})
			out := filepath.Join(t.TempDir(), "out")
			_, err := e.build(load(t, dir), out, build.Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not point at %s", err, tc.want)
			}
			t.Logf("error: %v", err)
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a failed build left %s", out)
			}
			if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
				t.Errorf("a failed build left temporary files: %v", entries)
			}
		})
	}
}

func TestBuildReproducibleAfterPrune(t *testing.T) {
	e := newEnv(t)
	dir := writePkg(t, t.TempDir(), map[string]string{
		"build.yml":  fmt.Sprintf(buildYML, "repro"),
		"Dockerfile": "ARG BASE\nFROM ${BASE}\nCOPY a.txt /a.txt\nRUN mkdir /made && echo made > /made/file && touch /made/stamp\n",
		"a.txt":      "a\n",
	})
	p := load(t, dir)
	first := e.mustBuild(p, filepath.Join(t.TempDir(), "1"), build.Options{})
	if _, err := buildkitd.Prune(context.Background(), e.daemon.Address()); err != nil {
		t.Fatal(err)
	}
	second := e.mustBuild(p, filepath.Join(t.TempDir(), "2"), build.Options{})
	if first.Digest != second.Digest {
		t.Errorf("digest changed after builder prune: %s then %s", first.Digest, second.Digest)
	}
	// And on a brand-new daemon.
	e2 := e.cleanDaemon()
	third := e2.mustBuild(p, filepath.Join(t.TempDir(), "3"), build.Options{})
	if first.Digest != third.Digest {
		t.Errorf("digest differs on a clean daemon: %s vs %s", first.Digest, third.Digest)
	}
}

func TestBuildTarFormat(t *testing.T) {
	e := newEnv(t)
	dir := writePkg(t, t.TempDir(), map[string]string{
		"build.yml":  fmt.Sprintf(buildYML, "tarred"),
		"Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN echo x > /x\n",
	})
	out := filepath.Join(t.TempDir(), "out")
	res := e.mustBuild(load(t, dir), out, build.Options{Format: build.FormatTar})
	for _, f := range []string{"amd64.tar", "index.tar", "result.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if res.Layout != "index.tar" || res.Arches[0].Layout != "amd64.tar" {
		t.Errorf("layouts = %s, %s", res.Layout, res.Arches[0].Layout)
	}
}

type imageConfigFile struct {
	Architecture string                             `json:"architecture"`
	Created      jsonTime                           `json:"created"`
	Config       struct{ Labels map[string]string } `json:"config"`
}

type jsonTime struct{ time.Time }

func (j *jsonTime) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &j.Time) }

func imageConfig(t *testing.T, layoutDir string) imageConfigFile {
	t.Helper()
	lp, err := layout.FromPath(layoutDir)
	if err != nil {
		t.Fatal(err)
	}
	ii, _ := lp.ImageIndex()
	im, err := ii.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	img, err := ii.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	var cfg imageConfigFile
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// A build never deletes what lkpkg did not write: an --output-dir holding
// other files is refused; an earlier output (or an empty directory, as
// Bazel pre-creates) is replaced.
func TestBuildOutputDirSafety(t *testing.T) {
	e := newEnv(t)
	dir := writePkg(t, t.TempDir(), map[string]string{
		"build.yml":  fmt.Sprintf(buildYML, "outdir"),
		"Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN echo x > /x\n",
	})
	p := load(t, dir)

	foreign := t.TempDir()
	keep := filepath.Join(foreign, "important.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := e.build(p, foreign, build.Options{})
	if err == nil || !strings.Contains(err.Error(), ".lkpkg-output") {
		t.Errorf("build into a directory holding important.txt: err = %v, want a refusal naming .lkpkg-output", err)
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "mine" {
		t.Fatalf("important.txt after the build: %q, %v", b, err)
	}

	empty := filepath.Join(t.TempDir(), "out") // alone in its parent: see siblings
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	e.mustBuild(p, empty, build.Options{})
	if _, err := os.Stat(filepath.Join(empty, ".lkpkg-output")); err != nil {
		t.Errorf("the output has no marker: %v", err)
	}
	// Again into the same (now lkpkg's) directory, as tar: the dir layouts go.
	e.mustBuild(p, empty, build.Options{Format: build.FormatTar})
	if _, err := os.Stat(filepath.Join(empty, "amd64")); err == nil {
		t.Error("amd64/ of the earlier output is still there")
	}
	if s := siblings(t, empty); len(s) != 0 {
		t.Errorf("left beside the output: %q", s)
	}
}
