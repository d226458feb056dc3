"""The rules behind the linuxkit_pkg macro: tag, per-arch image, index, push, check."""

load("@bazel_skylib//rules:common_settings.bzl", "BuildSettingInfo")
load(":depends.bzl", "LinuxkitDependsImageInfo")
load(":providers.bzl", "LinuxkitPkgInfo", "LinuxkitSourceInfo")
load(":runfiles.bzl", "RUNFILES_PRELUDE", "rlocation")
load(":scanner.bzl", "scanner_layout_of")
load(":toolchain.bzl", "TOOLCHAIN_TYPE", "lkpkg_tool")

# Execution requirements of the actions that talk to BuildKit. requires-network keeps
# the network (tcp:// daemons) in sandboxes that would drop it; requires-buildkit is a
# tag that remote execution set-ups can route on (e.g. to executors with a daemon), or
# turn into local execution with --modify_execution_info=LinuxkitBuild=+no-remote-exec.
# The daemon's unix socket is reachable from linux-sandbox (connect works on a socket
# under a read-only mount), so the actions stay sandboxed and cacheable.
BUILDKIT_EXECUTION_REQUIREMENTS = {
    "requires-buildkit": "",
    "requires-network": "",
}

def _buildkit_resources(_os, _inputs):
    """What a LinuxkitBuild action takes of this machine when it runs locally.

    The action mostly waits on the BuildKit daemon, a process Bazel does not account for, so
    it claims a quarter of a core instead of Bazel's default of one: `--jobs`, not the
    number of cores, then bounds how many image builds are in flight (a 2-core machine ran
    only 2 at a time, each mostly idle).
    """
    return {"cpu": 0.25}

# LinuxkitBuild actions run in this exec group; linuxkit_pkg gives it the execution
# (platform) property BUILDKIT_EXEC_PROPERTY=1, so a remote-execution service can send
# them to workers that reach a BuildKit daemon and every other action to plain workers.
BUILDKIT_EXEC_GROUP = "buildkit"
BUILDKIT_EXEC_PROPERTY = "linuxkit-buildkit"

def _normalize(path):
    """Cleans a slash path: drops "." and resolves ".." lexically."""
    out = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not out or out[-1] == "..":
                out.append("..")
            else:
                out.pop()
            continue
        out.append(part)
    return "/".join(out)

def _dirname(path):
    i = path.rfind("/")
    return "" if i < 0 else path[:i]

def _rel(f, base, what):
    """f's path relative to the short path base, or fail."""
    sp = f.short_path
    if base == "":
        if sp.startswith("../"):
            fail("%s: %s is outside the package" % (what, sp))
        return sp
    if not sp.startswith(base + "/"):
        fail("%s: %s is not under %s: declare files of other directories in extra_srcs" % (what, sp, base))
    return sp[len(base) + 1:]

def _source_impl(ctx):
    lkpkg = lkpkg_tool(ctx)
    build_yml = ctx.file.build_yml
    pkg_short = _dirname(build_yml.short_path)
    pkg_dir = build_yml.dirname or "."

    srcs = []
    seen = {}
    for f in ctx.files.srcs + [build_yml]:
        if f.is_directory:
            fail("srcs: %s is a directory; list files" % f.short_path)
        rel = _rel(f, pkg_short, "srcs")
        if rel in seen:
            continue
        seen[rel] = True
        srcs.append([rel, f.path])
    extra = []
    extra_files = []
    for target, entry in ctx.attr.extra_srcs.items():
        src, sep, _ = entry.partition(":")
        if not sep:
            fail("extra_srcs: %r is not src:dst" % entry)
        base = _normalize(pkg_short + "/" + src)
        files = target[DefaultInfo].files.to_list()
        extra_files.extend(files)
        extra.append({
            "src": src,
            "srcs": [[_rel(f, base, "extra_srcs " + entry), f.path] for f in files],
        })

    manifest = ctx.actions.declare_file(ctx.label.name + ".srcs.json")
    ctx.actions.write(manifest, json.encode({"srcs": srcs, "extra_srcs": extra}))
    inputs = depset([build_yml, manifest] + extra_files, transitive = [depset(ctx.files.srcs)])

    # build.yml is the source of truth; the actions read it. arches and extra_srcs are
    # duplicated here because analysis needs them (one action per arch; the extra
    # sources' files are inputs): a validation action checks that they agree.
    attrs = ctx.actions.declare_file(ctx.label.name + ".attrs.json")
    ctx.actions.write(attrs, json.encode({
        "label": "//%s:%s" % (ctx.label.package, ctx.label.name.removesuffix(".tag")) if not ctx.label.workspace_name else str(ctx.label).removesuffix(".tag"),
        "arches": ctx.attr.arches,
        "extra_srcs": ctx.attr.extra_srcs.values(),
    }))
    check = ctx.actions.declare_file(ctx.label.name + ".check")
    ctx.actions.run(
        executable = lkpkg.lkpkg,
        arguments = ["check-attrs", "--attrs", attrs.path, "--build-yml", build_yml.basename, "--output", check.path, pkg_dir],
        inputs = [build_yml, attrs],
        outputs = [check],
        mnemonic = "LinuxkitCheck",
        progress_message = "Checking %{label} against build.yml",
    )

    tag = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.run(
        executable = lkpkg.lkpkg,
        arguments = ["show-tag", "--srcs-manifest", manifest.path, "--build-yml", build_yml.basename, "--output", tag.path, pkg_dir],
        inputs = inputs,
        outputs = [tag],
        mnemonic = "LinuxkitTag",
        progress_message = "Hashing %{label}",
    )
    return [
        # build.yml in the runfiles: tests can find the package's source directory.
        DefaultInfo(files = depset([tag]), runfiles = ctx.runfiles(files = [build_yml])),
        LinuxkitSourceInfo(
            build_yml = build_yml,
            pkg_dir = pkg_dir,
            manifest = manifest,
            files = inputs,
            tag_file = tag,
            validation = check,
            arches = ctx.attr.arches,
        ),
        OutputGroupInfo(_validation = depset([check])),
    ]

_source = rule(
    implementation = _source_impl,
    doc = "The tag of a LinuxKit package, hashed from its declared inputs; checks arches and extra_srcs against build.yml.",
    attrs = {
        "arches": attr.string_list(mandatory = True),
        "build_yml": attr.label(allow_single_file = True, mandatory = True),
        "extra_srcs": attr.label_keyed_string_dict(allow_files = True),
        "srcs": attr.label_list(allow_files = True),
    },
    toolchains = [TOOLCHAIN_TYPE],
)

_NO_SBOM = """{label}: no SBOM: its images were built with no SBOM scanner, since {why}.
For SBOMs, either
  - make the default layout: scripts/sbom-scanner-setup --no-push, in a rules_linuxkit checkout
    (Bazel picks it up on the next build), or
  - --@rules_linuxkit//rules:sbom_scanner_layout=//some:target whose files are a scanner
    image's OCI layout (linuxkit_sbom_scanner_layout, or a filegroup), or
  - --@rules_linuxkit//rules:sbom_scanner=REF, a scanner image in a registry the BuildKit
    daemon reaches."""

def _pkg_impl(ctx):
    lkpkg = lkpkg_tool(ctx)

    # The image actions take lkpkg from their own exec group's toolchain: it may resolve
    # to another execution platform than the rule's default group.
    build_lkpkg = ctx.exec_groups[BUILDKIT_EXEC_GROUP].toolchains[TOOLCHAIN_TYPE].lkpkg
    src = ctx.attr.source[LinuxkitSourceInfo]
    arches = src.arches
    name = ctx.label.name

    # The SBOM scanner: a reference (BuildKit pulls it) wins over the layout, whose files
    # are then inputs of every image action and whose path is the execroot's.
    scanner = ctx.attr._sbom_scanner[BuildSettingInfo].value
    layout = None if scanner else scanner_layout_of(ctx.attr._sbom_scanner_layout)
    scanner_files = layout.files if layout and layout.index else depset()

    builds = {}
    for arch in arches:
        out = ctx.actions.declare_directory("%s.build/%s" % (name, arch))

        # No BuildKit address here: lkpkg resolves it on the machine that runs
        # the action (tools/buildkitd.Resolve), so it is not in the action key.
        args = ctx.actions.args()
        args.add_all(["build", "--hermetic", "--progress", "quiet", "--srcs-manifest", src.manifest.path])
        args.add_all(["--build-yml", src.build_yml.basename, "--platforms", "linux/" + arch])
        args.add("--output-dir", out.path)
        if scanner:
            args.add("--sbom-scanner", scanner)
        elif layout.index:
            args.add("--sbom-scanner-layout", layout.index.dirname)
        dep_inputs = []
        for dep in ctx.attr.deps:
            info = dep[LinuxkitPkgInfo]
            if arch in info.builds:
                d = info.builds[arch]
                args.add("--dep", "%s=%s" % (info.pkg_dir, d.path))
            else:
                # That arch's image is not built on its own: use the merged output.
                d = info.result
                args.add("--dep", "%s=%s" % (info.pkg_dir, d.dirname))
                dep_inputs.extend(info.outputs.to_list())
            dep_inputs.append(d)
        for img in ctx.attr.depends_images:
            info = img[LinuxkitDependsImageInfo]
            args.add("--depends-image", "%s=%s" % (info.image, info.index.dirname))
            dep_inputs.extend(info.files.to_list())
        args.add(src.pkg_dir)
        ctx.actions.run(
            executable = build_lkpkg.lkpkg,
            arguments = [args],
            inputs = depset(dep_inputs, transitive = [src.files, scanner_files]),
            outputs = [out],
            exec_group = BUILDKIT_EXEC_GROUP,
            mnemonic = "LinuxkitBuild",
            progress_message = "Building %%{label} for linux/%s with BuildKit" % arch,
            execution_requirements = BUILDKIT_EXECUTION_REQUIREMENTS,
            resource_set = _buildkit_resources,
        )
        builds[arch] = out

    result = ctx.actions.declare_file(name + ".lkpkg/result.json")
    layouts = {arch: ctx.actions.declare_directory("%s.lkpkg/%s" % (name, arch)) for arch in arches}
    index = ctx.actions.declare_directory(name + ".lkpkg/index")
    ctx.actions.run(
        executable = lkpkg.lkpkg,
        arguments = ["merge-outputs", "--output-dir", result.dirname] + [builds[a].path for a in arches],
        inputs = builds.values(),
        outputs = [result, index] + layouts.values(),
        mnemonic = "LinuxkitIndex",
        progress_message = "Assembling the multi-arch index of %{label}",
    )
    outputs = depset([result, index] + layouts.values())

    # The SPDX document of each arch's image, from its attestation manifest: no registry.
    # With no scanner, there is none: the output group fails, saying why and what to set.
    no_sbom = "" if scanner or layout.index else _NO_SBOM.format(label = str(ctx.label).removeprefix("@@").removeprefix("@"), why = layout.why_none)
    sboms = []
    for arch in arches:
        sbom = ctx.actions.declare_file("%s.sbom/%s.spdx.json" % (name, arch))
        if no_sbom:
            ctx.actions.run_shell(
                command = 'echo "$1" >&2; exit 1',
                arguments = [no_sbom],
                outputs = [sbom],
                mnemonic = "LinuxkitSBOM",
                progress_message = "Reading the SBOM of %%{label} for linux/%s" % arch,
            )
            sboms.append(sbom)
            continue
        ctx.actions.run(
            executable = lkpkg.lkpkg,
            arguments = ["sbom", "-o", sbom.path, builds[arch].path],
            inputs = [builds[arch]],
            outputs = [sbom],
            mnemonic = "LinuxkitSBOM",
            progress_message = "Reading the SBOM of %%{label} for linux/%s" % arch,
        )
        sboms.append(sbom)
    groups = {arch: depset([layouts[arch]]) for arch in arches}
    groups["sbom"] = depset(sboms)
    groups["index"] = depset([index])
    groups["tag"] = depset([src.tag_file])
    groups["_validation"] = depset([src.validation])
    return [
        DefaultInfo(files = depset([src.tag_file], transitive = [outputs])),
        LinuxkitPkgInfo(
            tag_file = src.tag_file,
            pkg_dir = src.pkg_dir,
            arches = arches,
            builds = builds,
            layouts = layouts,
            index = index,
            result = result,
            outputs = outputs,
        ),
        src,
        OutputGroupInfo(**groups),
    ]

_pkg = rule(
    implementation = _pkg_impl,
    doc = "Builds a LinuxKit package: one action per arch, then the index.",
    attrs = {
        "depends_images": attr.label_list(providers = [LinuxkitDependsImageInfo]),
        "deps": attr.label_list(providers = [LinuxkitPkgInfo]),
        "source": attr.label(providers = [LinuxkitSourceInfo], mandatory = True),
        "_sbom_scanner": attr.label(default = "//rules:sbom_scanner", providers = [BuildSettingInfo]),
        "_sbom_scanner_layout": attr.label(default = "//rules:sbom_scanner_layout"),
    },
    exec_groups = {BUILDKIT_EXEC_GROUP: exec_group(toolchains = [TOOLCHAIN_TYPE])},
    toolchains = [TOOLCHAIN_TYPE],
)

_PUSH_SCRIPT = """#!/usr/bin/env bash
# Generated by rules_linuxkit: pushes {label} (per-arch images, merged index, signatures).
set -euo pipefail
{prelude}
# The registry: --registry after `--` wins over the build setting {setting}.
registry={registry}
given=""
for a in "$@"; do
  case "$a" in --registry | --registry=* | -registry | -registry=*) given=1 ;; esac
done
if [[ -z $given && -z $registry ]]; then
  cat >&2 <<'EOF'
{target}: no registry to push to. Name one, either for this run:
    bazel run {target} -- --registry 127.0.0.1:5000
or for every push target, with the build setting (e.g. in .bazelrc):
    run --{setting}=127.0.0.1:5000
(Docker Hub: docker.io)
EOF
  exit 2
fi
if [[ -n $registry ]]; then set -- --registry "$registry" "$@"; fi
exec "$RUNFILES_DIR/{lkpkg}" push --hermetic --input-dir "$RUNFILES_DIR/{input}" --build-yml {build_yml} "$@" "$RUNFILES_DIR/{pkg_dir}"
"""

def _shell_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"

def _push_impl(ctx):
    lkpkg = lkpkg_tool(ctx)
    info = ctx.attr.pkg[LinuxkitPkgInfo]
    src = ctx.attr.pkg[LinuxkitSourceInfo]
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(script, _PUSH_SCRIPT.format(
        prelude = RUNFILES_PRELUDE,
        label = str(ctx.attr.pkg.label),
        target = str(ctx.label).removeprefix("@@").removeprefix("@"),
        registry = _shell_quote(ctx.attr._registry[BuildSettingInfo].value),
        setting = "@rules_linuxkit//rules:registry",
        lkpkg = rlocation(ctx, lkpkg.executable),
        input = _dirname(rlocation(ctx, info.result)),
        build_yml = src.build_yml.basename,
        pkg_dir = _dirname(rlocation(ctx, src.build_yml)),
    ), is_executable = True)
    runfiles = ctx.runfiles(transitive_files = depset(transitive = [info.outputs, src.files]))
    runfiles = runfiles.merge(ctx.runfiles(files = [lkpkg.executable])).merge(lkpkg.runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

_push = rule(
    implementation = _push_impl,
    doc = "`bazel run` target pushing a built package as `lkpkg push --hermetic` does.",
    attrs = {
        "pkg": attr.label(providers = [LinuxkitPkgInfo, LinuxkitSourceInfo], mandatory = True),
        "_registry": attr.label(default = "//rules:registry", providers = [BuildSettingInfo]),
    },
    executable = True,
    toolchains = [TOOLCHAIN_TYPE],
)

DEFAULT_ARCHES = ["amd64", "arm64", "riscv64"]

def linuxkit_pkg(
        name,
        build_yml = "build.yml",
        srcs = None,
        arches = DEFAULT_ARCHES,
        extra_srcs = {},
        deps = [],
        depends_images = [],
        visibility = None,
        tags = None,
        image = None,  # @unused
        org = None,  # @unused
        tag = None,  # @unused
        dockerfile = None,  # @unused
        network = None,  # @unused
        disable_cache = None,  # @unused
        disable_content_trust = None,  # @unused
        build_args = None,  # @unused
        **kwargs):
    """A LinuxKit package (a directory with build.yml and a Dockerfile), built with BuildKit.

    Targets:

    - `:<name>`: every arch's image (one action each, as OCI layouts) and the multi-arch
      index; output groups `<arch>` (that arch's OCI image layout), `index`, `tag`, and
      `sbom` (`<name>.sbom/<arch>.spdx.json`, each arch's SPDX document, read from its
      attestation manifest; see "Attestations" below for the scanner that makes it; with
      none, the group fails saying so). Every image also carries a deterministic SLSA
      provenance attestation.
      Provides `LinuxkitPkgInfo` and `LinuxkitSourceInfo`.
    - `:<name>.tag`: a file holding `org/image:<tag>`, hashed by an action from exactly the
      declared inputs (srcs, build.yml, extra_srcs), equal to what `lkpkg show-tag` computes
      from git for a committed package.
    - `:<name>.push`: `bazel run` it to push the per-arch images and the index and sign them
      (`lkpkg push --hermetic`); arguments after `--` pass through
      (`--registry`, `--release`, `--trust-server`, ...). The registry is `--registry`,
      else the build setting `--@rules_linuxkit//rules:registry`; with neither it stops
      and says which to set.
    - `:push`: an alias of `:<name>.push` when `name` is the directory's name.

    build.yml is the source of truth: the actions read image, org, tag, dockerfile,
    network, the build args and every other field from it. Only what Bazel needs before
    any action runs is an attribute: `arches` (one build action per arch) and `extra_srcs`
    (the extra sources' files are action inputs). Gazelle writes both from build.yml,
    and a validation action (`lkpkg check-attrs`) fails with the fix
    (`bazel run //:gazelle`) when they disagree with it.

    Args:
      name: the target name; Gazelle uses the directory's name.
      build_yml: the spec file; its directory is the package directory.
      srcs: the package's files (default `glob(["**"])`), including build.yml and the
        Dockerfile. Their paths relative to the package directory are what is hashed.
      arches: build.yml's `arches`, in order (default: build.yml's default,
        amd64, arm64 and riscv64).
      extra_srcs: label of the files of an extra source -> the build.yml `extra-sources`
        entry "src:dst".
      deps: the linuxkit_pkg targets this package builds FROM (via @lkt:pkg: build args);
        their per-arch layouts are fed to BuildKit as named contexts, no registry needed.
      depends_images: the images build.yml's depends.docker-images lists: `@<name>` of a
        `linuxkit.depends_image(name, image)` in MODULE.bazel, pulled once by digest; the
        build action saves each into the context as `lkpkg build` does. Gazelle writes it
        from the `linuxkit.depends_image` tags in MODULE.bazel (and leaves it as it is,
        with a warning naming the line to add, while an image has none); an image
        build.yml lists but this lacks fails the build.
      visibility: visibility of the targets.
      tags: tags of the targets.
      image: deprecated and ignored: build.yml's `image` is used. `bazel run //:gazelle`
        removes it, as it removes the other deprecated attributes below.
      org: deprecated and ignored: build.yml's `org` is used.
      tag: deprecated and ignored: build.yml's `tag` is used.
      dockerfile: deprecated and ignored: build.yml's `dockerfile` is used.
      network: deprecated and ignored: build.yml's `network` is used.
      disable_cache: deprecated and ignored: build.yml's `disable-cache` is used.
      disable_content_trust: deprecated and ignored: build.yml's `disable-content-trust`
        is used.
      build_args: deprecated and ignored: build.yml's `buildArgs` are used.
      **kwargs: common attributes (testonly, target_compatible_with, ...) for every target.
        `exec_properties` apply to every target's actions; the image actions (exec group
        `buildkit`) also get `{"linuxkit-buildkit": "1"}` unless `exec_properties` sets
        `buildkit.linuxkit-buildkit` itself.
    """

    # image ... build_args (@unused) are accepted so that BUILD files written by older
    # Gazelle versions still load; lkpkg reads those fields from build.yml.
    if srcs == None:
        srcs = native.glob(["**"])

    # Route the image actions (exec group "buildkit") to executors with BuildKit.
    pkg_exec_properties = dict(kwargs.get("exec_properties") or {})
    pkg_exec_properties.setdefault(BUILDKIT_EXEC_GROUP + "." + BUILDKIT_EXEC_PROPERTY, "1")
    pkg_kwargs = dict(kwargs)
    pkg_kwargs["exec_properties"] = pkg_exec_properties
    _source(
        name = name + ".tag",
        build_yml = build_yml,
        srcs = srcs,
        extra_srcs = extra_srcs,
        arches = arches,
        visibility = visibility,
        tags = tags,
        **kwargs
    )
    _pkg(
        name = name,
        source = name + ".tag",
        deps = deps,
        depends_images = depends_images,
        visibility = visibility,
        tags = tags,
        **pkg_kwargs
    )
    _push(
        name = name + ".push",
        pkg = name,
        visibility = visibility,
        tags = tags,
        **kwargs
    )
    if name == native.package_name().split("/")[-1] and name != "push":
        native.alias(
            name = "push",
            actual = name + ".push",
            visibility = visibility,
            tags = tags,
        )
