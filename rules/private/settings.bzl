"""Build settings."""

load(":providers.bzl", "BuildkitHostInfo")

def _buildkit_host_impl(ctx):
    return [BuildkitHostInfo(host = ctx.build_setting_value)]

buildkit_host_setting = rule(
    implementation = _buildkit_host_impl,
    build_setting = config.string(flag = True),
    doc = "A string flag holding a BuildKit address.",
)
