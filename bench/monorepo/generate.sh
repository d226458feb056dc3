#!/usr/bin/env bash
# Writes a Bazel workspace with N trivial LinuxKit packages that build fast and need no
# registry, for bench/monorepo/run.sh and scripts/remote-execution-test:
#
#   bench/monorepo/generate.sh DIR N [NONCE]
#
# pkg/pNNNNN/ holds build.yml, Dockerfile and data.txt. Packages come in chains of 5:
# the first of a chain is FROM scratch, each other one FROM the previous (an @lkt:pkg:
# build arg, so Bazel deps), and each adds data.txt. One chain in five is two-arch
# (amd64, arm64; no RUN, so no emulation), the others amd64 only. data.txt holds NONCE
# (default: the time), so that a new NONCE makes every image new for Bazel's caches and
# BuildKit's. No BUILD files: `bazel run //:gazelle` writes them. DIR/MODULE.bazel
# depends on this checkout's rules_linuxkit (local_path_override), DIR/.bazelrc has
# examples/' flags (so lkpkg's compiles share their cache entries) and imports this
# checkout's .bazelrc.machine; images get no SBOM unless MONOREPO_SBOM=1. An existing DIR loses its pkg/ and top-level files (output base
# and lock file are kept, so reruns reuse fetched repositories).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
[[ $# == 2 || $# == 3 ]] || {
	echo "usage: $0 DIR N [NONCE]" >&2
	exit 2
}
dir=$1 n=$2 nonce=${3:-$(date +%s%N)}
[[ $n =~ ^[1-9][0-9]*$ ]] || {
	echo "$0: N must be a positive integer, got '$n'" >&2
	exit 2
}
mkdir -p "$dir"
rm -rf "${dir}/pkg"

cat >"${dir}/MODULE.bazel" <<MOD
"""A generated monorepo of ${n} LinuxKit packages (bench/monorepo/generate.sh)."""

module(name = "monorepo_bench")

bazel_dep(name = "rules_linuxkit")
local_path_override(
    module_name = "rules_linuxkit",
    path = "${REPO}",
)

bazel_dep(name = "rules_shell", version = "0.4.1")

# lkpkg built from this checkout's Go sources, as examples/ does (a user's module gets the
# prebuilt lkpkg of a release instead); its compile actions are the same as the examples'.
register_toolchains("@rules_linuxkit//rules:lkpkg_toolchain")

bazel_dep(name = "rules_go", version = "0.59.0", repo_name = "io_bazel_rules_go")
bazel_dep(name = "gazelle", version = "0.45.0", repo_name = "bazel_gazelle")

go_sdk = use_extension("@io_bazel_rules_go//go:extensions.bzl", "go_sdk")
go_sdk.host()
MOD
# The Go deps of rules_linuxkit's own module, as examples/MODULE.bazel declares them.
sed -n '/^go_deps = /,$p' "${REPO}/examples/MODULE.bazel" >>"${dir}/MODULE.bazel"

# examples/'s flags: the same configuration, so the same action keys for lkpkg's and
# Gazelle's compiles (disk and remote cache hits after the examples are built).
{
	grep -v '^#' "${REPO}/examples/.bazelrc" | grep .
	# No SBOM scan: the figures are the build graph's (a scan costs seconds per image on
	# top of a trivial build; bench/README.md). MONOREPO_SBOM=1 keeps the default scanner.
	[[ ${MONOREPO_SBOM:-0} == 1 ]] || echo "build --@rules_linuxkit//rules:sbom_scanner_layout=@rules_linuxkit//rules:no_sbom"
	echo "try-import ${REPO}/.bazelrc.machine"
} >"${dir}/.bazelrc"
printf 'bazel-bin\nbazel-out\nbazel-testlogs\nbazel-%s\n' "$(basename "$dir")" >"${dir}/.bazelignore"

cat >"${dir}/BUILD.bazel" <<'BUILD'
load("@bazel_gazelle//:def.bzl", "gazelle", "gazelle_binary")

gazelle_binary(
    name = "gazelle_bin",
    languages = ["@rules_linuxkit//gazelle"],
)

gazelle(
    name = "gazelle",
    gazelle = ":gazelle_bin",
)
BUILD

for ((i = 0; i < n; i++)); do
	p=$(printf 'p%05d' "$i")
	d="${dir}/pkg/${p}"
	mkdir -p "$d"
	{
		echo "image: ${p}"
		echo "org: mono"
		echo "arches:"
		echo "  - amd64"
		(((i / 5) % 5 == 0)) && echo "  - arm64"
		if ((i % 5 > 0)); then
			echo "buildArgs:"
			printf '  - DEP=@lkt:pkg:../p%05d\n' $((i - 1))
		fi
	} >"${d}/build.yml"
	{
		if ((i % 5 > 0)); then
			printf 'ARG DEP\nFROM ${DEP}\n'
		else
			echo "FROM scratch"
		fi
		echo "COPY data.txt /${p}.txt"
	} >"${d}/Dockerfile"
	echo "${p} ${nonce}" >"${d}/data.txt"
done
