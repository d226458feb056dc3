"""Providers of rules_linuxkit."""

LinuxkitSourceInfo = provider(
    doc = """A LinuxKit package's declared sources and its tag (from `<name>.tag`).

The tag is computed by an action from exactly these files, never from git.""",
    fields = {
        "build_yml": "File: the package's build.yml; its directory is the package directory.",
        "pkg_dir": "string: exec path of the package directory.",
        "manifest": "File: JSON list of the declared files (package-relative path -> exec path, plus extra sources), passed to `lkpkg --srcs-manifest`.",
        "files": "depset of File: every declared source, build.yml and the manifest.",
        "tag_file": "File: holds `org/image:tag` (no newline handling needed: one line).",
        "validation": "File: the output of the build.yml/attributes check.",
        "arches": "list of string: GOARCH names the package is built for.",
    },
)

LinuxkitPkgInfo = provider(
    doc = """A built LinuxKit package (from `<name>`): OCI layouts per architecture and the index.

rules_oci users can take `layouts[arch]` (an OCI image layout directory, e.g. as an
`oci_image` base through the `<name>` target's `<arch>` output group).""",
    fields = {
        "tag_file": "File: holds `org/image:tag`.",
        "pkg_dir": "string: exec path of the package directory (for @lkt:pkg: build args of dependents).",
        "arches": "list of string: the architectures, in build.yml order.",
        "builds": "dict arch -> File (directory): that arch's `lkpkg build --output-dir` (result.json, <arch>/, index/).",
        "layouts": "dict arch -> File (directory): the OCI image layout of that arch's image.",
        "index": "File (directory): the OCI layout of the multi-arch index.",
        "result": "File: result.json of the merged output; its directory is what `lkpkg push --input-dir` takes.",
        "outputs": "depset of File: result.json, the per-arch layouts and the index layout.",
    },
)

LkpkgInfo = provider(
    doc = "The lkpkg tool of an `lkpkg_toolchain`.",
    fields = {
        "lkpkg": "FilesToRunProvider (or File, for a prebuilt lkpkg): what `ctx.actions.run(executable = ...)` takes.",
        "executable": "File: the lkpkg binary.",
        "runfiles": "runfiles of the binary.",
    },
)
