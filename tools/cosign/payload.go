package cosign

import (
	"encoding/json"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Payload is the simple-signing payload cosign signs for digest d.
func Payload(d name.Digest) []byte {
	b, _ := json.Marshal(simpleSigning{
		Critical: critical{
			Identity: identity{DockerReference: d.Context().Name()},
			Image:    image{DockerManifestDigest: d.DigestStr()},
			Type:     PayloadType,
		},
	})
	return b
}

type simpleSigning struct {
	Critical critical       `json:"critical"`
	Optional map[string]any `json:"optional"`
}

type critical struct {
	Identity identity `json:"identity"`
	Image    image    `json:"image"`
	Type     string   `json:"type"`
}

type identity struct {
	DockerReference string `json:"docker-reference"`
}

type image struct {
	DockerManifestDigest string `json:"docker-manifest-digest"`
}

// SignatureTag is where cosign keeps the signatures of d without the
// referrers API: sha256-<hex>.sig in d's repository.
func SignatureTag(d name.Digest) name.Tag {
	return d.Context().Tag(strings.Replace(d.DigestStr(), ":", "-", 1) + ".sig")
}
