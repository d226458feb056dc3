"""Analysis tests of the SBOM scanner the image actions get (no BuildKit needed).

What a user relies on: the layout named by `//rules:sbom_scanner_layout` reaches every
LinuxkitBuild action as declared inputs and an execroot path (nothing of the machine),
`//rules:sbom_scanner=REF` wins over it, `//rules:no_sbom` turns SBOMs off and the `sbom`
output group then fails saying so, and a target that is no OCI layout is refused.
"""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")

_LAYOUT_FLAG = str(Label("//rules:sbom_scanner_layout"))
_REF_FLAG = str(Label("//rules:sbom_scanner"))
_FIXTURE = "rules/tests/sbomlayout/layout"
_FIXTURE_FILES = ["index.json", "oci-layout", "blobs/sha256/" + "0" * 64]

def _actions(env, mnemonic):
    return [a for a in analysistest.target_actions(env) if a.mnemonic == mnemonic]

def _value(argv, flag):
    """The argument after flag in argv, or None."""
    for i in range(len(argv) - 1):
        if argv[i] == flag:
            return argv[i + 1]
    return None

def _builds(env):
    builds = _actions(env, "LinuxkitBuild")
    asserts.equals(env, 1, len(builds), "LinuxkitBuild actions of testpkg (one arch)")
    return builds

def _layout_inputs(action, prefix):
    return sorted([f.short_path for f in action.inputs.to_list() if f.short_path.startswith(prefix)])

def _fixture_layout_impl(ctx):
    env = analysistest.begin(ctx)
    for a in _builds(env):
        asserts.equals(env, _FIXTURE, _value(a.argv, "--sbom-scanner-layout"))
        asserts.equals(env, None, _value(a.argv, "--sbom-scanner"))
        asserts.equals(env, sorted([_FIXTURE + "/" + f for f in _FIXTURE_FILES]), _layout_inputs(a, _FIXTURE))
    sboms = _actions(env, "LinuxkitSBOM")
    asserts.equals(env, 1, len(sboms))
    asserts.true(env, "sbom" in sboms[0].argv and "-o" in sboms[0].argv, "the sbom group runs lkpkg sbom -o: %s" % sboms[0].argv)
    return analysistest.end(env)

fixture_layout_test = analysistest.make(
    _fixture_layout_impl,
    config_settings = {_LAYOUT_FLAG: str(Label("//rules/tests/sbomlayout"))},
)

filegroup_layout_test = analysistest.make(
    _fixture_layout_impl,
    config_settings = {_LAYOUT_FLAG: str(Label("//rules/tests/sbomlayout:as_filegroup"))},
)

def _ref_wins_impl(ctx):
    env = analysistest.begin(ctx)
    for a in _builds(env):
        asserts.equals(env, "registry.example/sbom-scanner:1", _value(a.argv, "--sbom-scanner"))
        asserts.equals(env, None, _value(a.argv, "--sbom-scanner-layout"))
        asserts.equals(env, [], _layout_inputs(a, _FIXTURE))
    return analysistest.end(env)

ref_wins_test = analysistest.make(
    _ref_wins_impl,
    config_settings = {
        _LAYOUT_FLAG: str(Label("//rules/tests/sbomlayout")),
        _REF_FLAG: "registry.example/sbom-scanner:1",
    },
)

def _no_sbom_impl(ctx):
    env = analysistest.begin(ctx)
    for a in _builds(env):
        asserts.equals(env, None, _value(a.argv, "--sbom-scanner-layout"))
        asserts.equals(env, None, _value(a.argv, "--sbom-scanner"))
    sboms = _actions(env, "LinuxkitSBOM")
    asserts.equals(env, 1, len(sboms))
    message = sboms[0].argv[-1]
    for want in ["rules/tests/testpkg:testpkg: no SBOM", "SBOMs are turned off", "scripts/sbom-scanner-setup", "sbom_scanner=REF"]:
        asserts.true(env, want in message, "the sbom group's error lacks %r: %s" % (want, message))
    return analysistest.end(env)

no_sbom_test = analysistest.make(
    _no_sbom_impl,
    config_settings = {_LAYOUT_FLAG: str(Label("//rules:no_sbom"))},
)

def _default_impl(ctx):
    env = analysistest.begin(ctx)
    for a in _builds(env):
        # Whether this machine has the default layout or not, nothing of it but the
        # execroot path of its repository is in the key.
        for arg in a.argv[1:]:
            asserts.false(env, arg.startswith("/") or "/var/cache" in arg, "machine path in LinuxkitBuild's arguments: %s" % arg)
        layout = _value(a.argv, "--sbom-scanner-layout")
        if layout != None:
            asserts.true(env, layout.startswith("external/") and layout.endswith("lkpkg_sbom_scanner/layout"), layout)
            asserts.true(env, len(_layout_inputs(a, "../")) > 0, "the layout's files are no inputs")
    return analysistest.end(env)

default_layout_test = analysistest.make(_default_impl)

def _not_a_layout_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, "no OCI layout among its 1 files")
    return analysistest.end(env)

not_a_layout_test = analysistest.make(
    _not_a_layout_impl,
    expect_failure = True,
    config_settings = {_LAYOUT_FLAG: str(Label("//rules/tests/sbomlayout:not_a_layout"))},
)

def sbom_test_suite(name, pkg):
    """The tests above on pkg, a linuxkit_pkg with one arch, and a test_suite of them.

    Args:
      name: the test_suite's name; each test is named `<name>_<what>`.
      pkg: the linuxkit_pkg target under test.
    """
    tests = {
        "default_layout": default_layout_test,
        "filegroup_layout": filegroup_layout_test,
        "fixture_layout": fixture_layout_test,
        "no_sbom": no_sbom_test,
        "not_a_layout": not_a_layout_test,
        "ref_wins": ref_wins_test,
    }
    for what, test in tests.items():
        test(name = "%s_%s" % (name, what), target_under_test = pkg)
    native.test_suite(name = name, tests = [":%s_%s" % (name, what) for what in tests])
