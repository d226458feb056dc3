#!/usr/bin/env bash
# Scale benchmark: a generated monorepo of N trivial LinuxKit packages
# (bench/monorepo/generate.sh: chains of 5 FROM dependencies, one chain in five two-arch).
#
#   bench/monorepo/run.sh [N]      (default 500; N >= 10; bazel --jobs $MONOREPO_JOBS, default 8)
#
# Times, on a new nonce (so every image is new to Bazel's caches and to BuildKit):
#   gazelle      a full run writing every BUILD file (the binary `bazel run //:gazelle`
#                runs, not Bazel's build of it), then a no-change rerun
#   cold         bazel build //... (Go tools come from the disk cache)
#   no-op        bazel build //... again: 0 actions
#   leaf         a leaf package's file changed: exactly its tag, image and index run
#   root         a chain root's file changed: its tag, and the image and index of it and
#                its 4 dependents, nothing else
#   lkpkg        lkpkg build of every package without Bazel (one process, dependency
#                order), on yet another nonce
# Images get no SBOM attestation (as generate.sh's .bazelrc says) unless MONOREPO_SBOM=1:
# the figures are the build graph's, not the scanner's.
# and prints each figure, the no-op/cold ratio and the targets (gazelle < 1 s, no-op
# < 3 s, leaf < 5 s + its image's build). Fails when an incremental build runs other
# actions than the changed package's and its dependents'. Needs BuildKit
# (scripts/buildkit-setup). Workspace: $CACHE/share/bench/monorepo (kept for reruns).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
HERE="${REPO}/bench/monorepo"
CACHE="${RULES_LINUXKIT_CACHE:-/var/cache/rules_linuxkit}"
export RULES_LINUXKIT_BUILDKIT_DIR="${CACHE}/share/buildkit"
export PATH="/usr/local/go/bin:${PATH}"
BAZEL="${REPO}/scripts/bazel"
N="${1:-500}"
# Image actions mostly wait on BuildKit: more of them than cores keep the daemon busy.
JOBS="${MONOREPO_JOBS:-8}"
[[ $N =~ ^[0-9]+$ ]] && ((N >= 10)) || {
	echo "usage: $0 [N >= 10]" >&2
	exit 2
}
W="${CACHE}/share/bench/monorepo"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

die() {
	echo "bench/monorepo: FAIL: $*" >&2
	exit 1
}
now() { date +%s.%N; }
since() { printf '%.2f' "$(echo "$(now) - $1" | bc)"; }
nonce() { date +%s%N; }
# load: the 1-minute load average (the machine may be shared: figures scale with it).
load() { cut -d' ' -f1 /proc/loadavg; }
pkgname() { printf 'p%05d' "$1"; }
arches() { (((($1 / 5) % 5) == 0)) && echo 2 || echo 1; }

T_ALL=$(now)
"${REPO}/scripts/buildkit-setup" >/dev/null
(cd "$REPO" && go build -o bin/lkpkg ./tools/cmd/lkpkg)
LKPKG="${REPO}/bin/lkpkg"
"$LKPKG" builder start >/dev/null

"${HERE}/generate.sh" "$W" "$N" "$(nonce)"
cd "$W"

# bazel_build NAME: bazel build //... with an execution log; sets SECS and, from the log,
# EXECUTED HITS MNEMONICS PACKAGES BUILD_SECS.
bazel_build() {
	local name=$1 t log="${WORK}/${1}.json" out="${WORK}/${1}.txt"
	t=$(now)
	"$BAZEL" build //... --jobs="$JOBS" --execution_log_json_file="$log" >"$out" 2>&1 || {
		tail -40 "$out" >&2
		die "${name}: bazel build //... failed"
	}
	SECS=$(since "$t")
	read -r EXECUTED HITS MNEMONICS PACKAGES BUILD_SECS < <(python3 "${HERE}/summarize.py" "$log")
	printf '%-8s %8s s: %5d actions executed, %4d cache hits (%s); load %s\n' "$name" "$SECS" "$EXECUTED" "$HITS" "$MNEMONICS" "$(load)"
}

# change I: a new data.txt for package I.
change() { echo "$(pkgname "$1") $(nonce)" >"pkg/$(pkgname "$1")/data.txt"; }

# expect NAME FIRST LAST: packages FIRST..LAST (one chain's tail) and nothing else ran:
# FIRST's tag, and the images and indexes of FIRST..LAST.
expect() {
	local name=$1 first=$2 last=$3 i builds=0 pkgs=()
	for ((i = first; i <= last; i++)); do
		builds=$((builds + $(arches "$i")))
		pkgs+=("//pkg/$(pkgname "$i")")
	done
	local want_m="LinuxkitBuild=${builds},LinuxkitIndex=$((last - first + 1)),LinuxkitTag=1"
	local want_p
	want_p=$(IFS=,; echo "${pkgs[*]}")
	[[ $MNEMONICS == "$want_m" ]] || die "${name}: executed ${MNEMONICS}; want ${want_m}"
	[[ $PACKAGES == "$want_p" ]] || die "${name}: actions ran in ${PACKAGES}; want ${want_p}"
}

echo "=== monorepo of ${N} packages in ${W}"
# The gazelle binary that `bazel run //:gazelle` runs, timed on its own (the runner
# script only adds -repo_root).
"$BAZEL" build //:gazelle_bin >"${WORK}/gazelle-build.txt" 2>&1 || {
	tail -30 "${WORK}/gazelle-build.txt" >&2
	die "building //:gazelle_bin failed"
}
GAZELLE_BIN="${W}/$("$BAZEL" cquery --output=files //:gazelle_bin 2>/dev/null | head -1)"
[[ -x $GAZELLE_BIN ]] || die "no gazelle binary at ${GAZELLE_BIN}"
t=$(now)
"$GAZELLE_BIN" -repo_root="$W" >"${WORK}/gazelle.txt" 2>&1 || {
	cat "${WORK}/gazelle.txt" >&2
	die "gazelle failed"
}
GAZELLE=$(since "$t")
written=$(find pkg -name BUILD.bazel | wc -l)
((written == N)) || die "gazelle wrote ${written} BUILD files; want ${N}"
t=$(now)
"$GAZELLE_BIN" -repo_root="$W" -mode=diff >"${WORK}/gazelle.txt" 2>&1 || {
	cat "${WORK}/gazelle.txt" >&2
	die "gazelle's rerun would change BUILD files"
}
GAZELLE_NOOP=$(since "$t")
echo "gazelle  ${GAZELLE} s: full run, ${written} BUILD files; no-change rerun ${GAZELLE_NOOP} s; load $(load)"

bazel_build cold
COLD=$SECS COLD_N=$EXECUTED
want=0
for ((i = 0; i < N; i++)); do want=$((want + $(arches "$i"))); done
[[ $MNEMONICS == *"LinuxkitBuild=${want},"* ]] || die "cold: ${MNEMONICS}; want LinuxkitBuild=${want}"

bazel_build no-op
NOOP=$SECS
((EXECUTED == 0)) || die "no-op: ${EXECUTED} actions executed (${MNEMONICS})"

LEAF_I=9  # the end of the second chain (one arch): nothing depends on it
change "$LEAF_I"
bazel_build leaf
LEAF=$SECS LEAF_BUILD=$BUILD_SECS LEAF_N=$EXECUTED
expect leaf "$LEAF_I" "$LEAF_I"

ROOT_I=5  # the start of the second chain: 4 packages depend on it
change "$ROOT_I"
bazel_build root
ROOT=$SECS ROOT_N=$EXECUTED
expect root "$ROOT_I" $((ROOT_I + 4))

# Without Bazel: every package in one lkpkg build, on a new nonce (cold for BuildKit too).
n2=$(nonce)
for ((i = 0; i < N; i++)); do echo "$(pkgname "$i") ${n2}" >"pkg/$(pkgname "$i")/data.txt"; done
t=$(now)
sbom=(--no-sbom)
[[ ${MONOREPO_SBOM:-0} != 1 ]] || sbom=()
"$LKPKG" build "${sbom[@]}" --progress quiet --output-dir "${WORK}/lkpkg-out" pkg/p* >"${WORK}/lkpkg.txt" 2>&1 || {
	tail -30 "${WORK}/lkpkg.txt" >&2
	die "lkpkg build of the ${N} packages failed"
}
LKPKG_SECS=$(since "$t")
echo "lkpkg    ${LKPKG_SECS} s: lkpkg build of the ${N} packages, no Bazel; load $(load)"
"$BAZEL" shutdown >/dev/null 2>&1 || true

ratio() { printf '%.3f' "$(echo "scale=6; $1 / $2" | bc)"; }
echo
printf 'monorepo N=%d: gazelle %s s (target < 1 s), rerun %s s; bazel cold %s s (%d actions), no-op %s s (target < 3 s), no-op/cold %s; leaf %s s (%d actions; its image %s s; target < 5 s + that), root %s s (%d actions, 5 packages); lkpkg build %s s, bazel cold/lkpkg %s; %s s in all, load average %s\n' \
	"$N" "$GAZELLE" "$GAZELLE_NOOP" "$COLD" "$COLD_N" "$NOOP" "$(ratio "$NOOP" "$COLD")" "$LEAF" "$LEAF_N" "$LEAF_BUILD" \
	"$ROOT" "$ROOT_N" "$LKPKG_SECS" "$(ratio "$COLD" "$LKPKG_SECS")" "$(since "$T_ALL")" "$(cut -d' ' -f1-3 /proc/loadavg)"
