"""WORKSPACE macros for legacy (non-Bzlmod) users.

```starlark
load("@rules_linuxkit//rules:repositories.bzl", "rules_linuxkit_dependencies", "rules_linuxkit_register_toolchains")

rules_linuxkit_dependencies()

rules_linuxkit_register_toolchains()
```

rules_go and gazelle (and the Go modules of rules_linuxkit's go.mod, see its deps.bzl) must be
declared as in rules_linuxkit's own WORKSPACE.
"""

load("//rules/private:config_repo.bzl", "DEFAULT_LOCAL_BUILDKIT_DIR", "linuxkit_config_repo")

def rules_linuxkit_dependencies(buildkit_host = "", local_buildkit_dir = DEFAULT_LOCAL_BUILDKIT_DIR):
    """Declares the repositories rules_linuxkit needs: @rules_linuxkit_config.

    Args:
      buildkit_host: default BuildKit address (as the module extension's `buildkit.host`).
      local_buildkit_dir: directory of the local daemon (as `buildkit.local_dir`).
    """
    if not native.existing_rule("rules_linuxkit_config"):
        linuxkit_config_repo(
            name = "rules_linuxkit_config",
            buildkit_host = buildkit_host,
            local_buildkit_dir = local_buildkit_dir,
        )

# buildifier: disable=unnamed-macro
def rules_linuxkit_register_toolchains():
    """Registers the default lkpkg toolchain (lkpkg built from source with rules_go)."""
    native.register_toolchains("@rules_linuxkit//rules:lkpkg_toolchain")
