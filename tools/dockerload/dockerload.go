// Package dockerload loads images into a Docker engine, as linuxkit's
// pkg build --docker does (dockerRunner.load, then tag): each image goes
// to the engine's /images/load endpoint as a `docker save` archive, with
// every name it should have. It speaks the Engine API over HTTP itself, so
// lkpkg needs neither the docker CLI nor its client module.
package dockerload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/rules-linuxkit/rules_linuxkit/tools/loopback"
)

// EnvHost is the variable that names the engine, as for the docker CLI.
const EnvHost = "DOCKER_HOST"

// DefaultHost is the engine's address when $DOCKER_HOST is unset.
const DefaultHost = "unix:///var/run/docker.sock"

// Engine is a Docker engine reached over its API.
type Engine struct {
	// Host is unix:///path or tcp://host:port (loopback only: lkpkg has
	// no TLS client for the engine, and the API gives root on it).
	Host   string
	client *http.Client
	base   string
}

// FromEnv returns the engine $DOCKER_HOST names (default DefaultHost).
func FromEnv() (*Engine, error) {
	h := os.Getenv(EnvHost)
	if h == "" {
		h = DefaultHost
	}
	return New(h)
}

// New returns the engine at host (see Engine.Host).
func New(host string) (*Engine, error) {
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("docker host %q: %w", host, err)
	}
	e := &Engine{Host: host}
	switch u.Scheme {
	case "unix":
		path := u.Path
		if path == "" {
			return nil, fmt.Errorf("docker host %q: want unix:///path/to/docker.sock", host)
		}
		e.client = &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", path)
			},
		}}
		e.base = "http://docker"
	case "tcp":
		if ok, why := loopback.Check(u.Host); !ok {
			return nil, fmt.Errorf("docker host %q: lkpkg reaches an engine over tcp:// only on this machine (%s), since it has no TLS client for it: use a unix:// socket (or an ssh tunnel to one)", host, why)
		}
		e.client = &http.Client{}
		e.base = "http://" + u.Host
	default:
		return nil, fmt.Errorf("docker host %q: lkpkg supports unix:// and (loopback) tcp:// engines", host)
	}
	return e, nil
}

// Load loads img into the engine under every name in tags (e.g.
// org/image:tag-amd64 and org/image:tag), in one `docker save` archive.
func (e *Engine) Load(ctx context.Context, img v1.Image, tags []string) error {
	refs := map[name.Reference]v1.Image{}
	for _, t := range tags {
		ref, err := name.NewTag(t, name.WeakValidation)
		if err != nil {
			return fmt.Errorf("image name %s: %w", t, err)
		}
		refs[ref] = img
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarball.MultiRefWrite(refs, pw)) }()
	defer pr.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.base+"/images/load?quiet=1", pr)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-tar")
	resp, err := e.client.Do(req)
	if err != nil {
		return fmt.Errorf("loading into the docker engine at %s: %w", e.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("loading into the docker engine at %s: %w", e.Host, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the docker engine at %s refused the images: %s: %s", e.Host, resp.Status, strings.TrimSpace(string(body)))
	}
	// The answer is a stream of JSON messages; a failure is one with an
	// error, still under status 200.
	dec := json.NewDecoder(strings.NewReader(string(body)))
	for {
		var m struct {
			Error       string `json:"error"`
			ErrorDetail struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return nil // not JSON: nothing says it failed
		}
		if m.Error != "" {
			return fmt.Errorf("the docker engine at %s could not load the images: %s", e.Host, m.Error)
		}
	}
}

// Tags lists the names of the images the engine has (GET /images/json).
func (e *Engine) Tags(ctx context.Context) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/images/json", nil)
	if err != nil {
		return nil, err
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("docker engine at %s: %s", e.Host, resp.Status)
	}
	var images []struct {
		RepoTags []string `json:"RepoTags"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&images); err != nil {
		return nil, err
	}
	var tags []string
	for _, im := range images {
		tags = append(tags, im.RepoTags...)
	}
	return tags, nil
}
