package scannerimage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Server serves one image (or index) of an OCI layout, read-only, from a
// registry on 127.0.0.1: BuildKit's attest:sbom=generator=REF takes only a
// registry reference, and BuildKit talks plain HTTP to loopback
// registries (containerd's docker.MatchLocalhost, which BuildKit's
// resolver uses for hosts without a buildkitd.toml entry). Only a daemon
// on this machine can reach it.
type Server struct {
	// Ref is the served image's reference, pinned by digest:
	// 127.0.0.1:PORT/lkpkg/sbom-scanner@sha256:...
	Ref string
	// Host is 127.0.0.1:PORT.
	Host string
	// Digest is the served root's digest; it does not depend on the port.
	Digest v1.Hash
	srv    *http.Server
	done   chan struct{}
}

// Serve starts serving the scanner in the OCI layout dir (see Root) on an
// ephemeral port of 127.0.0.1, until Close.
func Serve(dir string) (*Server, error) {
	root, err := Root(dir)
	if err != nil {
		return nil, err
	}
	h := &layoutHandler{dir: dir, manifests: map[string]manifest{}, blobs: map[string]bool{}}
	if err := h.walk(root); err != nil {
		return nil, fmt.Errorf("the SBOM scanner layout %s: %w", dir, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("serving the SBOM scanner: %w", err)
	}
	s := &Server{
		Ref:    ln.Addr().String() + "/" + Repository + "@" + root.Digest.String(),
		Host:   ln.Addr().String(),
		Digest: root.Digest,
		srv:    &http.Server{Handler: h},
		done:   make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the registry.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}

// Root is the descriptor of the scanner in the OCI layout dir: the one
// entry of its index.json, or, when it lists several, the one tagged Tag
// (what scripts/sbom-scanner-setup writes). An index is served whole:
// BuildKit picks its own platform's image from it.
func Root(dir string) (v1.Descriptor, error) {
	file := filepath.Join(dir, "index.json")
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return v1.Descriptor{}, fmt.Errorf("no SBOM scanner image at %s (no index.json: not an OCI layout): run scripts/sbom-scanner-setup, or give the directory of an OCI layout holding a scanner image", dir)
	}
	if err != nil {
		return v1.Descriptor{}, err
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(b))
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("%s: %w", file, err)
	}
	switch len(im.Manifests) {
	case 0:
		return v1.Descriptor{}, fmt.Errorf("%s lists no image: run scripts/sbom-scanner-setup, or give an OCI layout holding a scanner image", file)
	case 1:
		return im.Manifests[0], nil
	}
	for _, d := range im.Manifests {
		if d.Annotations[refName] == Tag {
			return d, nil
		}
	}
	return v1.Descriptor{}, fmt.Errorf("%s lists %d images and none is tagged %q (annotation %s): keep only the scanner in that layout, or tag it %q", file, len(im.Manifests), Tag, refName, Tag)
}

type manifest struct {
	mediaType types.MediaType
	body      []byte
}

// layoutHandler answers the registry API's reads (OCI distribution spec:
// /v2/, manifests and blobs by digest) for the blobs one root reaches, and
// nothing else.
type layoutHandler struct {
	dir       string
	manifests map[string]manifest // by digest
	blobs     map[string]bool     // digests of configs and layers
}

// walk records d and everything it refers to, checking each blob is in the
// layout.
func (h *layoutHandler) walk(d v1.Descriptor) error {
	b, err := os.ReadFile(h.blobPath(d.Digest.String()))
	if err != nil {
		return fmt.Errorf("manifest %s: %w (the layout is incomplete: run scripts/sbom-scanner-setup again)", d.Digest, err)
	}
	mt := d.MediaType
	if mt == "" {
		var probe struct {
			MediaType types.MediaType `json:"mediaType"`
		}
		_ = json.Unmarshal(b, &probe)
		mt = probe.MediaType
	}
	h.manifests[d.Digest.String()] = manifest{mediaType: mt, body: b}
	if mt.IsIndex() {
		im, err := v1.ParseIndexManifest(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("index %s: %w", d.Digest, err)
		}
		for _, c := range im.Manifests {
			if err := h.walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	m, err := v1.ParseManifest(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("manifest %s: %w", d.Digest, err)
	}
	for _, l := range append([]v1.Descriptor{m.Config}, m.Layers...) {
		if _, err := os.Stat(h.blobPath(l.Digest.String())); err != nil {
			return fmt.Errorf("blob %s of %s: %w (the layout is incomplete: run scripts/sbom-scanner-setup again)", l.Digest, d.Digest, err)
		}
		h.blobs[l.Digest.String()] = true
	}
	return nil
}

func (h *layoutHandler) blobPath(digest string) string {
	alg, hex, _ := strings.Cut(digest, ":")
	return filepath.Join(h.dir, "blobs", alg, hex)
}

func (h *layoutHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		registryError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "this registry is read-only")
		return
	}
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if r.URL.Path == "/v2/" || r.URL.Path == "/v2" {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v2/"+Repository+"/")
	if !ok {
		registryError(w, http.StatusNotFound, "NAME_UNKNOWN", "only "+Repository+" is served")
		return
	}
	kind, ref, _ := strings.Cut(rest, "/")
	switch kind {
	case "manifests":
		m, ok := h.manifests[ref]
		if !ok {
			registryError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "only the scanner's manifests are served, by digest")
			return
		}
		w.Header().Set("Content-Type", string(m.mediaType))
		w.Header().Set("Docker-Content-Digest", ref)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(m.body))
	case "blobs":
		body, isManifest := h.manifests[ref]
		if !h.blobs[ref] && !isManifest {
			registryError(w, http.StatusNotFound, "BLOB_UNKNOWN", "only the scanner's blobs are served")
			return
		}
		w.Header().Set("Docker-Content-Digest", ref)
		w.Header().Set("Content-Type", "application/octet-stream")
		if isManifest {
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body.body))
			return
		}
		f, err := os.Open(h.blobPath(ref))
		if err != nil {
			registryError(w, http.StatusNotFound, "BLOB_UNKNOWN", err.Error())
			return
		}
		defer f.Close()
		http.ServeContent(w, r, "", time.Time{}, f)
	default:
		registryError(w, http.StatusNotFound, "UNSUPPORTED", "not a registry read")
	}
}

func registryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}
