#!/bin/sh
# Benchmarks the Gazelle extension: BenchmarkGazelle (bench_test.go) generates
# a synthetic monorepo of N LinuxKit packages (default 5000) and runs Gazelle
# over it in-process with the languages of //gazelle:gazelle_linuxkit (LinuxKit
# alone; the 1.5 s target is for it) and, on a tree of its own, of the
# reference //gazelle:gazelle_bin (proto, Go and LinuxKit): a full run writing
# every BUILD file, then a rerun over the result, which must change nothing.
# Prints the wall times against the target, the CPU times (steadier than wall
# time on a shared machine) and the ratios to the reference.
# Runs at GOGC=400, the setting gazelle/README.md suggests for large trees
# (env on the gazelle rule); GOGC=100 bench/gazelle/run.sh for Go's default.
# Usage: bench/gazelle/run.sh [N]
set -eu
n=${1:-5000}
export GOGC=${GOGC:-400}
target_ms=1500
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
out=$(go test -count=1 -run '^$' -bench '^BenchmarkGazelle$' -benchtime 1x ./bench/gazelle -args -packages "$n") || {
	echo "$out" >&2
	exit 1
}
# Result lines:
#   BenchmarkGazelle/gazelle_linuxkit/full-2  1  1234567 ns/op  5001 BUILD-files  1100 cpu-ms/op  5000 packages
#   BenchmarkGazelle/gazelle_linuxkit/no-change-2  1  1234567 ns/op  900 cpu-ms/op
echo "$out" | awk -v cores="$(nproc)" -v load="$load" -v target="$target_ms" -v gogc="$GOGC" '
	/^BenchmarkGazelle\// {
		split($1, part, "/"); bin = part[2]; run = part[3]; sub(/-[0-9]+$/, "", run)
		for (i = 3; i < NF; i += 2) v[$(i + 1)] = $i
		ms[bin, run] = v["ns/op"] / 1e6; cpu[bin, run] = v["cpu-ms/op"]
		if (run == "full") { builds[bin] = v["BUILD-files"]; pkgs = v["packages"] }
	}
	function verdict(t) { return t < target ? "under" : "OVER" }
	END {
		lk = "gazelle_linuxkit"; ref = "gazelle_bin"
		if (!((lk, "full") in ms) || !((lk, "no-change") in ms) || !((ref, "full") in ms) || !((ref, "no-change") in ms)) {
			print "bench/gazelle: missing benchmark results" > "/dev/stderr"; exit 1
		}
		printf "packages: %d  cores: %d  GOGC=%s  load average before: %s\n", pkgs, cores, gogc, load
		printf "//gazelle:%s (LinuxKit language only, %d BUILD files): full run %d ms (CPU %d ms), no-change run %d ms (CPU %d ms); target < %d ms: full %s, no-change %s\n",
			lk, builds[lk], ms[lk, "full"], cpu[lk, "full"], ms[lk, "no-change"], cpu[lk, "no-change"], target, verdict(ms[lk, "full"]), verdict(ms[lk, "no-change"])
		printf "//gazelle:%s (proto, Go and LinuxKit, %d BUILD files): full run %d ms (CPU %d ms), no-change run %d ms (CPU %d ms)\n",
			ref, builds[ref], ms[ref, "full"], cpu[ref, "full"], ms[ref, "no-change"], cpu[ref, "no-change"]
		printf "ratio %s/%s: full %.2fx (CPU %.2fx), no-change %.2fx (CPU %.2fx)\n", lk, ref,
			ms[lk, "full"] / ms[ref, "full"], cpu[lk, "full"] / cpu[ref, "full"], ms[lk, "no-change"] / ms[ref, "no-change"], cpu[lk, "no-change"] / cpu[ref, "no-change"]
	}'
