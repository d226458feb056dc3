package build

import (
	"context"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// dockerHubHost is the host BuildKit asks credentials for when it pulls
// from Docker Hub; keychains know Docker Hub as index.docker.io.
const dockerHubHost = "registry-1.docker.io"

// sessionAuth answers BuildKit's requests for registry credentials (the
// pulls of FROM images) from a keychain, one host at a time: BuildKit asks
// for a host and gets that host's credentials only. It has no client-side
// token authority (as BUILDKIT_NO_CLIENT_TOKEN=1 in docker's provider):
// the daemon fetches tokens itself, and nothing is written on this machine.
type sessionAuth struct {
	auth.UnimplementedAuthServer
	kc authn.Keychain
}

// authAttachable is what a solve's session carries so that BuildKit's
// pulls get kc's credentials.
func authAttachable(kc authn.Keychain) session.Attachable { return &sessionAuth{kc: kc} }

func (s *sessionAuth) Register(srv *grpc.Server) { auth.RegisterAuthServer(srv, s) }

func (s *sessionAuth) Credentials(_ context.Context, req *auth.CredentialsRequest) (*auth.CredentialsResponse, error) {
	host := req.Host
	if host == dockerHubHost {
		host = name.DefaultRegistry
	}
	reg, err := name.NewRegistry(host)
	if err != nil {
		return &auth.CredentialsResponse{}, nil
	}
	a, err := s.kc.Resolve(reg)
	if err != nil || a == nil {
		return &auth.CredentialsResponse{}, nil
	}
	c, err := a.Authorization()
	if err != nil || c == nil {
		return &auth.CredentialsResponse{}, nil
	}
	if c.IdentityToken != "" {
		return &auth.CredentialsResponse{Secret: c.IdentityToken}, nil
	}
	return &auth.CredentialsResponse{Username: c.Username, Secret: c.Password}, nil
}

func (s *sessionAuth) GetTokenAuthority(context.Context, *auth.GetTokenAuthorityRequest) (*auth.GetTokenAuthorityResponse, error) {
	return nil, status.Error(codes.Unavailable, "lkpkg has no client-side token authority")
}

func (s *sessionAuth) VerifyTokenAuthority(context.Context, *auth.VerifyTokenAuthorityRequest) (*auth.VerifyTokenAuthorityResponse, error) {
	return nil, status.Error(codes.Unavailable, "lkpkg has no client-side token authority")
}
