# shellcheck shell=bash
# Starts and stops this project's one-machine Buildbarn (see scripts/buildbarn-setup):
# sourced by scripts/remote-execution-test; usable on its own:
#
#   source scripts/buildbarn/services.sh
#   bb_start        # storage, frontend, scheduler, then each pool's runner and worker
#   ...             # bazel build --remote_executor=grpc://127.0.0.1:8980 ...
#   bb_stop         # the processes bb_start started, by pid
#
# Logs: $BB_STATE/logs/<service>.log. Needs $BB (default $CACHE/buildbarn).

BB="${BB:-${RULES_LINUXKIT_CACHE:-/var/cache/rules_linuxkit}/buildbarn}"
BB_STATE="${BB}/state"
BB_PIDS=()

# bb_wait_tcp PORT NAME: waits up to 60 s for 127.0.0.1:PORT to accept connections.
bb_wait_tcp() {
	local port=$1 name=$2 i
	for i in $(seq 600); do
		(exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "buildbarn: ${name} did not listen on 127.0.0.1:${port} within 60 s; see ${BB_STATE}/logs/${name}.log:" >&2
	tail -20 "${BB_STATE}/logs/${name}.log" >&2
	return 1
}

# bb_wait_socket PATH NAME: waits up to 60 s for a unix socket.
bb_wait_socket() {
	local path=$1 name=$2 i
	for i in $(seq 600); do
		[[ -S $path ]] && return 0
		sleep 0.1
	done
	echo "buildbarn: ${name} did not create ${path} within 60 s; see ${BB_STATE}/logs/${name}.log:" >&2
	tail -20 "${BB_STATE}/logs/${name}.log" >&2
	return 1
}

# bb_run NAME BINARY CONFIG: starts one service in $BB_STATE (the configs' relative paths
# and PWD are relative to it), logging to logs/NAME.log.
bb_run() {
	local name=$1 bin=$2 config=$3
	(cd "$BB_STATE" && OS=Linux PWD="$BB_STATE" exec "${BB}/bin/${bin}" "${BB}/config/${config}") \
		>"${BB_STATE}/logs/${name}.log" 2>&1 &
	BB_PIDS+=($!)
}

bb_start() {
	local p port
	for port in 8980 8981 8982 8983 9986 9988; do
		if (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
			echo "buildbarn: 127.0.0.1:${port} is already in use (another Buildbarn running? stop it first)" >&2
			return 1
		fi
	done
	mkdir -p "${BB_STATE}/logs"
	bb_run storage bb_storage storage.jsonnet
	bb_wait_tcp 8981 storage || return 1
	bb_run frontend bb_storage frontend.jsonnet
	bb_run scheduler bb_scheduler scheduler.jsonnet
	bb_wait_tcp 8980 frontend || return 1
	bb_wait_tcp 8983 scheduler || return 1
	for p in plain buildkit; do
		rm -f "${BB_STATE}/worker-${p}/runner"
		bb_run "runner-${p}" bb_runner "runner-${p}.jsonnet"
		bb_wait_socket "${BB_STATE}/worker-${p}/runner" "runner-${p}" || return 1
		bb_run "worker-${p}" bb_worker "worker-${p}.jsonnet"
	done
	bb_wait_tcp 9986 worker-plain || return 1
	bb_wait_tcp 9988 worker-buildkit || return 1
}

bb_stop() {
	local pid
	for pid in "${BB_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${BB_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	BB_PIDS=()
}

# bb_ran POOL: how many actions POOL's worker has run since it started (its Prometheus
# histogram of the "Running" stage, one observation per executed action).
bb_ran() {
	local port
	case $1 in
	plain) port=9986 ;;
	buildkit) port=9988 ;;
	*) return 1 ;;
	esac
	python3 - "$port" <<'PY'
import sys, urllib.request
url = "http://127.0.0.1:%s/metrics" % sys.argv[1]
try:
    text = urllib.request.urlopen(url, timeout=10).read().decode()
except OSError as e:
    sys.exit("buildbarn: %s: %s (is the worker running? see its log in state/logs)" % (url, e))
n = 0
for line in text.splitlines():
    if line.startswith("buildbarn_builder_build_executor_duration_seconds_count{") and 'stage="Running"' in line:
        n += int(float(line.rsplit(" ", 1)[1]))
print(n)
PY
}
