//go:build ignore

// Command remote-cache-server is a minimal Bazel remote cache speaking the HTTP
// caching protocol (GET, HEAD and PUT of /ac/<sha256> and /cas/<sha256>), backed
// by a directory. scripts/remote-cache-test uses it when bazel-remote cannot be
// built (the Go module proxy refuses it on some machines). Standard library only.
//
//	go run scripts/remote-cache-server.go -addr 127.0.0.1:9090 -dir /tmp/cache
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync/atomic"
)

var key = regexp.MustCompile(`^/(?:[^/]+/)*(ac|cas)/([0-9a-f]{64})$`)

func main() {
	addr := flag.String("addr", "127.0.0.1:9090", "listen address")
	dir := flag.String("dir", "", "storage directory (required)")
	flag.Parse()
	if *dir == "" {
		log.Fatal("-dir is required")
	}
	for _, k := range []string{"ac", "cas"} {
		if err := os.MkdirAll(filepath.Join(*dir, k), 0o755); err != nil {
			log.Fatal(err)
		}
	}
	var hits, misses, puts atomic.Int64
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" || r.URL.Path == "/status" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"hits":`+itoa(hits.Load())+`,"misses":`+itoa(misses.Load())+`,"puts":`+itoa(puts.Load())+"}\n")
			return
		}
		m := key.FindStringSubmatch(r.URL.Path)
		if m == nil {
			http.Error(w, "want /ac/<sha256> or /cas/<sha256>", http.StatusBadRequest)
			return
		}
		file := filepath.Join(*dir, m[1], m[2])
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			f, err := os.Open(file)
			if err != nil {
				misses.Add(1)
				http.NotFound(w, r)
				return
			}
			defer f.Close()
			hits.Add(1)
			fi, _ := f.Stat()
			http.ServeContent(w, r, "", fi.ModTime(), f)
		case http.MethodPut:
			tmp, err := os.CreateTemp(filepath.Dir(file), ".put-")
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			if _, err := io.Copy(tmp, r.Body); err != nil {
				tmp.Close()
				os.Remove(tmp.Name())
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			tmp.Close()
			if err := os.Rename(tmp.Name(), file); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			puts.Add(1)
			w.WriteHeader(http.StatusOK)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
	log.Printf("remote-cache-server on http://%s, storage %s", *addr, *dir)
	log.Fatal(http.ListenAndServe(*addr, nil))
}

func itoa(n int64) string {
	b := []byte{}
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
