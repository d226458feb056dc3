package registry

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// plainGet sends GET url through r's guarded transport.
func plainGet(r Registry, url string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := r.BaseTransport().RoundTrip(req)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

// A *.localhost name is not loopback for its spelling: DNS can point it
// anywhere, and plain HTTP would carry the registry credentials there.
func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	const host = "lkpkg-test-nowhere.localhost:5000"
	if ips, err := net.LookupIP("lkpkg-test-nowhere.localhost"); err == nil {
		all := true
		for _, ip := range ips {
			all = all && ip.IsLoopback()
		}
		if all {
			t.Skip("this machine's resolver maps *.localhost to loopback, which the rule allows")
		}
	}
	err := plainGet(Registry{}, "http://"+host+"/v2/")
	if err == nil || !strings.Contains(err.Error(), "refusing plain HTTP to "+host) || !strings.Contains(err.Error(), "--insecure-registry "+host) {
		t.Fatalf("plain HTTP to %s: %v, want a refusal naming --insecure-registry", host, err)
	}
	if (Registry{}).AllowHTTP(host) {
		t.Errorf("AllowHTTP(%s) = true", host)
	}
	if !(Registry{Insecure: []string{host}}).AllowHTTP(host) {
		t.Errorf("--insecure-registry %s does not allow it", host)
	}

	// A literal loopback address may be reached over plain HTTP.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	if err := plainGet(Registry{}, srv.URL+"/v2/"); err != nil {
		t.Errorf("plain HTTP to loopback %s: %v", srv.URL, err)
	}
}

func TestInsecureAndRepository(t *testing.T) {
	r := Registry{Insecure: []string{"10.0.0.1:5000"}}
	if !r.AllowHTTP("10.0.0.1:5000") || r.AllowHTTP("10.0.0.2:5000") {
		t.Error("--insecure-registry not honoured exactly")
	}
	repo, err := Registry{Prefix: "192.168.1.1:5000"}.Repository("org/img")
	if err != nil {
		t.Fatal(err)
	}
	if repo.String() != "192.168.1.1:5000/org/img" {
		t.Errorf("got %s", repo)
	}
	// go-containerregistry would try plain HTTP for a private address:
	// the guard refuses it before anything is sent.
	if err := plainGet(Registry{}, "http://192.168.1.1:5000/v2/"); err == nil || !strings.Contains(err.Error(), "refusing plain HTTP to 192.168.1.1:5000") {
		t.Errorf("plain HTTP to a private address that is not --insecure-registry: %v", err)
	}
	repo, err = Registry{Prefix: "127.0.0.1:5000/"}.Repository("org/img")
	if err != nil || repo.String() != "127.0.0.1:5000/org/img" || repo.Scheme() != "http" {
		t.Errorf("loopback registry: %v, %v (scheme %s)", repo, err, repo.Scheme())
	}
}

// A registry that answers https:// in plain HTTP gets an error naming the
// flag that opts in, not only net/http's terse text.
func TestPlainHTTPServerBehindHTTPSNamesTheFlag(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	err := plainGet(Registry{}, "https://"+host+"/v2/")
	if err == nil || !strings.Contains(err.Error(), "--insecure-registry "+host) {
		t.Fatalf("err = %v, want a hint naming --insecure-registry %s", err, host)
	}
}
