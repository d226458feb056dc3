# shellcheck shell=bash
# start_notary DIR PORT: runs a throwaway notary-server (memory storage, its own
# signing keys, a fresh self-signed certificate) on 127.0.0.1:PORT with its files
# in DIR. Sets NOTARY_PID, NOTARY_URL and NOTARY_CA; the caller kills NOTARY_PID.
# Needs scripts/notary-setup to have run.
start_notary() {
	local dir=$1 port=$2 bin
	mkdir -p "$dir"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$dir/server.key" -out "$dir/server.crt" 2>/dev/null
	cat >"$dir/server.json" <<CFG
{"server": {"http_addr": "127.0.0.1:${port}", "tls_key_file": "$dir/server.key", "tls_cert_file": "$dir/server.crt"},
 "trust_service": {"type": "local", "hostname": "", "port": "", "key_algorithm": "ecdsa"},
 "logging": {"level": "warn"}, "storage": {"backend": "memory"}}
CFG
	bin=$(command -v notary-server || find "${RULES_LINUXKIT_CACHE:-/var/cache/rules_linuxkit}"/bin -path "*/notary-*/notary-server" 2>/dev/null | head -1)
	if [[ -z $bin ]]; then
		echo "no notary-server: run scripts/notary-setup" >&2
		return 1
	fi
	"$bin" -config "$dir/server.json" >"$dir/log" 2>&1 &
	NOTARY_PID=$!
	NOTARY_URL="https://127.0.0.1:${port}"
	NOTARY_CA="$dir/server.crt"
	for _ in $(seq 50); do
		curl -fsS --cacert "$NOTARY_CA" "${NOTARY_URL}/_notary_server/health" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$dir/log" >&2
	echo "notary-server did not start on ${NOTARY_URL}" >&2
	return 1
}
