#!/usr/bin/env bash
# The tag Bazel computes from a package's declared inputs (<pkg>.tag) must be the tag
# `lkpkg show-tag` computes from git, i.e. from `git rev-parse HEAD:<dir>`, for every
# committed package. Arguments: the lkpkg binary, then .tag files (each with its
# package's build.yml beside it in the runfiles).
# Runs against the real source tree (found through the runfiles' symlinks) and is tagged
# "external" so that it reruns after each commit. A package with uncommitted changes
# is reported and skipped: git's tag for it has a -dirty suffix by design.
set -euo pipefail
lkpkg=$(readlink -f "$1")
shift
fail=0 checked=0
while (($#)); do
	tag_file=$1 build_yml=$(dirname "$1")/build.yml
	shift
	dir=$(dirname "$(readlink -f "$build_yml")")
	got=$(cat "$tag_file")
	if ! git -C "$dir" rev-parse --git-dir >/dev/null 2>&1; then
		echo "SKIP $got: $dir is not in a git checkout"
		continue
	fi
	tree=$(git -C "$dir" rev-parse HEAD:./)
	want=$("$lkpkg" show-tag "$dir")
	case "$want" in
	*-dirty-*)
		echo "SKIP $got: $dir has uncommitted changes (git says $want)"
		continue
		;;
	esac
	checked=$((checked + 1))
	if [[ $got != "$want" || $got != *"$tree"* ]]; then
		echo "FAIL $dir: Bazel's tag $got, lkpkg show-tag (git) $want, git tree $tree"
		fail=1
	else
		echo "ok   $got (git tree $tree)"
	fi
done
if ((checked == 0)); then
	echo "no committed package to compare: commit the examples first" >&2
	exit 1
fi
exit $fail
