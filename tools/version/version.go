// Package version is lkpkg's own version and revision, which it stamps
// into every image it builds as the labels org.mobyproject.linuxkit.version
// and org.mobyproject.linuxkit.revision, as linuxkit stamps its own
// (linuxkit's version.Version and version.GitCommit, in Pkg.Build).
//
// Both are set once, by scripts/release: in the released sources (so lkpkg
// built from a release by go build or by Bazel has them) and with -X in the
// prebuilt binaries, the same values. A checkout between releases has the
// values below. They never come from the repository whose packages are
// built, so the same package gives the same image from the CLI and from
// Bazel, whatever that repository's HEAD is.
package version

// Version and Revision are lkpkg's; scripts/release (releasetool's
// setVersionFile) rewrites these two lines.
var (
	// Version is the release, e.g. 0.1.0 (MODULE.bazel's version).
	Version = "0.0.0"
	// Revision is the rules_linuxkit commit the release was made from.
	Revision = "unreleased"
)
