//go:build faults

package faults

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// regProc is a docker-registry process that can be killed and started
// again on the same port with the same storage directory.
type regProc struct {
	bin, dir, host string
	stop           func()
}

func startRegProc(t *testing.T) *regProc {
	t.Helper()
	bin, err := testenv.RegistryBinary()
	if err != nil {
		t.Fatalf("%v (scripts/buildkit-setup installs it)", err)
	}
	r := &regProc{bin: bin, dir: t.TempDir()}
	for attempt := 0; attempt < 3; attempt++ {
		r.host = fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
		if err = r.start(); err == nil {
			t.Cleanup(r.kill)
			return r
		}
	}
	t.Fatalf("starting %s: %v", bin, err)
	return nil
}

func (r *regProc) start() error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		var stop func()
		if stop, err = testenv.StartRegistryProcess(r.bin, r.dir, r.host); err == nil {
			r.stop = stop
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// kill sends SIGKILL and waits for the process to exit.
func (r *regProc) kill() {
	if r.stop != nil {
		r.stop()
		r.stop = nil
	}
}

// killPlan says at which request the registry dies: the k-th request (from
// 1) whose key (method and kind, see requestKind) is key, and when:
// "before" forwarding it, "mid" way through its body, or "after" the
// registry answered (the client never sees the answer).
type killPlan struct {
	key  string
	k    int
	mode string
	// stayDown keeps the registry down until the push has given up (every
	// request is dropped); the test then starts it and reruns the push.
	stayDown bool
}

func (p killPlan) String() string {
	s := fmt.Sprintf("%s #%d %s", p.key, p.k, p.mode)
	if p.stayDown {
		s += ", down until the push fails"
	}
	return s
}

// killProxy sits between lkpkg and the registry, counts requests per key
// and carries out a killPlan: kill the registry, fail the request, start
// the registry again. Requests that arrive while it is down wait for it,
// so the only failures lkpkg sees are those of the requests in flight.
type killProxy struct {
	host string
	reg  *regProc
	tr   *http.Transport
	rp   *httputil.ReverseProxy

	mu       sync.Mutex
	counts   map[string]int
	bodies   map[string]bool
	plan     *killPlan
	fired    bool
	down     chan struct{}
	dead     bool
	startErr error
}

func startKillProxy(t *testing.T, reg *regProc) *killProxy {
	t.Helper()
	p := &killProxy{reg: reg, counts: map[string]int{}, bodies: map[string]bool{}}
	p.tr = http.DefaultTransport.(*http.Transport).Clone()
	p.rp = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: reg.host})
	p.rp.Transport = p.tr
	p.rp.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.host = l.Addr().String()
	srv := &http.Server{Handler: p, ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return p
}

// arm sets the plan (nil: forward everything) and resets the counts.
func (p *killProxy) arm(plan *killPlan) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.plan, p.fired, p.startErr = plan, false, nil
	p.counts, p.bodies = map[string]int{}, map[string]bool{}
}

// disarm drops the plan and keeps the counts.
func (p *killProxy) disarm() {
	p.mu.Lock()
	p.plan = nil
	p.mu.Unlock()
}

// result says whether the plan's kill happened and the registry came back.
func (p *killProxy) result() (fired bool, startErr error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fired, p.startErr
}

// seen returns the requests counted since arm, per key, and the keys of
// requests that had a body.
func (p *killProxy) seen() (counts map[string]int, bodies map[string]bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	counts, bodies = map[string]int{}, map[string]bool{}
	for k, v := range p.counts {
		counts[k] = v
	}
	for k, v := range p.bodies {
		bodies[k] = v
	}
	return counts, bodies
}

func (p *killProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	down, dead := p.down, p.dead
	p.mu.Unlock()
	if down != nil {
		<-down
	}
	if dead {
		drop(w)
		return
	}
	key := r.Method + " " + requestKind(r.URL.Path)
	p.mu.Lock()
	p.counts[key]++
	if r.ContentLength != 0 {
		p.bodies[key] = true
	}
	plan := p.plan
	fire := plan != nil && !p.fired && plan.key == key && plan.k == p.counts[key]
	if fire {
		p.fired = true
	}
	p.mu.Unlock()
	if !fire {
		p.rp.ServeHTTP(w, r)
		return
	}
	switch plan.mode {
	case "before":
		p.crash()
		drop(w)
	case "mid":
		r.Body = &killBody{ReadCloser: r.Body, left: bodyHalf(r), kill: p.crash}
		p.rp.ServeHTTP(w, r)
		p.crash() // a body shorter than expected: still dies
	case "after":
		rec := httptest.NewRecorder()
		p.rp.ServeHTTP(rec, r)
		p.crash()
		drop(w)
	}
	if plan.stayDown {
		p.mu.Lock()
		p.dead = true
		close(p.down)
		p.down = nil
		p.mu.Unlock()
		return
	}
	p.restart()
}

// revive starts a registry that a stayDown plan left down.
func (p *killProxy) revive() {
	p.mu.Lock()
	dead := p.dead
	p.mu.Unlock()
	if !dead {
		return
	}
	err := p.reg.start()
	p.tr.CloseIdleConnections()
	p.mu.Lock()
	p.dead = false
	if err != nil {
		p.startErr = err
	}
	p.mu.Unlock()
}

// crash kills the registry (once per plan) and holds new requests.
func (p *killProxy) crash() {
	p.mu.Lock()
	if p.down != nil {
		p.mu.Unlock()
		return
	}
	p.down = make(chan struct{})
	p.mu.Unlock()
	p.reg.kill()
}

// restart starts the registry again and lets held requests through.
func (p *killProxy) restart() {
	err := p.reg.start()
	p.tr.CloseIdleConnections()
	p.mu.Lock()
	if err != nil {
		p.startErr = err
	}
	close(p.down)
	p.down = nil
	p.mu.Unlock()
}

// drop closes the client's connection without an answer.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// bodyHalf is how many body bytes reach the registry before a "mid" kill.
func bodyHalf(r *http.Request) int64 {
	if r.ContentLength > 1 {
		return r.ContentLength / 2
	}
	return 8 << 10
}

// killBody passes left bytes on, then kills the registry before passing
// more (or before EOF, for a shorter body).
type killBody struct {
	io.ReadCloser
	left int64
	kill func()
}

func (b *killBody) Read(buf []byte) (int, error) {
	if b.left <= 0 {
		b.kill()
		return 0, io.ErrUnexpectedEOF
	}
	if int64(len(buf)) > b.left {
		buf = buf[:b.left]
	}
	n, err := b.ReadCloser.Read(buf)
	b.left -= int64(n)
	if err == io.EOF {
		b.kill()
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

// requestKind names a registry API request by its path: ping, blob,
// upload, tags, and for manifests by reference: manifest-index (the
// package tag), manifest-arch (<tag>-<arch>) or manifest-digest.
func requestKind(path string) string {
	k := testenv.RequestKind(path)
	if k != "manifest" {
		return k
	}
	ref := path[strings.LastIndex(path, "/")+1:]
	switch {
	case strings.HasPrefix(ref, "sha256:"):
		return "manifest-digest"
	case strings.Contains(ref, "-"):
		return "manifest-arch"
	}
	return "manifest-index"
}
