#!/usr/bin/env bash
# What a user checks in a package's SBOM: each arch's SPDX document of //hello (its `sbom`
# output group, <arch>.spdx.json) lists the file the Dockerfile copies, usr/bin/hello, with
# the SHA-256 of hello.sh, and the base image's bin/busybox, a different one per arch.
# Arguments: hello.sh, then the documents. The scanner is rules_linuxkit's default, the
# layout scripts/sbom-scanner-setup writes: without it the documents are not built and
# Bazel reports why.
set -euo pipefail
hello_sha256=$(sha256sum "$1" | cut -d' ' -f1)
shift
(($#)) || {
	echo "FAIL: no SPDX document given" >&2
	exit 1
}
fail=0
declare -A seen=()
for doc; do
	arch=$(basename "$doc" .spdx.json)
	# One line per SPDX element (split before each "SPDXID"), then each file's name and
	# SHA-256 on one line: "<name> <sha256>", whichever order the keys come in.
	files=$(tr -d '\n' <"$doc" | sed 's/"SPDXID"/\n&/g' | sed -nE \
		-e 's/.*"algorithm": *"SHA256", *"checksumValue": *"([0-9a-f]{64})".*"fileName": *"\/?([^"]*)".*/\2 \1/p' \
		-e 's/.*"fileName": *"\/?([^"]*)".*"algorithm": *"SHA256", *"checksumValue": *"([0-9a-f]{64})".*/\1 \2/p')
	if ! grep -q '"spdxVersion": *"SPDX-2.3"' "$doc"; then
		echo "FAIL $arch: not an SPDX 2.3 document: $(head -c 200 "$doc")"
		fail=1
		continue
	fi
	echo "$arch: $(wc -l <<<"$files") files with a SHA-256"
	got=$(awk '$1 == "usr/bin/hello" {print $2}' <<<"$files")
	if [[ $got == "$hello_sha256" ]]; then
		echo "ok   $arch: usr/bin/hello, sha256 $got (hello.sh)"
	else
		echo "FAIL $arch: usr/bin/hello: sha256 '${got}', want hello.sh's $hello_sha256"
		fail=1
	fi
	busybox=$(awk '$1 == "bin/busybox" {print $2}' <<<"$files")
	if [[ -z $busybox ]]; then
		echo "FAIL $arch: bin/busybox is not listed"
		fail=1
	elif [[ -n ${seen[$busybox]:-} ]]; then
		# Each arch's image has its own busybox: the same one means the same image was scanned.
		echo "FAIL $arch: bin/busybox has the sha256 of ${seen[$busybox]}'s ($busybox)"
		fail=1
	else
		seen[$busybox]=$arch
		echo "ok   $arch: bin/busybox, sha256 $busybox (the base image's, this arch's own)"
	fi
done
exit $fail
