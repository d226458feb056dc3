# shellcheck shell=bash
# shellcheck disable=SC2034 # used by the scripts that source this file
# Shared by scripts/bazel and scripts/bazel-setup: where things live, and which Bazel
# is used.

CACHE="${RULES_LINUXKIT_CACHE:-/var/cache/rules_linuxkit}"
CACHE="${CACHE%/}"
# The sid chroot with Bazel in it.
CHROOT_DIR="${CACHE}/chroot/sid"
# Written into the chroot only once it is complete.
CHROOT_MARKER=".rules-linuxkit-ready"
# Bind-mounted into the chroot at the same path, so that paths agree inside and out:
# module copies, Bazel's output user root, the repository and disk caches.
SHARE_DIR="${CACHE}/share"
MODULES_DIR="${SHARE_DIR}/modules"
OUTPUT_USER_ROOT="${SHARE_DIR}/output"

# host_bazel: prints the path of a Bazel 7.x or 8.x on PATH, other than this project's
# wrapper, if there is one that works.
_HOST_BAZEL_DONE=""
_HOST_BAZEL=""
host_bazel() {
	if [[ -z $_HOST_BAZEL_DONE ]]; then
		_HOST_BAZEL_DONE=1
		local self d c out
		self="$(readlink -f "${BASH_SOURCE[0]%/*}/../bazel")"
		local IFS=:
		for d in $PATH; do
			c="${d:-.}/bazel"
			[[ -x $c && ! -d $c ]] || continue
			[[ "$(readlink -f "$c")" != "$self" ]] || continue
			# A wrapper script of ours under another name or in another clone.
			if head -c 4096 "$c" 2>/dev/null | grep -q 'RULES_LINUXKIT_BAZEL_WRAPPER'; then
				continue
			fi
			out="$(cd / && timeout 60 "$c" --version 2>/dev/null </dev/null)" || continue
			if [[ $out =~ ^bazel\ [78]\. ]]; then
				_HOST_BAZEL="$c"
				break
			fi
		done
	fi
	[[ -n $_HOST_BAZEL ]] && printf '%s\n' "$_HOST_BAZEL"
}

# mode: "host" (a suitable bazel on PATH) or "chroot".
mode() {
	case "${RULES_LINUXKIT_BAZEL_MODE:-auto}" in
	host | chroot) printf '%s\n' "$RULES_LINUXKIT_BAZEL_MODE" ;;
	auto)
		if host_bazel >/dev/null; then
			echo host
		else
			echo chroot
		fi
		;;
	*)
		echo "RULES_LINUXKIT_BAZEL_MODE must be auto, host or chroot" >&2
		return 1
		;;
	esac
}

# WORKSPACE mode on a machine with no access to the sites Bazel's WORKSPACE suffix and
# rules_linuxkit_dependencies() download from: Debian's copies (paths in the chroot),
# as --override_repository=NAME=PATH values.
WORKSPACE_DEBIAN_OVERRIDES=(
	"bazel_skylib=/usr/share/bazel/tools/skylib"
	"platforms=/usr/share/bazel/tools/platforms"
	"bazel_features=/usr/share/bazel/tools/features"
	"rules_cc=/usr/share/bazel/rules/cc"
	"rules_java=/usr/share/bazel/rules/java"
	"rules_proto=/usr/share/bazel/rules/proto"
	"rules_license=/usr/share/bazel/rules/license"
	"rules_python=/usr/share/bazel/rules/python"
	"rules_shell=/usr/share/bazel/rules/shell"
)
