#!/usr/bin/env bash
# Compares hash.Dir with git on a generated ~200 MB / 5,000-file tree and
# prints e.g. "hash: ours 812 MB/s, git 640 MB/s, ratio 1.27x".
# Flags go to the Go program: -files N -mb N -runs N -dir DIR (reuse a tree).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v git >/dev/null || { echo "run.sh: git not on PATH" >&2; exit 1; }
exec go run ./bench/hash "$@"
