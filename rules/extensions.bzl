"""Module extension of rules_linuxkit: the lkpkg toolchain.

By default the rules run a prebuilt lkpkg, downloaded (by URL and sha256, see
rules/private/versions.bzl) for the execution platform: a module that depends on
rules_linuxkit needs no Go toolchain and compiles no Go. Its root module may pick another
release or mirror:

```starlark
linuxkit = use_extension("@rules_linuxkit//rules:extensions.bzl", "linuxkit")
linuxkit.toolchain(version = "0.1.0", urls = ["https://mirror.example/lkpkg/{version}/{file}"])
```

or build lkpkg from source (developers of rules_linuxkit; needs rules_go's Go SDK):
`register_toolchains("@rules_linuxkit//rules:lkpkg_toolchain")` in its MODULE.bazel.

The repository `lkpkg_sbom_scanner` is the default SBOM scanner of the image actions
(`@rules_linuxkit//rules:sbom_scanner_layout`): the OCI layout at
`$RULES_LINUXKIT_CACHE/sbom-scanner/layout` on the machine running Bazel, if there is one
(rules/private/scanner.bzl).

`linuxkit.depends_image(name, image)` pulls an image that a build.yml's
depends.docker-images lists, pinned by digest, once into an OCI layout: `@<name>` (after
`use_repo(linuxkit, "<name>")`) goes in linuxkit_pkg's `depends_images`. See
rules/private/depends.bzl.

The BuildKit daemon is not configured here: its address would then be part of every
image action's key, and machines using different daemons would share no cache entries.
Each machine that runs image actions names its daemon itself (see docs/rules.md,
"BuildKit: where actions find it"): `$BUILDKIT_HOST` in its environment,
`~/.config/rules_linuxkit/buildkit.json` or `/etc/rules_linuxkit/buildkit.json`, else the
local daemon in `~/.cache/rules_linuxkit/buildkit` (`bazel run @rules_linuxkit//:buildkitd`).
"""

load("//rules/private:depends.bzl", "linuxkit_depends_image", "pinned_problem")
load("//rules/private:prebuilt.bzl", "declare_prebuilt")
load("//rules/private:scanner.bzl", "linuxkit_sbom_scanner_repository")

_toolchain = tag_class(
    doc = "The prebuilt lkpkg to use. Only the root module's tag counts (a library module leaves the choice to its users).",
    attrs = {
        "version": attr.string(doc = "A release named in rules/private/versions.bzl; default: this rules_linuxkit's own."),
        "urls": attr.string_list(doc = "URL templates of the archives, `{version}` and `{file}` filled in; default: the GitHub release."),
    },
)

_buildkit = tag_class(
    doc = "Removed: name the daemon on the machines that run the actions (see above).",
    attrs = {
        "host": attr.string(),
        "local_dir": attr.string(),
    },
)

_depends_image = tag_class(
    doc = "An image of a build.yml's depends.docker-images, pulled once by digest into `@<name>`.",
    attrs = {
        "image": attr.string(mandatory = True, doc = "as build.yml lists it: name[:tag]@sha256:<digest>"),
        "name": attr.string(mandatory = True, doc = "the repository: use_repo it and put `@<name>` in depends_images"),
    },
)

def _linuxkit_impl(mctx):
    chosen = None
    for mod in mctx.modules:
        if mod.tags.toolchain and mod.is_root:
            if len(mod.tags.toolchain) > 1:
                fail("module %s: linuxkit.toolchain(...) is given %d times; give it once" % (mod.name, len(mod.tags.toolchain)))
            chosen = mod.tags.toolchain[0]
    declare_prebuilt(chosen.version if chosen else "", chosen.urls if chosen else [])
    linuxkit_sbom_scanner_repository(name = "lkpkg_sbom_scanner")
    for mod in mctx.modules:
        for tag in mod.tags.depends_image:
            problem = pinned_problem(tag.image)
            if problem:
                fail("module %s: linuxkit.depends_image(name = %r): %s (Bazel pulls only pinned images, once)" % (mod.name, tag.name, problem))
            linuxkit_depends_image(name = tag.name, image = tag.image, target_name = tag.name)
    for mod in mctx.modules:
        if mod.tags.buildkit:
            fail(("module %s: linuxkit.buildkit(...) is no longer supported: a BuildKit address in the " +
                  "build configuration enters every image action's key. Remove it and put " +
                  "{\"address\": \"<host>\"} in /etc/rules_linuxkit/buildkit.json (or " +
                  "~/.config/rules_linuxkit/buildkit.json, or $BUILDKIT_HOST) on the machines " +
                  "that run the actions.") % mod.name)

linuxkit = module_extension(
    implementation = _linuxkit_impl,
    tag_classes = {"buildkit": _buildkit, "depends_image": _depends_image, "toolchain": _toolchain},
    doc = "rules_linuxkit's module extension: the prebuilt lkpkg toolchains (repository `lkpkg_toolchains`), the default SBOM scanner (`lkpkg_sbom_scanner`) and the images of build.yml's depends (`depends_image`).",
)
