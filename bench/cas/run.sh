#!/usr/bin/env bash
# Remote cache economy: what one package costs in a Bazel cache, against the bytes of
# its unique image blobs.
#
#   bench/cas/run.sh [PACKAGE]     (default greeter, in examples/: two arches, FROM hello)
#
# Builds examples/ (the machine's disk cache: Go compiles are hits), adds a new file to
# PACKAGE so that its actions must run again, and rebuilds it with an empty disk cache of
# its own: that cache then holds exactly what the package's actions upload (tag, check,
# per-arch images, index). A disk cache stores each file once by digest, as a remote CAS
# does, so the bytes of its cas/ are what a remote cache would store. Prints
#
#   cas: //greeter: CAS <bytes> (<files> files), AC <bytes>; unique image blobs <bytes>
#        (<n>); ratio CAS/blobs 1.0Nx (target <= 1.10x)
#
# and fails above the target. Needs BuildKit and the registry (scripts/buildkit-setup,
# scripts/registry-setup: hello is FROM the registry's busybox).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
CACHE="${RULES_LINUXKIT_CACHE:-/var/cache/rules_linuxkit}"
export RULES_LINUXKIT_BUILDKIT_DIR="${CACHE}/share/buildkit"
export PATH="/usr/local/go/bin:${PATH}"
BAZEL="${REPO}/scripts/bazel"
PKG="${1:-greeter}"
TARGET="1.10"

die() {
	echo "bench/cas: FAIL: $*" >&2
	exit 1
}
[[ -f "${REPO}/examples/${PKG}/build.yml" ]] || die "examples/${PKG}/build.yml does not exist: give a package of examples/"
# The fresh disk cache lives under $CACHE/share, which scripts/bazel's chroot shows.
FRESH="$(mktemp -d "${CACHE}/share/cas-bench.XXXXXX")"
TOUCHED="${REPO}/examples/${PKG}/.cas-bench-$$"
cleanup() {
	rm -f "$TOUCHED"
	rm -rf "$FRESH"
}
trap cleanup EXIT

"${REPO}/scripts/buildkit-setup" >/dev/null
"${REPO}/scripts/registry-setup" >/dev/null
(cd "$REPO" && go build -o bin/lkpkg ./tools/cmd/lkpkg)
"${REPO}/bin/lkpkg" builder start >/dev/null

cd "${REPO}/examples"
out="${FRESH}/bazel.txt"
# Every output on disk: the second build's actions need the lkpkg binary itself, which
# the empty disk cache cannot give.
"$BAZEL" build "//${PKG}" --remote_download_all >"$out" 2>&1 || {
	tail -30 "$out" >&2
	die "bazel build //${PKG} failed"
}
date +%s%N >"$TOUCHED"
"$BAZEL" build "//${PKG}" --remote_download_all --disk_cache="${FRESH}/disk-cache" >"$out" 2>&1 || {
	tail -30 "$out" >&2
	die "bazel build //${PKG} with an empty disk cache failed"
}
rm -f "$TOUCHED"
grep -E '^INFO: [0-9]+ process' "$out" || true

# sum_sizes: total bytes of the files named on stdin.
sum_sizes() { xargs -r -d '\n' stat -c %s | awk '{s += $1} END {print s + 0}'; }
cas_files=$(find "${FRESH}/disk-cache/cas" -type f | wc -l)
cas_bytes=$(find "${FRESH}/disk-cache/cas" -type f | sum_sizes)
ac_bytes=$(find "${FRESH}/disk-cache/ac" -type f | sum_sizes)
# Every blob of the package's outputs (per-arch build trees, the index action's
# outputs), counted once per digest.
bin="$("$BAZEL" info bazel-bin 2>/dev/null)/${PKG}"
mapfile -t blobs < <(find -L "${bin}/${PKG}.build" "${bin}/${PKG}.lkpkg" -path '*/blobs/sha256/*' -type f | awk -F/ '!seen[$NF]++')
((${#blobs[@]} > 0)) || die "no image blobs under ${bin}/${PKG}.build or ${PKG}.lkpkg"
blob_bytes=$(printf '%s\n' "${blobs[@]}" | sum_sizes)
copies=$(find -L "${bin}/${PKG}.build" "${bin}/${PKG}.lkpkg" -path '*/blobs/sha256/*' -type f | sum_sizes)
ratio=$(echo "scale=3; ${cas_bytes} / ${blob_bytes}" | bc)
printf 'cas: //%s: CAS %d bytes (%d files), AC %d bytes; unique image blobs %d bytes (%d), %d bytes in the output tree; ratio CAS/blobs %.2fx (target <= %sx)\n' \
	"$PKG" "$cas_bytes" "$cas_files" "$ac_bytes" "$blob_bytes" "${#blobs[@]}" "$copies" "$ratio" "$TARGET"
(($(echo "${ratio} <= ${TARGET}" | bc))) || die "//${PKG} stores ${ratio}x its unique blob bytes in the CAS; target <= ${TARGET}x"
