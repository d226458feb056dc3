"""Module extension of rules_linuxkit.

The BuildKit daemon is not configured here: its address would then be part of every
image action's key, and machines using different daemons would share no cache entries.
Each machine that runs image actions names its daemon itself (see docs/rules.md,
"BuildKit: where actions find it"): `$BUILDKIT_HOST` in its environment,
`~/.config/rules_linuxkit/buildkit.json` or `/etc/rules_linuxkit/buildkit.json`, else the
local daemon in `~/.cache/rules_linuxkit/buildkit` (`bazel run @rules_linuxkit//:buildkitd`).
"""

_buildkit = tag_class(
    doc = "Removed: name the daemon on the machines that run the actions (see above).",
    attrs = {
        "host": attr.string(),
        "local_dir": attr.string(),
    },
)

def _linuxkit_impl(mctx):
    for mod in mctx.modules:
        if mod.tags.buildkit:
            fail(("module %s: linuxkit.buildkit(...) is no longer supported: a BuildKit address in the " +
                  "build configuration enters every image action's key. Remove it and put " +
                  "{\"address\": \"<host>\"} in /etc/rules_linuxkit/buildkit.json (or " +
                  "~/.config/rules_linuxkit/buildkit.json, or $BUILDKIT_HOST) on the machines " +
                  "that run the actions.") % mod.name)

linuxkit = module_extension(
    implementation = _linuxkit_impl,
    tag_classes = {"buildkit": _buildkit},
    doc = "rules_linuxkit's module extension (reserved for toolchain options).",
)
