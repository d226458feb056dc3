"""Module extension of rules_linuxkit: the BuildKit endpoint and defaults.

```starlark
linuxkit = use_extension("@rules_linuxkit//rules:extensions.bzl", "linuxkit")
linuxkit.buildkit(host = "tcp://buildkit.example:1234")
```

Only the root module's tag counts; with none, actions use the local daemon in
`/var/cache/rules_linuxkit/share/buildkit` (start it with
`RULES_LINUXKIT_BUILDKIT_DIR=/var/cache/rules_linuxkit/share/buildkit lkpkg builder start`).
"""

load("//rules/private:config_repo.bzl", "DEFAULT_LOCAL_BUILDKIT_DIR", "linuxkit_config_repo")

_buildkit = tag_class(
    doc = "Where Bazel actions find BuildKit by default.",
    attrs = {
        "host": attr.string(doc = "BuildKit address, unix:///path or tcp://host:port. Overridden by --@rules_linuxkit//rules:buildkit_host and --action_env=BUILDKIT_HOST."),
        "local_dir": attr.string(doc = "Directory of the local daemon, used when no address is configured anywhere.", default = DEFAULT_LOCAL_BUILDKIT_DIR),
    },
)

def _linuxkit_impl(mctx):
    host = ""
    local_dir = DEFAULT_LOCAL_BUILDKIT_DIR
    for mod in mctx.modules:
        if mod.tags.buildkit:
            t = mod.tags.buildkit[-1]
            host, local_dir = t.host, t.local_dir
            break  # the root module comes first, then its dependencies
    linuxkit_config_repo(name = "rules_linuxkit_config", buildkit_host = host, local_buildkit_dir = local_dir)

linuxkit = module_extension(
    implementation = _linuxkit_impl,
    tag_classes = {"buildkit": _buildkit},
    doc = "Creates @rules_linuxkit_config with the BuildKit endpoint defaults.",
)
