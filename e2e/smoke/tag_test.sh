#!/usr/bin/env bash
# Arguments: a linuxkit_pkg's .tag file, then every file of its package directory (one
# directory, no subdirectories). The tag must be org/image:<git tree hash of the files>,
# computed here with git itself.
set -euo pipefail
tag_file=$1
shift
command -v git >/dev/null || {
	echo "FAIL: git is not on PATH; it computes the tree hash the tag is checked against" >&2
	exit 1
}
export GIT_DIR="${TEST_TMPDIR:-$(mktemp -d)}/objects.git"
git init -q --bare "$GIT_DIR"
entries=""
for f in "$@"; do
	mode=100644
	[[ -x $f ]] && mode=100755
	entries+="${mode} blob $(git hash-object -w "$f")"$'\t'"$(basename "$f")"$'\n'
done
want="example/smoke:$(printf '%s' "$entries" | git mktree)"
got=$(cat "$tag_file")
if [[ $got != "$want" ]]; then
	echo "FAIL: Bazel's tag $got, git's tree hash gives $want" >&2
	exit 1
fi
echo "ok   $got"
