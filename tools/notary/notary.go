// Package notary signs pushed tags with Docker Content Trust (Notary v1):
// each tag becomes a TUF target named by the tag, with the sha256 and size
// of the manifest bytes, in the trust collection of the repository (GUN =
// registry/org/image) on a notary server. That is what `docker trust
// inspect` and `DOCKER_CONTENT_TRUST=1 docker pull` check.
//
// Keys live where Docker keeps them (~/.docker/trust: private/<id>.key,
// tuf/<gun>/metadata/). The first push of a repository initialises its
// collection: a root key (reused if the trust dir has one) and a targets
// key, with the snapshot and timestamp keys managed by the server, as
// `docker push` with content trust does. Targets go straight into the
// `targets` role (not the targets/releases delegation `docker trust sign`
// uses: notary-server v0.7.0 built with Go >= 1.17 rejects delegation
// metadata, see NOTARY.md); Docker's pull reads both.
package notary

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/theupdateframework/notary/client"
	"github.com/theupdateframework/notary/client/changelist"
	"github.com/theupdateframework/notary/cryptoservice"
	store "github.com/theupdateframework/notary/storage"
	"github.com/theupdateframework/notary/trustmanager"
	"github.com/theupdateframework/notary/trustpinning"
	"github.com/theupdateframework/notary/tuf/data"

	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
	"github.com/rules-linuxkit/rules_linuxkit/tools/sign"
)

// DefaultServer is Docker's notary server.
const DefaultServer = "https://notary.docker.io"

// Config configures a Signer.
type Config struct {
	// Server is the notary server URL (default DefaultServerFor the
	// repository's registry, as docker does).
	Server string
	// TrustDir holds keys and trust metadata (default DefaultTrustDir()).
	TrustDir string
	// RootCAs verify the server's certificate (nil: the system's).
	RootCAs *x509.CertPool
	// Passphrases unlock the keys.
	Passphrases *Passphrases
	// Registry is the registry signed for: its keychain gives the
	// credentials for the notary server (under its host's name, as after
	// docker login) and the registry's own, and its plain-HTTP rule
	// (loopback, --insecure-registry) holds for the notary server and its
	// token service too; see transport for where credentials may go.
	Registry registry.Registry
	// TokenHosts are token services (host or host:port) the notary server
	// may name that get the registry's credentials although they are
	// neither on the registry's host nor its own token service
	// (--trust-token-service).
	TokenHosts []string
	// Transport is the base transport to the notary server and its token
	// service (default: http.DefaultTransport's settings with RootCAs).
	Transport http.RoundTripper
}

// DefaultTrustDir is Docker's: $DOCKER_CONFIG/trust, else ~/.docker/trust.
func DefaultTrustDir() string {
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		return filepath.Join(d, "trust")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".docker/trust"
	}
	return filepath.Join(home, ".docker", "trust")
}

// Signer is a sign.Signer and sign.Verifier backed by a notary server.
type Signer struct {
	cfg Config

	mu       sync.Mutex
	repoName name.Repository
	repo     client.Repository
	cl       changelist.Changelist
	fresh    bool // initialised locally, not yet published
}

var (
	_ sign.Signer        = (*Signer)(nil)
	_ sign.FreshVerifier = (*Signer)(nil)
)

// New returns a Signer.
func New(cfg Config) *Signer {
	cfg.Server = strings.TrimSuffix(cfg.Server, "/")
	if cfg.TrustDir == "" {
		cfg.TrustDir = DefaultTrustDir()
	}
	if cfg.Passphrases == nil {
		cfg.Passphrases = &Passphrases{}
	}
	return &Signer{cfg: cfg}
}

// Name implements sign.Signer.
func (s *Signer) Name() string { return "notary" }

// GUN returns the trust collection name of repo: the fully qualified
// repository, with Docker Hub spelt docker.io as Docker does.
func GUN(repo name.Repository) data.GUN {
	reg := repo.RegistryStr()
	if reg == name.DefaultRegistry {
		reg = "docker.io"
	}
	return data.GUN(reg + "/" + repo.RepositoryStr())
}

// open makes a notary client for repo in trustDir with an in-memory
// changelist (so concurrent pushes never share pending changes).
// A *withheldError says the registry's credentials were not sent to the
// server's token service (reads go on anonymously; pushes stop).
func (s *Signer) open(ctx context.Context, repo name.Repository, trustDir string, push bool) (client.Repository, changelist.Changelist, *withheldError, error) {
	gun := GUN(repo)
	server := s.server(repo)
	cache, err := store.NewFileStore(filepath.Join(trustDir, "tuf", filepath.FromSlash(gun.String()), "metadata"), "json")
	if err != nil {
		return nil, nil, nil, err
	}
	ks, err := trustmanager.NewKeyFileStore(trustDir, s.cfg.Passphrases.Retriever())
	if err != nil {
		return nil, nil, nil, fmt.Errorf("trust dir %s: %w", trustDir, err)
	}
	rt, withheld, err := s.transport(ctx, repo, push)
	if err != nil {
		return nil, nil, withheld, err
	}
	if push && withheld != nil {
		return nil, nil, withheld, withheld
	}
	remote, err := store.NewHTTPStore(server+"/v2/"+gun.String()+"/_trust/tuf/", "", "json", "key", rt)
	if err != nil {
		return nil, nil, withheld, fmt.Errorf("notary server %s: %w", server, err)
	}
	cl := changelist.NewMemChangelist()
	r, err := client.NewRepository(gun, server, remote, cache, trustpinning.TrustPinConfig{}, cryptoservice.NewCryptoService(ks), cl)
	return r, cl, withheld, err
}

// lock serialises lkpkg processes that use the same trust dir and GUN.
func (s *Signer) lock(repo name.Repository) (func(), error) {
	dir := filepath.Join(s.cfg.TrustDir, "tuf", filepath.FromSlash(GUN(repo).String()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lkpkg.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// Prepare implements sign.Signer: it reads the collection from the server
// and unlocks the keys that signing needs (initialising the collection
// locally if the server has none), so a missing key or a wrong passphrase
// fails before anything is pushed.
func (s *Signer) Prepare(ctx context.Context, repo name.Repository) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.Passphrases.use(ctx)
	unlock, err := s.lock(repo)
	if err != nil {
		return err
	}
	defer unlock()
	r, cl, _, err := s.open(ctx, repo, s.cfg.TrustDir, true)
	if err != nil {
		return err
	}
	s.repoName, s.repo, s.cl, s.fresh = repo, r, cl, false
	gun := GUN(repo)
	cs := r.GetCryptoService()

	_, err = r.ListTargets()
	var notExist client.ErrRepositoryNotExist
	switch {
	case err == nil:
		roles, err := r.ListRoles()
		if err != nil {
			return s.serverErr(repo, err)
		}
		var ids []string
		for _, role := range roles {
			if role.Name == data.CanonicalTargetsRole {
				ids = role.KeyIDs
			}
		}
		for _, id := range ids {
			if _, _, err := cs.GetPrivateKey(id); err == nil {
				return nil
			} else if _, ok := err.(trustmanager.ErrKeyNotFound); !ok {
				return fmt.Errorf("unlocking the targets key of %s: %w", gun, s.cfg.Passphrases.explain(err))
			}
		}
		return fmt.Errorf("the trust dir %s holds none of the targets keys of %s (%s): load the key that signs this repository (docker trust key load / notary key import), or push with --disable-content-trust", s.cfg.TrustDir, gun, strings.Join(shortIDs(ids), ", "))
	case errors.As(err, &notExist), isNotInitialized(err):
		// New collection: reuse a root key if there is one, as docker does.
		var rootID string
		if ids := cs.ListKeys(data.CanonicalRootRole); len(ids) > 0 {
			rootID = ids[0]
			if _, _, err := cs.GetPrivateKey(rootID); err != nil {
				return fmt.Errorf("unlocking the root key %s to initialise %s: %w", shortID(rootID), gun, s.cfg.Passphrases.explain(err))
			}
		} else {
			if _, _, err := s.cfg.Passphrases.lookup("root"); err != nil {
				return fmt.Errorf("initialising %s needs a new root key: %w", gun, err)
			}
			k, err := cs.Create(data.CanonicalRootRole, "", data.ECDSAKey)
			if err != nil {
				return fmt.Errorf("creating a root key for %s: %w", gun, s.cfg.Passphrases.explain(err))
			}
			rootID = k.ID()
		}
		if _, _, err := s.cfg.Passphrases.lookup("targets"); err != nil {
			return fmt.Errorf("initialising %s needs a new targets key: %w", gun, err)
		}
		if err := r.Initialize([]string{rootID}, data.CanonicalSnapshotRole); err != nil {
			return fmt.Errorf("initialising the trust collection %s: %w", gun, s.serverErr(repo, s.cfg.Passphrases.explain(err)))
		}
		s.fresh = true
		return nil
	default:
		return s.serverErr(repo, err)
	}
}

func isNotInitialized(err error) bool {
	var e client.ErrRepoNotInitialized
	return errors.As(err, &e)
}

func shortIDs(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = shortID(id)
	}
	return out
}

func (s *Signer) serverErr(repo name.Repository, err error) error {
	gun, server := GUN(repo), s.server(repo)
	var off store.ErrOffline
	var unavailable store.ErrServerUnavailable
	var netErr store.NetworkError
	switch {
	case errors.As(err, &off), errors.As(err, &netErr), errors.As(err, &unavailable):
		return fmt.Errorf("notary server %s (trust collection %s): %w; check --trust-server, or push with --disable-content-trust", server, gun, err)
	}
	return fmt.Errorf("trust collection %s on %s: %w", gun, server, err)
}

// Sign implements sign.Signer: it adds each target to the targets role
// (skipping those already signed with the same digest and size) and
// publishes, retrying when a concurrent publish got there first.
func (s *Signer) Sign(ctx context.Context, targets []sign.Target) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.Passphrases.use(ctx)
	if s.repo == nil {
		return errors.New("notary: Sign before Prepare")
	}
	unlock, err := s.lock(s.repoName)
	if err != nil {
		return err
	}
	defer unlock()
	gun := GUN(s.repoName)
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*100) * time.Millisecond)
		}
		if err := s.cl.Clear(""); err != nil {
			return err
		}
		added := 0
		for _, t := range targets {
			if t.Tag.Context().String() != s.repoName.String() {
				return fmt.Errorf("notary: %s is not in %s", t.Tag, s.repoName)
			}
			if !s.fresh {
				if cur, err := s.repo.GetTargetByName(t.Tag.TagStr(), data.CanonicalTargetsRole); err == nil && sameTarget(cur.Target, t.Descriptor) {
					continue
				}
			}
			raw, err := hex.DecodeString(t.Descriptor.Digest.Hex)
			if err != nil || t.Descriptor.Digest.Algorithm != "sha256" {
				return fmt.Errorf("notary: %s: digest %s is not sha256", t.Tag, t.Descriptor.Digest)
			}
			nt := &client.Target{Name: t.Tag.TagStr(), Hashes: data.Hashes{"sha256": raw}, Length: t.Descriptor.Size}
			if err := s.repo.AddTarget(nt, data.CanonicalTargetsRole); err != nil {
				return err
			}
			added++
		}
		if added == 0 && !s.fresh {
			return nil
		}
		err := s.repo.Publish()
		if err == nil {
			s.fresh = false
			return nil
		}
		err = s.cfg.Passphrases.explain(err)
		if isPassphraseErr(err) {
			return fmt.Errorf("publishing to %s: %w", gun, err)
		}
		lastErr = s.serverErr(s.repoName, err)
	}
	return fmt.Errorf("publishing to %s failed 5 times: %w", gun, lastErr)
}

func isPassphraseErr(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "passphrase") || strings.Contains(msg, "password")
}

func sameTarget(t client.Target, d v1.Descriptor) bool {
	return hex.EncodeToString(t.Hashes["sha256"]) == d.Digest.Hex && t.Length == d.Size
}
