"""The lkpkg toolchain."""

load(":providers.bzl", "LkpkgInfo")

TOOLCHAIN_TYPE = Label("//rules:toolchain_type")

def _lkpkg_toolchain_impl(ctx):
    default = ctx.attr.lkpkg[DefaultInfo]

    # A prebuilt lkpkg is a source file, which has no files_to_run executable: run the file.
    tool = default.files_to_run
    if tool == None or tool.executable == None:
        tool = ctx.executable.lkpkg
    info = LkpkgInfo(
        lkpkg = tool,
        executable = ctx.executable.lkpkg,
        runfiles = default.default_runfiles,
    )
    return [platform_common.ToolchainInfo(lkpkg = info)]

lkpkg_toolchain = rule(
    implementation = _lkpkg_toolchain_impl,
    doc = """Declares an lkpkg binary as a toolchain of type `@rules_linuxkit//rules:toolchain_type`.

Modules that depend on rules_linuxkit get a prebuilt lkpkg per execution platform from the
module extension (`linuxkit.toolchain`); `@rules_linuxkit//rules:lkpkg_toolchain` builds
`//tools/cmd/lkpkg` from the Go sources with rules_go instead (this repository's own
workspace and its examples register it). To use a binary of your own:

```starlark
lkpkg_toolchain(name = "prebuilt_lkpkg", lkpkg = "//third_party:lkpkg")
toolchain(
    name = "prebuilt_lkpkg_toolchain",
    toolchain = ":prebuilt_lkpkg",
    toolchain_type = "@rules_linuxkit//rules:toolchain_type",
)
```

and `register_toolchains("//:prebuilt_lkpkg_toolchain")` in MODULE.bazel (registered before
the default one, so it wins).""",
    attrs = {
        "lkpkg": attr.label(
            doc = "The lkpkg executable: a binary rule, or an executable file (a prebuilt lkpkg).",
            allow_files = True,
            executable = True,
            cfg = "exec",
            mandatory = True,
        ),
    },
)

def lkpkg_tool(ctx):
    """Returns the LkpkgInfo of the resolved toolchain.

    Args:
      ctx: a rule context whose rule declares the toolchain type.

    Returns:
      LkpkgInfo.
    """
    return ctx.toolchains[TOOLCHAIN_TYPE].lkpkg
