#!/usr/bin/env bash
# Arguments: the lkpkg binary, a linuxkit_pkg's .tag file (with the package's build.yml
# beside it in the runfiles) and the prefix the tag must start with (org/image:, from
# build.yml). The tag Bazel's action computed from the declared inputs must be what
# `lkpkg show-tag --hermetic` computes from the source directory's files on disk
# (found through the runfiles' symlinks).
set -euo pipefail
lkpkg=$(readlink -f "$1")
tag_file=$2
prefix=$3
build_yml=$(dirname "$tag_file")/build.yml
dir=$(dirname "$(readlink -f "$build_yml")")
got=$(cat "$tag_file")
want=$("$lkpkg" show-tag --hermetic "$dir")
if [[ $got != "$want" ]]; then
	echo "FAIL $dir: Bazel's tag $got, lkpkg show-tag --hermetic $want" >&2
	exit 1
fi
if [[ $got != "$prefix"* ]]; then
	echo "FAIL $dir: tag $got does not start with $prefix (build.yml's org/image and tag)" >&2
	exit 1
fi
echo "ok   $got"
