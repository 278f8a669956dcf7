# Shared by the integration tests (sourced). Real processes on loopback, no mocks.
# Each test gets: $1 = build dir, $2 = source dir.
set -euo pipefail
B=$(cd "$1" && pwd)
S=$(cd "$2" && pwd)
AIOT=$B/aiot
W=$(mktemp -d /tmp/aiot-it.XXXXXX)
PIDS=()
FAILS=0
# 1 when the programs are built with AddressSanitizer (make test-asan): several times slower,
# so the tests that wait on a simulated radio give it more time there (never fewer checks).
SANITIZED=0
if [ "$(nm "$AIOT" 2>/dev/null | grep -c __asan_init)" -gt 0 ]; then SANITIZED=1; fi
CHECKS=0

cleanup() {
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ "$FAILS" -ne 0 ] || [ "${KEEP:-}" = 1 ]; then echo "work dir kept: $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT

# The device store of an ADM test: sqlite:$W/adm.db, or with AIOT_IT_STORE=redis-cluster (the
# it_*_redis tests) a Redis Cluster of the test's own (scripts/redis-cluster.sh, stopped at
# exit). Sets STORE, and REDIS=1 on the cluster (checks of SQLite's files are skipped there).
it_store() {
	REDIS=0
	STORE=sqlite:$W/adm.db
	[ "${AIOT_IT_STORE:-sqlite}" = redis-cluster ] || return 0
	export AIOT_REDIS_DIR=$W/redis
	trap '"$S/scripts/redis-cluster.sh" stop 2>/dev/null || true; cleanup' EXIT
	"$S/scripts/redis-cluster.sh" start >"$W/redis-start.out" 2>"$W/redis-start.err" ||
		{ cat "$W/redis-start.err" >&2; exit 1; }
	STORE="$(tail -1 "$W/redis-start.out")?ns=it"
	REDIS=1
	echo "store: $STORE"
}

ok() { CHECKS=$((CHECKS + 1)); echo "ok   $*"; }
bad() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL $*" >&2; }
# check NAME EXPECTED ACTUAL
check() { if [ "$2" == "$3" ]; then ok "$1"; else bad "$1: expected '$2', got '$3'"; fi; }
finish() {
	echo "$(basename "$0"): $CHECKS checks, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}

# Start a daemon that logs "listening on ADDR:PORT"; sets PORT (and MPORT if it logs a
# metrics port) and LASTPID. usage: start_daemon LOGFILE cmd args...
start_daemon() {
	local log=$1; shift
	"$@" 2>"$log" &
	LASTPID=$!
	PIDS+=("$LASTPID")
	# With --metrics, its port is logged after "listening on": wait for both lines.
	local want="listening on"
	case " $* " in *" --metrics "*) want="metrics on port" ;; esac
	for _ in $(seq 1 100); do
		if grep -q "listening on" "$log" && grep -q "$want" "$log"; then
			PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\).*/\1/p' "$log" | head -1)
			MPORT=$(sed -n 's/.*metrics on port \([0-9]*\).*/\1/p' "$log" | head -1)
			return 0
		fi
		kill -0 "$LASTPID" 2>/dev/null || { cat "$log" >&2; return 1; }
		sleep 0.1
	done
	cat "$log" >&2
	return 1
}

# curl over h2c with prior knowledge; prints "STATUS BODY" (body on one line)
h2post() { # url json [content-type]
	curl -sS --http2-prior-knowledge -o "$W/body" -w '%{http_code}' -X POST \
		-H "content-type: ${3:-application/json}" --data-binary "$2" "$1"
	echo " $(cat "$W/body")"
}
rand16() { openssl rand -hex 16; }
urlenc() { jq -rn --arg s "$1" '$s|@uri'; }
