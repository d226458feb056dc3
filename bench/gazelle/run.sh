#!/bin/sh
# Benchmarks the Gazelle extension: generates a synthetic monorepo of N
# LinuxKit packages (default 5000), then runs a gazelle binary (Gazelle's
# own command with the proto, Go and LinuxKit languages, built with go build)
# over it twice and prints the wall time of the full run and of the
# no-change rerun. The rerun must change nothing (checked with -mode diff).
# Usage: bench/gazelle/run.sh [N]
set -eu
n=${1:-5000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
go build -o "$tmp/gazelle" ./gazelle/cmd/gazelle
go run ./bench/gazelle/gen -n "$n" -out "$tmp/mono"
cd "$tmp/mono"
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
t0=$(now)
"$tmp/gazelle" -repo_root="$tmp/mono"
t1=$(now)
"$tmp/gazelle" -repo_root="$tmp/mono"
t2=$(now)
if ! "$tmp/gazelle" -repo_root="$tmp/mono" -mode diff >"$tmp/diff" 2>&1; then
	echo "the rerun is not idempotent:" >&2
	head -50 "$tmp/diff" >&2
	exit 1
fi
pkgs=$(find . -name build.yml | wc -l)
builds=$(find . -name BUILD.bazel | wc -l)
echo "packages: $pkgs  BUILD files: $builds  cores: $(nproc)"
echo "full run:      $(ms "$t0" "$t1") ms"
echo "no-change run: $(ms "$t1" "$t2") ms"
