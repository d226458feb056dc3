"""build.yml's depends.docker-images under Bazel.

Actions pull nothing, so each image a package depends on is pulled once, by digest, by
the repository rule below (declared with `linuxkit.depends_image` in MODULE.bazel) into an
OCI image layout, and `linuxkit_pkg(depends_images = [...])` passes that layout to the
build action as a declared input (`lkpkg build --depends-image IMAGE=LAYOUT`), which saves
the image into the build context exactly as `lkpkg build` does after pulling it.

Every blob is fetched by its digest and checked against it (`sha256`), so the layout is
what the pin names, and it sits in Bazel's repository cache.
"""

LinuxkitDependsImageInfo = provider(
    doc = "An image of depends.docker-images, pulled into an OCI image layout.",
    fields = {
        "image": "the reference as written in build.yml (name[:tag]@sha256:...)",
        "index": "the layout's index.json File; its directory is the layout",
        "files": "depset of the layout's files",
    },
)

def _layout_impl(ctx):
    index = [f for f in ctx.files.srcs if f.short_path.endswith("/layout/index.json")]
    if len(index) != 1:
        fail("%s: no layout/index.json among srcs" % ctx.label)
    files = depset(ctx.files.srcs)
    return [
        DefaultInfo(files = files),
        LinuxkitDependsImageInfo(image = ctx.attr.image, index = index[0], files = files),
    ]

linuxkit_depends_layout = rule(
    implementation = _layout_impl,
    doc = "The OCI layout of one depends image (written by linuxkit.depends_image's repository).",
    attrs = {
        "image": attr.string(mandatory = True),
        "srcs": attr.label_list(allow_files = True),
    },
)

_ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
])

def pinned_problem(image):
    """Says why an image reference is not pinned by a sha256 digest.

    Args:
      image: a reference, name[:tag]@sha256:<64 hex digits> when pinned.

    Returns:
      the problem and its fix, or "" when the reference is pinned.
    """
    name, sep, digest = image.rpartition("@")
    if not sep or not name:
        return "%r is not pinned by digest; pin it as %s@sha256:<digest>" % (image, image)
    alg, _, hex = digest.partition(":")
    if alg != "sha256" or len(hex) != 64 or hex.lstrip("0123456789abcdef"):
        return "%r: the digest must be sha256:<64 lowercase hex digits>" % image
    return ""

def _split(image):
    """(scheme, api host, repository, digest) of a pinned reference."""
    name, _, digest = image.rpartition("@")
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        host, repo = first, rest
    else:
        host, repo = "docker.io", name
    last = repo.rfind(":")
    if last > repo.rfind("/"):
        repo = repo[:last]  # the tag
    if host == "docker.io" and "/" not in repo:
        repo = "library/" + repo
    api = "registry-1.docker.io" if host == "docker.io" else host
    hostname = host.rpartition(":")[0] if host.count(":") == 1 else host
    plain = hostname in ("localhost", "[::1]") or hostname.startswith("127.")
    return ("http" if plain else "https"), api, host, repo, digest

def _token(rctx, host, repo):
    """An anonymous pull token where the registry hands them out, else None.

    Without one, Bazel's --credential_helper (if any) supplies the credentials.
    """
    realms = {
        "docker.io": "https://auth.docker.io/token?service=registry.docker.io&scope=repository:%s:pull",
        "ghcr.io": "https://ghcr.io/token?scope=repository:%s:pull",
    }
    if host not in realms:
        return None
    rctx.download(url = realms[host] % repo, output = "token.json")
    token = json.decode(rctx.read("token.json")).get("token")
    rctx.delete("token.json")
    return token

def _impl(rctx):
    image = rctx.attr.image
    problem = pinned_problem(image)
    if problem:
        fail("linuxkit.depends_image(name = %r): %s" % (rctx.attr.target_name, problem))
    scheme, api, host, repo, digest = _split(image)
    base = "%s://%s/v2/%s" % (scheme, api, repo)
    headers = {"Accept": _ACCEPT}
    token = _token(rctx, host, repo)
    if token:
        headers["Authorization"] = "Bearer " + token

    def fetch(kind, d):
        alg, _, hex = d.partition(":")
        if alg != "sha256":
            fail("%s: %s uses %s; only sha256 blobs are fetched" % (image, d, alg))
        out = "layout/blobs/sha256/" + hex
        rctx.download(url = "%s/%s/%s" % (base, kind, d), output = out, sha256 = hex, headers = headers)
        return out

    def fetch_image(d, m = None):
        if m == None:
            m = json.decode(rctx.read(fetch("manifests", d)))
        fetch("blobs", m["config"]["digest"])
        for layer in m.get("layers", []):
            fetch("blobs", layer["digest"])

    root = fetch("manifests", digest)
    data = rctx.read(root)
    doc = json.decode(data)
    media_type = doc.get("mediaType", "")
    if "manifests" in doc:
        media_type = media_type or "application/vnd.oci.image.index.v1+json"
        for m in doc["manifests"]:
            p = m.get("platform", {})
            if p.get("os") == "linux" and p.get("architecture") != "unknown":
                fetch_image(m["digest"])
    else:
        media_type = media_type or "application/vnd.oci.image.manifest.v1+json"
        fetch_image(digest, doc)
    rctx.file("layout/oci-layout", json.encode({"imageLayoutVersion": "1.0.0"}))
    rctx.file("layout/index.json", json.encode({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": media_type, "digest": digest, "size": len(data)}],
    }))
    rctx.file("BUILD.bazel", """load("{bzl}", "linuxkit_depends_layout")

linuxkit_depends_layout(
    name = "{name}",
    image = {image},
    srcs = glob(["layout/**"]),
    visibility = ["//visibility:public"],
)
""".format(bzl = str(Label("//rules/private:depends.bzl")), name = rctx.attr.target_name, image = json.encode(image)))

linuxkit_depends_image = repository_rule(
    implementation = _impl,
    doc = "Pulls one pinned image (every linux platform of an index) into an OCI image layout.",
    attrs = {
        "image": attr.string(mandatory = True, doc = "name[:tag]@sha256:<digest>, as build.yml lists it"),
        "target_name": attr.string(mandatory = True, doc = "the apparent repository name: `@<name>` is the layout target"),
    },
)
