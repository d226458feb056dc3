"""WORKSPACE macros for legacy (non-Bzlmod) users.

```starlark
load("@rules_linuxkit//rules:repositories.bzl", "rules_linuxkit_dependencies", "rules_linuxkit_register_toolchains")

rules_linuxkit_dependencies()

rules_linuxkit_register_toolchains()
```

rules_go and gazelle (and the Go modules of rules_linuxkit's go.mod, see its deps.bzl) must be
declared as in rules_linuxkit's own WORKSPACE.
"""

def rules_linuxkit_dependencies(**kwargs):
    """Declares the repositories rules_linuxkit needs beyond rules_go's and gazelle's: none today.

    The BuildKit address is not configured in the workspace (it would enter every image
    action's key); see docs/rules.md for where each machine names its daemon.

    Args:
      **kwargs: none are accepted; `buildkit_host` and `local_buildkit_dir` were removed.
    """
    if kwargs:
        fail("rules_linuxkit_dependencies(%s): these arguments were removed; name the BuildKit daemon in /etc/rules_linuxkit/buildkit.json or $BUILDKIT_HOST on the machines that run the actions (docs/rules.md)" % ", ".join(sorted(kwargs.keys())))

# buildifier: disable=unnamed-macro
def rules_linuxkit_register_toolchains():
    """Registers the default lkpkg toolchain (lkpkg built from source with rules_go)."""
    native.register_toolchains("@rules_linuxkit//rules:lkpkg_toolchain")
