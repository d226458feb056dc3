"""WORKSPACE macros for legacy (non-Bzlmod) users.

They give a WORKSPACE the same prebuilt lkpkg that Bzlmod users get: one archive per
execution platform, downloaded by URL and sha256 (rules/private/versions.bzl), so a
WORKSPACE needs neither rules_go nor gazelle nor a Go SDK to build images:

```starlark
load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")

http_archive(
    name = "rules_linuxkit",
    sha256 = "<the sha256 of rules_linuxkit-VERSION.tar.gz, from the release's SHA256SUMS>",
    strip_prefix = "rules_linuxkit-VERSION",
    url = "https://github.com/rules-linuxkit/rules_linuxkit/releases/download/vVERSION/rules_linuxkit-VERSION.tar.gz",
)

load("@rules_linuxkit//rules:repositories.bzl", "rules_linuxkit_dependencies", "rules_linuxkit_register_toolchains")

rules_linuxkit_dependencies()

rules_linuxkit_register_toolchains()
```

`rules_linuxkit_register_toolchains(version = ..., urls = [...])` picks another release or
mirror, as `linuxkit.toolchain(...)` does under Bzlmod. To build lkpkg from source
instead (developers of rules_linuxkit, as in its own WORKSPACE), declare rules_go, gazelle
and the Go modules of rules_linuxkit's go.mod (its deps.bzl) and register
`@rules_linuxkit//rules:lkpkg_toolchain` before calling the macro.
"""

load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")
load("@bazel_tools//tools/build_defs/repo:utils.bzl", "maybe")
load("//rules/private:prebuilt.bzl", "declare_prebuilt")
load("//rules/private:scanner.bzl", "linuxkit_sbom_scanner_repository")

def rules_linuxkit_dependencies(**kwargs):
    """Declares the repositories rules_linuxkit's rules use: bazel_skylib, platforms, the SBOM scanner.

    `lkpkg_sbom_scanner` is the default SBOM scanner of the image actions
    (`@rules_linuxkit//rules:sbom_scanner_layout`): the OCI layout at
    `$RULES_LINUXKIT_CACHE/sbom-scanner/layout` on the machine running Bazel, if any, as
    under Bzlmod.

    Each is declared only if the WORKSPACE has not declared it already (declare yours
    first to pick another version). The BuildKit address is not configured in the
    workspace (it would enter every image action's key); see docs/rules.md for where each
    machine names its daemon.

    Args:
      **kwargs: none are accepted; `buildkit_host` and `local_buildkit_dir` were removed.
    """
    if kwargs:
        fail("rules_linuxkit_dependencies(%s): these arguments were removed; name the BuildKit daemon in /etc/rules_linuxkit/buildkit.json or $BUILDKIT_HOST on the machines that run the actions (docs/rules.md)" % ", ".join(sorted(kwargs.keys())))

    # The versions MODULE.bazel names.
    maybe(
        http_archive,
        name = "bazel_skylib",
        sha256 = "bc283cdfcd526a52c3201279cda4bc298652efa898b10b4db0837dc51652756f",
        urls = [
            "https://mirror.bazel.build/github.com/bazelbuild/bazel-skylib/releases/download/1.7.1/bazel-skylib-1.7.1.tar.gz",
            "https://github.com/bazelbuild/bazel-skylib/releases/download/1.7.1/bazel-skylib-1.7.1.tar.gz",
        ],
    )
    maybe(
        http_archive,
        name = "platforms",
        sha256 = "218efe8ee736d26a3572663b374a253c012b716d8af0c07e842e82f238a0a7ee",
        urls = [
            "https://mirror.bazel.build/github.com/bazelbuild/platforms/releases/download/0.0.10/platforms-0.0.10.tar.gz",
            "https://github.com/bazelbuild/platforms/releases/download/0.0.10/platforms-0.0.10.tar.gz",
        ],
    )
    maybe(linuxkit_sbom_scanner_repository, name = "lkpkg_sbom_scanner")

def rules_linuxkit_toolchains(version = "", urls = []):
    """Declares the prebuilt lkpkg repositories: one per platform and the hub `lkpkg_toolchains`.

    Nothing is downloaded until a build needs the lkpkg of its execution platform.

    Args:
      version: a release named in rules/private/versions.bzl; default: this
        rules_linuxkit's own.
      urls: URL templates of the archives, `{version}` and `{file}` filled in; default:
        the GitHub release.
    """
    declare_prebuilt(version, urls)

# buildifier: disable=unnamed-macro
def rules_linuxkit_register_toolchains(version = "", urls = []):
    """Declares the prebuilt lkpkg toolchains (see rules_linuxkit_toolchains) and registers them.

    Args:
      version: as for rules_linuxkit_toolchains.
      urls: as for rules_linuxkit_toolchains.
    """
    rules_linuxkit_toolchains(version = version, urls = urls)
    native.register_toolchains("@lkpkg_toolchains//:all")
