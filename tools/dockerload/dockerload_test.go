package dockerload

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"
)

// fakeEngine serves /images/load on a unix socket and records the
// RepoTags of the `docker save` archives it gets; reply is its answer.
func fakeEngine(t *testing.T, reply string) (host string, loaded *[]string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "d.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/images/load" || r.Header.Get("Content-Type") != "application/x-tar" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
			return
		}
		tr := tar.NewReader(r.Body)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if h.Name == "manifest.json" {
				var m []struct{ RepoTags []string }
				if err := json.NewDecoder(tr).Decode(&m); err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				for _, e := range m {
					tags = append(tags, e.RepoTags...)
				}
			}
		}
		io.WriteString(w, reply)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "unix://" + sock, &tags
}

func TestLoad(t *testing.T) {
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	host, loaded := fakeEngine(t, `{"stream":"Loaded image: lkt/x:t-amd64\n"}`)
	e, err := New(host)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Load(context.Background(), img, []string{"lkt/x:t-amd64", "lkt/x:t"}); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(*loaded, " ")
	for _, want := range []string{"lkt/x:t-amd64", "lkt/x:t"} {
		if !slices.ContainsFunc(*loaded, func(s string) bool { return strings.HasSuffix(s, "/"+want) || s == want }) {
			t.Errorf("loaded %s, want %s", got, want)
		}
	}

	// An error in the answer's stream, under status 200, is an error.
	host, _ = fakeEngine(t, `{"errorDetail":{"message":"no space"},"error":"no space"}`)
	e, _ = New(host)
	if err := e.Load(context.Background(), img, []string{"lkt/x:t"}); err == nil || !strings.Contains(err.Error(), "no space") {
		t.Errorf("Load with an error answer: %v", err)
	}
}

func TestNewRefusesRemoteTCP(t *testing.T) {
	for host, want := range map[string]string{
		"tcp://192.0.2.1:2375": "only on this machine",
		"ssh://h":              "unix:// and (loopback) tcp://",
		"unix://":              "want unix:///path",
	} {
		if _, err := New(host); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(%q) = %v, want an error with %q", host, err, want)
		}
	}
	if _, err := New("tcp://127.0.0.1:2375"); err != nil {
		t.Errorf("loopback tcp: %v", err)
	}
}
