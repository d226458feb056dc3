#!/usr/bin/env bash
# Overhead of `lkpkg build` over raw BuildKit (`buildctl build` of the same Dockerfile with
# the same options, same daemon), for a cold build (cache pruned before each run) and a
# cached one; the two are run interleaved and compared by their medians. Prints e.g.
#   build overhead: cold 0.98x (lkpkg 1.02s, buildctl 1.04s), cached 1.08x (...); target <= 1.10
# Needs root and scripts/buildkit-setup. Extra args go to `go test` (default -benchtime 10x).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:${PATH}"
args=("$@")
[[ ${#args[@]} -gt 0 ]] || args=(-benchtime 10x)
out="$(go test -run '^$' -bench BenchmarkOverhead "${args[@]}" ./bench/build 2>&1 | grep -v 'level=')" || {
	echo "$out" >&2
	exit 1
}
echo "$out" | grep -E '^Benchmark' >&2 || true
echo "$out" | awk '
	/^BenchmarkOverhead\// {
		split($1, p, "/"); mode = p[2]; sub(/-[0-9]+$/, "", mode)
		for (i = 3; i < NF; i += 2) {
			if ($(i + 1) == "buildctl-ns") t[mode "/buildctl"] = $i / 1e9
			if ($(i + 1) == "lkpkg-ns") t[mode "/lkpkg"] = $i / 1e9
		}
	}
	END {
		if (!(("cold/lkpkg") in t) || !(("cached/buildctl") in t)) { print "run.sh: no results" > "/dev/stderr"; exit 1 }
		printf "build overhead: cold %.2fx (lkpkg %.2fs, buildctl %.2fs), cached %.2fx (lkpkg %.3fs, buildctl %.3fs); target <= 1.10\n",
			t["cold/lkpkg"] / t["cold/buildctl"], t["cold/lkpkg"], t["cold/buildctl"],
			t["cached/lkpkg"] / t["cached/buildctl"], t["cached/lkpkg"], t["cached/buildctl"]
	}'
