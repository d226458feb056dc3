#!/usr/bin/env bash
# Arguments: the lkpkg binary and a linuxkit_pkg's .tag file, with the package's build.yml
# beside it in the runfiles. The tag Bazel's action computed from the declared inputs must
# be what `lkpkg show-tag --hermetic` computes from the source directory's files on disk
# (found through the runfiles' symlinks).
set -euo pipefail
lkpkg=$(readlink -f "$1")
tag_file=$2
build_yml=$(dirname "$tag_file")/build.yml
dir=$(dirname "$(readlink -f "$build_yml")")
got=$(cat "$tag_file")
want=$("$lkpkg" show-tag --hermetic "$dir")
if [[ $got != "$want" ]]; then
	echo "FAIL $dir: Bazel's tag $got, lkpkg show-tag --hermetic $want" >&2
	exit 1
fi
case "$got" in
rules-linuxkit/rules-test:*) ;;
*)
	echo "FAIL: unexpected tag $got" >&2
	exit 1
	;;
esac
echo "ok   $got"
