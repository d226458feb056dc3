"""Public API of rules_linuxkit: the one file users load.

```starlark
load("@rules_linuxkit//rules:defs.bzl", "linuxkit_pkg")
```
"""

load("//rules/private:pkg.bzl", _BUILDKIT_EXECUTION_REQUIREMENTS = "BUILDKIT_EXECUTION_REQUIREMENTS", _linuxkit_pkg = "linuxkit_pkg")
load(
    "//rules/private:providers.bzl",
    _LinuxkitPkgInfo = "LinuxkitPkgInfo",
    _LinuxkitSourceInfo = "LinuxkitSourceInfo",
    _LkpkgInfo = "LkpkgInfo",
)
load("//rules/private:scanner.bzl", _linuxkit_sbom_scanner_layout = "linuxkit_sbom_scanner_layout")
load("//rules/private:toolchain.bzl", _lkpkg_toolchain = "lkpkg_toolchain")

linuxkit_pkg = _linuxkit_pkg
linuxkit_sbom_scanner_layout = _linuxkit_sbom_scanner_layout
lkpkg_toolchain = _lkpkg_toolchain
LinuxkitPkgInfo = _LinuxkitPkgInfo
LinuxkitSourceInfo = _LinuxkitSourceInfo
LkpkgInfo = _LkpkgInfo
BUILDKIT_EXECUTION_REQUIREMENTS = _BUILDKIT_EXECUTION_REQUIREMENTS
