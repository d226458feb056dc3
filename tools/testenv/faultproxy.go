package testenv

import (
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Fault is what a FaultProxy does to one request.
type Fault struct {
	// Status, when non-zero, answers the request with this status instead
	// of forwarding it.
	Status int
	// Drop closes the connection without an answer.
	Drop bool
	// Delay waits this long before forwarding.
	Delay time.Duration
}

// Request is a request a FaultProxy saw.
type Request struct {
	Method string
	Path   string
	// Kind is "blob", "upload", "manifest", "tags", "ping" or "other".
	Kind string
	// Bytes is the request body's size as forwarded.
	Bytes int64
	// Faulted is true if a fault was injected instead of forwarding.
	Faulted bool
}

// FaultProxy is an HTTP proxy in front of a registry that records every
// request and injects faults: tests point pushes at Host instead of the
// registry to count requests and bytes, and to see pushes survive 5xx
// answers, dropped connections and slow responses.
type FaultProxy struct {
	// Host is 127.0.0.1:PORT.
	Host string

	mu       sync.Mutex
	requests []Request
	fault    func(*http.Request, int) Fault
	n        atomic.Int64
}

// StartFaultProxy starts a proxy to the registry at target (host:port),
// stopped when the test ends.
func StartFaultProxy(tb testing.TB, target string) *FaultProxy {
	tb.Helper()
	u := &url.URL{Scheme: "http", Host: target}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = nil
	p := &FaultProxy{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p.Host = l.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(p.n.Add(1))
		req := Request{Method: r.Method, Path: r.URL.Path, Kind: RequestKind(r.URL.Path)}
		p.mu.Lock()
		f := p.fault
		p.mu.Unlock()
		var fault Fault
		if f != nil {
			fault = f(r, n)
		}
		if fault.Delay > 0 {
			time.Sleep(fault.Delay)
		}
		switch {
		case fault.Drop:
			req.Faulted = true
			p.record(req)
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		case fault.Status != 0:
			req.Faulted = true
			p.record(req)
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(fault.Status)
			return
		}
		if r.Body != nil {
			cb := &countBody{ReadCloser: r.Body}
			r.Body = cb
			defer func() { req.Bytes = cb.n; p.record(req) }()
		} else {
			defer p.record(req)
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(l) }()
	tb.Cleanup(func() { srv.Close() })
	return p
}

// SetFault sets the function that decides each request's fault (it gets
// the request and its 1-based sequence number); nil forwards everything.
func (p *FaultProxy) SetFault(f func(r *http.Request, n int) Fault) {
	p.mu.Lock()
	p.fault = f
	p.mu.Unlock()
}

// Requests returns the requests seen so far.
func (p *FaultProxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.requests...)
}

// Reset forgets the requests seen so far.
func (p *FaultProxy) Reset() {
	p.mu.Lock()
	p.requests = nil
	p.mu.Unlock()
}

// Count returns how many requests had this method and kind ("" matches
// any).
func (p *FaultProxy) Count(method, kind string) int {
	n := 0
	for _, r := range p.Requests() {
		if (method == "" || r.Method == method) && (kind == "" || r.Kind == kind) {
			n++
		}
	}
	return n
}

// BytesSent is the total size of the request bodies forwarded.
func (p *FaultProxy) BytesSent() int64 {
	var n int64
	for _, r := range p.Requests() {
		n += r.Bytes
	}
	return n
}

func (p *FaultProxy) record(r Request) {
	p.mu.Lock()
	p.requests = append(p.requests, r)
	p.mu.Unlock()
}

// RequestKind names a registry API request by its path: ping, upload,
// blob, manifest, tags or other.
func RequestKind(path string) string {
	switch {
	case path == "/v2/" || path == "/v2":
		return "ping"
	case strings.Contains(path, "/blobs/uploads"):
		return "upload"
	case strings.Contains(path, "/blobs/"):
		return "blob"
	case strings.Contains(path, "/manifests/"):
		return "manifest"
	case strings.HasSuffix(path, "/tags/list"):
		return "tags"
	}
	return "other"
}

type countBody struct {
	io.ReadCloser
	n int64
}

func (c *countBody) Read(b []byte) (int, error) {
	n, err := c.ReadCloser.Read(b)
	c.n += int64(n)
	return n, err
}
