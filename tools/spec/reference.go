package spec

import (
	"fmt"
	"regexp"
	"strings"
)

// The grammar below is the Docker/OCI distribution reference grammar,
// written out here so that messages can say exactly which rule failed.
var (
	pathComponentRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	domainNameRE    = regexp.MustCompile(`^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*$`)
	ipv6RE          = regexp.MustCompile(`^\[[a-fA-F0-9:]+\]$`)
	portRE          = regexp.MustCompile(`^[0-9]+$`)
	tagRE           = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
)

// maxNameLen is the longest repository name registries accept.
const maxNameLen = 255

// digestHexLen lists the digest algorithms registries accept, with the hex
// length of each; the same set linuxkit accepts via go-digest.
var digestHexLen = map[string]int{"sha256": 64, "sha384": 96, "sha512": 128}

// isDomain reports whether the first component of a repository path names a
// registry host rather than a path element. Docker also treats an uppercase
// component as a host; we do not, because "Wombat/foo" is far more likely a
// case mistake than a registry, and saying "use lowercase" is the better fix.
func isDomain(s string) bool {
	return strings.ContainsAny(s, ".:") || s == "localhost"
}

// checkDomain validates a registry host with optional port.
func checkDomain(d string) (problem, fix string) {
	host, port := d, ""
	if i := strings.LastIndex(d, ":"); i >= 0 && !strings.HasSuffix(d, "]") {
		host, port = d[:i], d[i+1:]
		if !portRE.MatchString(port) {
			return fmt.Sprintf("registry %q has an invalid port %q", d, port), "write the port as digits, e.g. localhost:5000"
		}
	}
	if ipv6RE.MatchString(host) || domainNameRE.MatchString(host) {
		return "", ""
	}
	return fmt.Sprintf("registry host %q is not a valid host name", host), "use a host name such as ghcr.io or 127.0.0.1:5000"
}

// checkComponent validates one path component of a repository name.
func checkComponent(c, what string) (problem, fix string) {
	switch {
	case c == "":
		return fmt.Sprintf("%s has an empty path component", what), "remove the doubled, leading or trailing '/'"
	case pathComponentRE.MatchString(c):
		return "", ""
	case pathComponentRE.MatchString(strings.ToLower(c)):
		return fmt.Sprintf("%q must be lowercase in a Docker repository name", c), fmt.Sprintf("use %q", strings.ToLower(c))
	default:
		return fmt.Sprintf("%q is not a valid Docker repository path component", c),
			"use lowercase letters and digits, separated by single '.', '_', '__' or runs of '-' (no leading or trailing separator)"
	}
}

// checkRepoPath validates s as repository path components (no registry).
func checkRepoPath(s, what string) (problem, fix string) {
	for _, c := range strings.Split(s, "/") {
		if p, f := checkComponent(c, what); p != "" {
			return p, f
		}
	}
	return "", ""
}

// checkOrg validates an organisation, which may carry a registry prefix
// (127.0.0.1:5000/wombat) or be just a registry host (ghcr.io).
func checkOrg(org string) (problem, fix string) {
	parts := strings.SplitN(org, "/", 2)
	if isDomain(parts[0]) {
		if p, f := checkDomain(parts[0]); p != "" {
			return p, f
		}
		if len(parts) == 1 {
			return "", ""
		}
		return checkRepoPath(parts[1], "org")
	}
	return checkRepoPath(org, "org")
}

// checkTag validates a rendered image tag.
func checkTag(t string) (problem, fix string) {
	if t == "" {
		return "the tag template renders an empty tag", "include {{.Hash}} in the template"
	}
	if tagRE.MatchString(t) {
		return "", ""
	}
	if len(t) > 128 {
		return fmt.Sprintf("the tag template renders a %d-character tag; Docker tags are at most 128", len(t)), "shorten the template"
	}
	return fmt.Sprintf("the tag template renders %q, which is not a valid Docker tag", t),
		"tags may contain only letters, digits, '_', '.' and '-', and must not start with '.' or '-'"
}

// checkDigest validates algorithm:hex the way registries do.
func checkDigest(d string) (problem, fix string) {
	alg, hex, ok := strings.Cut(d, ":")
	if !ok {
		return fmt.Sprintf("digest %q has no algorithm", d), "write it as sha256:<64 hex digits>"
	}
	want, known := digestHexLen[alg]
	if !known {
		return fmt.Sprintf("digest algorithm %q is not supported", alg), "use sha256, sha384 or sha512"
	}
	if len(hex) != want {
		return fmt.Sprintf("%s digest has %d hex digits, want %d", alg, len(hex), want), "copy the full digest, e.g. from `docker buildx imagetools inspect`"
	}
	for _, r := range hex {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return fmt.Sprintf("%s digest contains %q; digests are lowercase hex", alg, r), "copy the digest exactly, in lowercase"
		}
	}
	return "", ""
}

// checkPinnedRef validates an image reference that must carry a digest, as
// linuxkit requires for depends.docker-images so that builds are
// reproducible: [registry/]path[:tag]@algorithm:hex.
func checkPinnedRef(ref string) (problem, fix string) {
	if strings.TrimSpace(ref) == "" {
		return "image reference is empty", "remove the entry or give an image such as alpine:3.20@sha256:<digest>"
	}
	if strings.TrimSpace(ref) != ref {
		return fmt.Sprintf("image %q has leading or trailing whitespace", ref), "remove the spaces"
	}
	if strings.Contains(ref, "://") {
		return fmt.Sprintf("%q is a URL, not an image reference", ref), "drop the scheme, e.g. docker.io/library/alpine:3.20@sha256:<digest>"
	}
	name, digest, hasDigest := strings.Cut(ref, "@")
	if !hasDigest {
		return fmt.Sprintf("image %q lacks a digest", ref), "pin it as " + ref + "@sha256:<digest> so the build is reproducible"
	}
	if p, f := checkDigest(digest); p != "" {
		return fmt.Sprintf("image %q: %s", ref, p), f
	}
	// A tag is allowed alongside the digest; it is after the last ':' that
	// is not part of a registry port (i.e. no '/' follows it).
	if i := strings.LastIndex(name, ":"); i >= 0 && !strings.Contains(name[i+1:], "/") {
		if tag := name[i+1:]; !tagRE.MatchString(tag) {
			return fmt.Sprintf("image %q has an invalid tag %q", ref, tag), "tags may contain only letters, digits, '_', '.' and '-'"
		}
		name = name[:i]
	}
	if len(name) > maxNameLen {
		return fmt.Sprintf("image name is %d characters; the limit is %d", len(name), maxNameLen), "use a shorter repository name"
	}
	parts := strings.SplitN(name, "/", 2)
	if len(parts) == 2 && isDomain(parts[0]) {
		if p, f := checkDomain(parts[0]); p != "" {
			return fmt.Sprintf("image %q: %s", ref, p), f
		}
		name = parts[1]
	}
	if p, f := checkRepoPath(name, "image"); p != "" {
		return fmt.Sprintf("image %q: %s", ref, p), f
	}
	return "", ""
}
