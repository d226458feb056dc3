#!/bin/sh
# Regenerates gazelle/testdata/*/**/BUILD.out, expectedStderr.txt and
# expectedExitCode.txt from the current code. Review the diff before
# committing. Usage: gazelle/update_goldens.sh [case...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here" && go build -o "$tmp/gazelle" ./cmd/gazelle)
cd "$here/testdata"
cases=${*:-$(ls)}
for c in $cases; do
	rm -rf "$tmp/ws"
	cp -r "$c" "$tmp/ws"
	find "$tmp/ws" -name '*.out' -delete
	find "$tmp/ws" -name '*.in' | while read -r f; do mv "$f" "${f%.in}.bazel"; done
	args=""
	[ -f "$c/arguments.txt" ] && args=$(cat "$c/arguments.txt")
	set +e
	(cd "$tmp/ws" && BUILD_WORKSPACE_DIRECTORY="$tmp/ws" "$tmp/gazelle" $args >"$tmp/stdout" 2>"$tmp/stderr")
	code=$?
	set -e
	sed "s#$tmp/ws#%WORKSPACEPATH%#g" "$tmp/stderr" >"$c/expectedStderr.txt"
	[ -s "$c/expectedStderr.txt" ] || rm -f "$c/expectedStderr.txt"
	if [ "$code" != 0 ]; then echo "$code" >"$c/expectedExitCode.txt"; else rm -f "$c/expectedExitCode.txt"; fi
	(cd "$tmp/ws" && find . -name BUILD.bazel) | while read -r f; do
		cp "$tmp/ws/$f" "$c/${f%.bazel}.out"
	done
	echo "updated $c (exit $code)"
done
