// Command releasetool writes the files of a rules_linuxkit release (see scripts/release):
//
//   - lkpkg-VERSION-OS-ARCH.tar.gz for each platform: a pure-Go, reproducible lkpkg;
//   - rules_linuxkit-VERSION.tar.gz: the module's tracked files under
//     rules_linuxkit-VERSION/, with MODULE.bazel's version and the generated
//     rules/private/versions.bzl (the layout .bcr/source.template.json names);
//   - versions.bzl, SHA256SUMS, and bcr/: a registry entry for the module, filled in
//     from .bcr/ as the Bazel Central Registry's tooling would (tests use it as a local
//     registry).
//
// Building twice gives identical bytes: -trimpath, -buildvcs=false, no build id, no cgo;
// archives with sorted entries, zero times and owners, and gzip headers without name or
// time.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Platforms a release builds lkpkg for, as GOOS/GOARCH.
var defaultPlatforms = []string{"darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64"}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	version := fs.String("version", "", "the release's version, e.g. 0.1.0 (no leading v)")
	out := fs.String("out", "", "directory to write the release files to (created)")
	repo := fs.String("repo", ".", "the rules_linuxkit checkout")
	platforms := fs.String("platforms", strings.Join(defaultPlatforms, ","), "GOOS/GOARCH list to build lkpkg for")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *version == "" || strings.HasPrefix(*version, "v") || strings.ContainsAny(*version, "/ \"'") {
		return fmt.Errorf("-version %q: give the version without a leading v, e.g. -version 0.1.0", *version)
	}
	if *out == "" {
		return fmt.Errorf("-out: name the directory to write the release to")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	root, err := filepath.Abs(*repo)
	if err != nil {
		return err
	}

	// lkpkg's revision label (tools/version): the rules_linuxkit commit
	// released, the same in the binaries and the sources.
	rev, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		return fmt.Errorf("git rev-parse HEAD in %s: %w", root, err)
	}
	stamp := versionStamp{version: *version, revision: strings.TrimSpace(string(rev))}

	releases, err := readVersions(filepath.Join(root, versionsPath))
	if err != nil {
		return err
	}
	archives := map[string]archive{}
	var sums []string
	for _, p := range strings.Split(*platforms, ",") {
		goos, goarch, ok := strings.Cut(strings.TrimSpace(p), "/")
		if !ok {
			return fmt.Errorf("-platforms: %q is not GOOS/GOARCH", p)
		}
		a, err := buildLkpkg(root, *out, stamp, goos, goarch)
		if err != nil {
			return err
		}
		archives[goos+"_"+goarch] = a
		sums = append(sums, a.SHA256+"  "+a.File)
		fmt.Printf("%s  %s\n", a.SHA256, a.File)
	}
	releases[*version] = archives
	versionsBzl := formatVersions(*version, releases)
	if err := os.WriteFile(filepath.Join(*out, "versions.bzl"), versionsBzl, 0o644); err != nil {
		return err
	}

	src, files, err := sourceArchive(root, *out, stamp, versionsBzl)
	if err != nil {
		return err
	}
	sums = append(sums, src.SHA256+"  "+src.File)
	fmt.Printf("%s  %s\n", src.SHA256, src.File)
	if err := os.WriteFile(filepath.Join(*out, "SHA256SUMS"), []byte(strings.Join(sums, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	return writeRegistryEntry(root, *out, *version, src, files)
}
