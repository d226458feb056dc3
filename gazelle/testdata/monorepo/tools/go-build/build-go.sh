#!/bin/sh
# Builds the Go command in $1 into /out as a static binary.
set -e
cd "$1"
go build -trimpath -ldflags '-s -w -extldflags -static' -o "/out/$(basename "$1")" .
