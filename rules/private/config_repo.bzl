"""The repository holding rules_linuxkit's configured defaults."""

def _config_repo_impl(rctx):
    rctx.file("BUILD.bazel", 'exports_files(["defaults.bzl"])\n')
    rctx.file("defaults.bzl", """\"\"\"Defaults of rules_linuxkit, from the linuxkit module extension (or rules_linuxkit_dependencies).\"\"\"

# BuildKit address used when neither --@rules_linuxkit//rules:buildkit_host nor
# --action_env=BUILDKIT_HOST is given; empty: the local daemon in LOCAL_BUILDKIT_DIR.
BUILDKIT_HOST = {host}

# Directory of the local (embedded) daemon that `lkpkg builder start` runs when
# RULES_LINUXKIT_BUILDKIT_DIR names it; actions connect to its buildkitd.sock.
LOCAL_BUILDKIT_DIR = {local_dir}
""".format(host = repr(rctx.attr.buildkit_host), local_dir = repr(rctx.attr.local_buildkit_dir)))

DEFAULT_LOCAL_BUILDKIT_DIR = "/var/cache/rules_linuxkit/share/buildkit"

linuxkit_config_repo = repository_rule(
    implementation = _config_repo_impl,
    attrs = {
        "buildkit_host": attr.string(default = ""),
        "local_buildkit_dir": attr.string(default = DEFAULT_LOCAL_BUILDKIT_DIR),
    },
    doc = "Writes defaults.bzl with the BuildKit endpoint defaults.",
)
