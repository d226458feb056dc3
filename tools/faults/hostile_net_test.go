//go:build faults

package faults

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// hostileNet adds the cases about where lkpkg sends what: plain HTTP and
// plain tcp:// only where the user allowed it, and hash tags that a push
// must not silently repoint.
func hostileNet(t *testing.T, hostile func(string, func(*testing.T, *sandbox))) {
	hostPkg := func(t *testing.T, s *sandbox, image string) string {
		writeFiles(t, s.dir, map[string]string{
			"pkg/build.yml":  "image: " + image + "\norg: lkt\narches: [amd64]\ndisable-content-trust: true\n",
			"pkg/Dockerfile": "FROM scratch\n",
		})
		return s.path("pkg")
	}

	// A plain-HTTP registry on a non-loopback address: refused unless
	// named with --insecure-registry.
	hostile("plain-HTTP registry on a non-loopback address", func(t *testing.T, s *sandbox) {
		ip := nonLoopbackIP(t)
		bin, err := testenv.RegistryBinary()
		if err != nil {
			t.Fatal(err)
		}
		host := net.JoinHostPort(ip, fmt.Sprint(testenv.FreePort(t)))
		stop, err := testenv.StartRegistryProcess(bin, t.TempDir(), host)
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		dir := hostPkg(t, s, "plain")
		in := s.path("in")
		if _, err := testenv.BuildOutput(in, "lkt/plain", "h1", []string{"amd64"}, 1, 512, 1); err != nil {
			t.Fatal(err)
		}
		args := []string{"push", "--hermetic", "--progress", "quiet", "--input-dir", in, "--registry", host}
		r := lkpkg(t, s.opts(time.Minute), append(args, dir)...)
		s.check(t, r, expect{code: 1, anyOf: []string{"insecure-registry"}, within: time.Minute})
		if resp, err := http.Head("http://" + host + "/v2/lkt/plain/manifests/h1-amd64"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Errorf("the image was pushed over plain HTTP without --insecure-registry")
			}
		}
		r = lkpkg(t, s.opts(time.Minute), append(args, "--insecure-registry", host, dir)...)
		s.check(t, r, expect{code: 0, within: time.Minute})
	})

	// A tcp:// BuildKit address off loopback without TLS: refused before
	// anything is sent, unless --builder-insecure.
	hostile("tcp:// BuildKit without TLS on a non-loopback address", func(t *testing.T, s *sandbox) {
		ip := nonLoopbackIP(t)
		l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		contacted := make(chan struct{}, 1)
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				select {
				case contacted <- struct{}{}:
				default:
				}
				c.Close()
			}
		}()
		dir := hostPkg(t, s, "tcpbk")
		r := lkpkg(t, s.opts(time.Minute), "build", "--builder-addr", "tcp://"+l.Addr().String(), "--progress", "quiet",
			"--output-dir", s.path("out"), dir)
		s.check(t, r, expect{code: 1, anyOf: []string{"--builder-insecure"}, within: 30 * time.Second})
		select {
		case <-contacted:
			t.Errorf("lkpkg connected to the plain tcp:// address before refusing it")
		default:
		}
	})

	// A hash tag already in the registry with another image: that arch is
	// skipped, as linuxkit skips platforms it has, and said so on stderr
	// even with --progress quiet (naming --force); the tag keeps its
	// image; --force replaces it.
	hostile("push that would repoint a hash tag", func(t *testing.T, s *sandbox) {
		reg := testenv.StartRegistry(t)
		dir := hostPkg(t, s, "immut")
		push := func(seed uint64, extra ...string) (run, string) {
			in := s.path(fmt.Sprint("in", seed))
			if _, err := testenv.BuildOutput(in, "lkt/immut", "h1", []string{"amd64"}, 1, 512, seed); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"push", "--hermetic", "--progress", "quiet", "--input-dir", in, "--registry", reg.Host}, extra...)
			return lkpkg(t, s.opts(time.Minute), append(args, dir)...), in
		}
		if r, _ := push(1); r.code != 0 {
			t.Fatalf("first push: %v", r)
		}
		before := tagDigest(t, reg.Host+"/lkt/immut:h1-amd64")
		r, _ := push(2)
		s.check(t, r, expect{code: 0, anyOf: []string{"--force"}, within: time.Minute})
		if after := tagDigest(t, reg.Host+"/lkt/immut:h1-amd64"); after != before {
			t.Errorf("h1-amd64 now points at %s, was %s: a hash tag was repointed without --force", after, before)
		}
		r, _ = push(2, "--force")
		s.check(t, r, expect{code: 0, within: time.Minute})
		if after := tagDigest(t, reg.Host+"/lkt/immut:h1-amd64"); after == before {
			t.Errorf("--force did not replace h1-amd64")
		}
	})
}

func tagDigest(t *testing.T, ref string) string {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.Head(r)
	if err != nil {
		return "(none: " + err.Error() + ")"
	}
	return d.Digest.String()
}

// nonLoopbackIP returns an IPv4 address of this machine that is not
// loopback.
func nonLoopbackIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil && !strings.HasPrefix(n.IP.String(), "169.254.") {
			return n.IP.String()
		}
	}
	t.Fatal("this machine has no non-loopback IPv4 address to test with")
	return ""
}
