#!/bin/sh
# Benchmarks the Gazelle extension: BenchmarkGazelle (bench_test.go) generates
# a synthetic monorepo of N LinuxKit packages (default 5000), runs Gazelle
# with the proto, Go and LinuxKit languages over it in-process, then reruns
# it over the result, which must change nothing. Prints the wall time of the
# full run and of the no-change rerun.
# Usage: bench/gazelle/run.sh [N]
set -eu
n=${1:-5000}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=$(go test -count=1 -run '^$' -bench '^BenchmarkGazelle$' -benchtime 1x ./bench/gazelle -args -packages "$n") || {
	echo "$out" >&2
	exit 1
}
# A result line: BenchmarkGazelle/full-2  1  1234567 ns/op  5000 packages  5501 BUILD-files
echo "$out" | awk -v cores="$(nproc)" '
	/^BenchmarkGazelle\/full/ {
		for (i = 3; i < NF; i += 2) v[$(i + 1)] = $i
		full = v["ns/op"]; pkgs = v["packages"]; builds = v["BUILD-files"]
	}
	/^BenchmarkGazelle\/no-change/ { nochange = $3 }
	END {
		if (full == "" || nochange == "") { print "bench/gazelle: no benchmark results" > "/dev/stderr"; exit 1 }
		printf "packages: %d  BUILD files: %d  cores: %d\n", pkgs, builds, cores
		printf "full run:      %d ms\n", full / 1e6
		printf "no-change run: %d ms\n", nochange / 1e6
	}'
