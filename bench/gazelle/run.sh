#!/bin/sh
# Benchmarks the Gazelle extension: BenchmarkGazelle (bench_test.go) generates
# a synthetic monorepo of N LinuxKit packages (default 5000) and runs Gazelle
# over it in-process with the languages of //gazelle:gazelle_linuxkit (LinuxKit
# alone; the 1.5 s target is for it) and, on a tree of its own, of the
# reference //gazelle:gazelle_bin (proto, Go and LinuxKit): a full run writing
# every BUILD file, then a rerun over the result, which must change nothing.
#
# Each run is a process of its own, as each `bazel run //:gazelle` is (a fresh
# heap to fault in; a run after others in one process is faster than any user
# sees), on a tree kept between the two processes. RUNS samples of each (default
# 5; the reference once), and the medians are what count: on these shared
# machines one run can take twice another.
#
# Next to each full run, the same BUILD files are written into a fresh copy of
# the tree with plain os.WriteFile: the kernel's cost of creating them, which
# no Gazelle can go under here ("write floor").
#
# Prints the wall times against the target, the CPU times (steadier than wall
# time on a shared machine) and the ratios to the reference. Runs at GOGC=400,
# the setting gazelle/README.md suggests for large trees (env on the gazelle
# rule); GOGC=100 bench/gazelle/run.sh for Go's default.
# Usage: [RUNS=5] bench/gazelle/run.sh [N]
set -eu
n=${1:-5000}
runs=${RUNS:-5}
export GOGC=${GOGC:-400}
target_ms=1500
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
go test -c -o "$tmp/bench.test" ./bench/gazelle
# one PATTERN: one process running the benchmarks that match PATTERN.
one() {
	(cd bench/gazelle && "$tmp/bench.test" -test.run '^$' -test.bench "$1" -test.benchtime 1x -packages "$n" -tree "$tmp/trees") >"$tmp/out" 2>&1 || {
		cat "$tmp/out" >&2
		exit 1
	}
	grep '^BenchmarkGazelle/' "$tmp/out" >>"$tmp/results"
}
: >"$tmp/results"
for bin in gazelle_bin gazelle_linuxkit; do
	samples=$runs
	[ "$bin" = gazelle_bin ] && samples=1
	i=0
	while [ "$i" -lt "$samples" ]; do
		one "^BenchmarkGazelle\$/^$bin\$/^full\$"
		one "^BenchmarkGazelle\$/^$bin\$/^no-change\$"
		i=$((i + 1))
	done
done
# Result lines:
#   BenchmarkGazelle/gazelle_linuxkit/full-2  1  1234567 ns/op  5001 BUILD-files  1100 cpu-ms/op  5000 packages  800 write-floor-ms/op
#   BenchmarkGazelle/gazelle_linuxkit/no-change-2  1  1234567 ns/op  900 cpu-ms/op
awk -v cores="$(nproc)" -v load="$load" -v target="$target_ms" -v gogc="$GOGC" '
	{
		split($1, part, "/"); bin = part[2]; run = part[3]; sub(/-[0-9]+$/, "", run)
		for (i = 3; i < NF; i += 2) v[$(i + 1)] = $i
		k = ++count[bin, run]
		ms[bin, run, k] = v["ns/op"] / 1e6; cpu[bin, run, k] = v["cpu-ms/op"]
		if (run == "full") { floor[bin, k] = v["write-floor-ms/op"]; builds[bin] = v["BUILD-files"]; pkgs = v["packages"] }
	}
	# median of the c values a[key, 1..c]
	function median(a, key, c,    i, j, t, s) {
		for (i = 1; i <= c; i++) s[i] = a[key, i]
		for (i = 2; i <= c; i++) for (j = i; j > 1 && s[j - 1] > s[j]; j--) { t = s[j]; s[j] = s[j - 1]; s[j - 1] = t }
		return c % 2 ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
	}
	function list(a, key, c,    i, out) {
		for (i = 1; i <= c; i++) out = out (i > 1 ? ", " : "") sprintf("%d", a[key, i])
		return out
	}
	function verdict(t) { return t < target ? "under" : "OVER" }
	END {
		lk = "gazelle_linuxkit"; ref = "gazelle_bin"
		if (!count[lk, "full"] || !count[lk, "no-change"] || !count[ref, "full"] || !count[ref, "no-change"]) {
			print "bench/gazelle: missing benchmark results" > "/dev/stderr"; exit 1
		}
		c = count[lk, "full"]
		full = median(ms, lk SUBSEP "full", c); fullcpu = median(cpu, lk SUBSEP "full", c)
		nc = median(ms, lk SUBSEP "no-change", count[lk, "no-change"]); nccpu = median(cpu, lk SUBSEP "no-change", count[lk, "no-change"])
		fl = median(floor, lk, c)
		printf "packages: %d  cores: %d  GOGC=%s  load average before: %s  runs: %d, each in a process of its own\n", pkgs, cores, gogc, load, c
		printf "//gazelle:%s (LinuxKit language only, %d BUILD files), medians: full run %d ms (CPU %d ms), no-change run %d ms (CPU %d ms); target < %d ms: full %s, no-change %s\n",
			lk, builds[lk], full, fullcpu, nc, nccpu, target, verdict(full), verdict(nc)
		printf "  full runs: %s ms; no-change runs: %s ms\n", list(ms, lk SUBSEP "full", c), list(ms, lk SUBSEP "no-change", count[lk, "no-change"])
		printf "  write floor (the same %d files written with os.WriteFile into a fresh copy of the tree): %s ms, median %d ms; full run less the floor: %d ms\n",
			builds[lk], list(floor, lk, c), fl, full - fl
		printf "//gazelle:%s (proto, Go and LinuxKit, %d BUILD files): full run %d ms (CPU %d ms), no-change run %d ms (CPU %d ms)\n",
			ref, builds[ref], ms[ref, "full", 1], cpu[ref, "full", 1], ms[ref, "no-change", 1], cpu[ref, "no-change", 1]
		printf "ratio %s (median)/%s: full %.2fx (CPU %.2fx), no-change %.2fx (CPU %.2fx)\n", lk, ref,
			full / ms[ref, "full", 1], fullcpu / cpu[ref, "full", 1], nc / ms[ref, "no-change", 1], nccpu / cpu[ref, "no-change", 1]
	}' "$tmp/results"
