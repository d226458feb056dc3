#!/usr/bin/env bash
# What a user checks in a package's SBOM: each arch's SPDX document of //hello (its `sbom`
# output group, <arch>.spdx.json) lists the file the Dockerfile copies, usr/bin/hello, with
# the SHA-256 of hello.sh, and the base image's bin/busybox. Arguments: hello.sh, then the
# documents. The scanner is rules_linuxkit's default, the layout scripts/sbom-scanner-setup
# writes: without it the documents are not built and Bazel reports why.
set -euo pipefail
hello_sha256=$(sha256sum "$1" | cut -d' ' -f1)
shift
(($#)) || {
	echo "FAIL: no SPDX document given" >&2
	exit 1
}
fail=0
for doc; do
	arch=$(basename "$doc" .spdx.json)
	# One JSON value per line whatever the document's layout, then each file's name and
	# SHA-256 on one line: "<name> <sha256>".
	files=$(tr -d '\n' <"$doc" | sed 's/"fileName"/\n&/g' | sed -nE \
		'/^"fileName"/{s/^"fileName": *"\/?([^"]*)".*"algorithm": *"SHA256", *"checksumValue": *"([0-9a-f]{64})".*/\1 \2/p}')
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
	if grep -q '^bin/busybox [0-9a-f]' <<<"$files"; then
		echo "ok   $arch: bin/busybox (the base image)"
	else
		echo "FAIL $arch: bin/busybox is not listed"
		fail=1
	fi
done
exit $fail
