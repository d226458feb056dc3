"""The SBOM scanner of the image actions: an OCI layout, as declared inputs.

BuildKit makes each image's SPDX attestation by running a scanner image (its SBOM
generator protocol). `lkpkg build --sbom-scanner-layout DIR` serves the image of the OCI
layout DIR to the BuildKit daemon itself, so the image actions pull nothing: the layout's
files are their inputs, its content is in their keys (and remote workers receive it),
and its path is the execroot path of the repository holding it, the same on every
machine.

The label_flag `//rules:sbom_scanner_layout` names the layout. Its default,
`@lkpkg_sbom_scanner//:layout`, is the repository rule below: the layout
scripts/sbom-scanner-setup writes at `$RULES_LINUXKIT_CACHE/sbom-scanner/layout` (default
`/var/cache/rules_linuxkit/sbom-scanner/layout`), fetched again when it changes, or no
files when there is none there (images then carry no SBOM).
"""

LinuxkitScannerLayoutInfo = provider(
    doc = "An SBOM scanner image as an OCI layout, or none.",
    fields = {
        "index": "the layout's index.json File (its directory is the layout), or None: no scanner",
        "files": "depset of the layout's files: the image actions' inputs",
        "why_none": "when index is None, why, and how to get a scanner (for error messages)",
    },
)

def _find_index(files, what):
    """The index.json of the one OCI layout among files (with oci-layout beside it), or None."""
    paths = {f.path: True for f in files}
    found = [
        f
        for f in files
        if f.basename == "index.json" and (f.dirname + "/oci-layout") in paths
    ]
    if len(found) > 1:
        fail("%s: %d OCI layouts (%s); give the files of one" % (what, len(found), ", ".join([f.dirname for f in found])))
    if not found and files:
        fail("%s: no OCI layout among its %d files (want index.json with oci-layout beside it, e.g. %s)" % (what, len(files), files[0].path))
    return found[0] if found else None

def _layout_impl(ctx):
    files = depset(ctx.files.srcs)
    index = _find_index(ctx.files.srcs, str(ctx.label))
    return [
        DefaultInfo(files = files),
        LinuxkitScannerLayoutInfo(index = index, files = files, why_none = ctx.attr.why_none),
    ]

linuxkit_sbom_scanner_layout = rule(
    implementation = _layout_impl,
    doc = """An SBOM scanner image as an OCI layout, for `--@rules_linuxkit//rules:sbom_scanner_layout`.

`srcs` are the layout's files (`oci-layout`, `index.json`, `blobs/sha256/...`), e.g.
`glob(["layout/**"])`; none: no SBOM attestation. Any target whose files are one OCI layout
works as the flag's value too; this rule only checks the layout once, at analysis.""",
    attrs = {
        "srcs": attr.label_list(allow_files = True, doc = "the layout's files; none: no scanner"),
        "why_none": attr.string(doc = "with no srcs: why, for the error of the `sbom` output group"),
    },
    provides = [LinuxkitScannerLayoutInfo],
)

def scanner_layout_of(target):
    """The scanner layout the label_flag names, whatever rule its target is.

    Args:
      target: the target of `//rules:sbom_scanner_layout`.

    Returns:
      its LinuxkitScannerLayoutInfo; for other rules, one made from its files.
    """
    if LinuxkitScannerLayoutInfo in target:
        return target[LinuxkitScannerLayoutInfo]
    files = target[DefaultInfo].files
    what = "--@rules_linuxkit//rules:sbom_scanner_layout=%s" % target.label
    return LinuxkitScannerLayoutInfo(
        index = _find_index(files.to_list(), what),
        files = files,
        why_none = "%s has no files" % what,
    )

# The layout scripts/sbom-scanner-setup writes, under $RULES_LINUXKIT_CACHE.
CACHE_ENV = "RULES_LINUXKIT_CACHE"
DEFAULT_CACHE = "/var/cache/rules_linuxkit"
LAYOUT_UNDER_CACHE = "sbom-scanner/layout"

def _files_under(rctx, root):
    """The files under the directory root, as paths relative to it, sorted."""
    out = []
    todo = [(rctx.path(root), "")]
    for _ in range(64):  # Starlark has no while; an OCI layout is 3 levels deep
        if not todo:
            break
        next_todo = []
        for d, rel in todo:
            for child in d.readdir():
                r = rel + child.basename
                if child.is_dir:
                    next_todo.append((child, r + "/"))
                else:
                    out.append(r)
        todo = next_todo
    return sorted(out)

def _repository_impl(rctx):
    getenv = getattr(rctx, "getenv", None)  # Bazel 7.1+: also watches the variable
    cache = (getenv(CACHE_ENV) if getenv else rctx.os.environ.get(CACHE_ENV)) or DEFAULT_CACHE
    layout = cache.rstrip("/") + "/" + LAYOUT_UNDER_CACHE
    index = rctx.path(layout + "/index.json")

    # Fetched again when the layout appears, goes or changes (sbom-scanner-setup rebuilds
    # it in place when the scanner's sources change).
    if hasattr(rctx, "watch"):
        rctx.watch(layout)
        rctx.watch(index)
    if index.exists and hasattr(rctx, "watch_tree"):
        rctx.watch_tree(layout)

    why_none = ""
    if index.exists:
        for rel in _files_under(rctx, layout):
            rctx.symlink(layout + "/" + rel, "layout/" + rel)
        srcs = 'glob(["layout/**"])'
        comment = "the OCI layout at %s (symlinks)" % layout
    else:
        srcs = "[]"
        comment = "no OCI layout at %s: no scanner" % layout
        why_none = ("the default scanner, the OCI layout at $%s/%s (default %s/%s), " +
                    "was not there when Bazel looked") % (CACHE_ENV, LAYOUT_UNDER_CACHE, DEFAULT_CACHE, LAYOUT_UNDER_CACHE)

    rctx.file("BUILD.bazel", """# Generated by rules_linuxkit: the SBOM scanner image actions use by default,
# {comment}.
load("{bzl}", "linuxkit_sbom_scanner_layout")

linuxkit_sbom_scanner_layout(
    name = "layout",
    srcs = {srcs},
    why_none = {why_none},
    visibility = ["//visibility:public"],
)
""".format(comment = comment, bzl = str(Label("//rules/private:scanner.bzl")), srcs = srcs, why_none = repr(why_none)))

linuxkit_sbom_scanner_repository = repository_rule(
    implementation = _repository_impl,
    doc = "The OCI layout at $RULES_LINUXKIT_CACHE/sbom-scanner/layout, if any: the default SBOM scanner.",
    environ = [CACHE_ENV],
)
