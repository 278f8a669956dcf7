#!/usr/bin/env bash
# The Redis Cluster client (src/redis) against a real cluster of Debian's redis-server,
# started and stopped by scripts/redis-cluster.sh (3 masters + 3 replicas on loopback):
# key slots against CLUSTER KEYSLOT, SET/GET on every master, pipelining, a manual slot
# migration (ASK while MIGRATING, MOVED after), the libevent client, a stopped master (SIGSTOP:
# a clear error after retry_ms, the async client served after the failover), and kill -9 of
# a master (recovery time measured, every WAIT-confirmed write read back). docs/redis-cluster.md.
. "$(dirname "$0")/lib.bash"
RC=$S/scripts/redis-cluster.sh
CHECK=$B/redis_cluster_check
export AIOT_REDIS_DIR=$W/redis AIOT_REDIS_NODE_TIMEOUT=1000
trap '"$RC" stop 2>/dev/null || true; cleanup' EXIT

# start: six nodes, the URL as the last line of stdout
"$RC" start >"$W/start.out" 2>"$W/start.err" || { cat "$W/start.err" >&2; exit 1; }
URL=$(tail -1 "$W/start.out")
if [[ "$URL" =~ ^redis-cluster://127\.0\.0\.1:[0-9]+(,127\.0\.0\.1:[0-9]+){5}$ ]]; then
	ok "start prints the store URL last: $URL"
else
	bad "start's last line: '$URL'"
fi
read -r -a PORTS <"$AIOT_REDIS_DIR/ports"
P0=${PORTS[0]}
check "cluster_state" ok "$(redis-cli -p "$P0" cluster info | tr -d '\r' | sed -n 's/^cluster_state://p')"
check "masters with slots" 3 "$(redis-cli -p "$P0" cluster nodes | grep -c 'master.* connected [0-9]')"
check "replicas" 3 "$(redis-cli -p "$P0" cluster nodes | grep -c slave)"
check "6379 not used" "" "$(printf '%s\n' "${PORTS[@]}" | grep -x 6379 || true)"
if "$RC" start >/dev/null 2>"$W/again.err"; then bad "a second start in the same work dir"; else
	ok "a second start in the same work dir is refused: $(tail -1 "$W/again.err")"
fi
if AIOT_REDIS_DIR=$W/redis2 AIOT_REDIS_PORT=$P0 "$RC" start >/dev/null 2>"$W/busy.err"; then
	bad "start on ports in use"
else
	ok "start on ports in use is refused: $(tail -1 "$W/busy.err")"
fi

for step in keyslot basic migrate async stall failover; do
	if "$CHECK" "$URL" "$step" >"$W/$step.out" 2>"$W/$step.err"; then
		while read -r l; do ok "$l"; done < <(sed -n 's/^ok   //p' "$W/$step.out")
	else
		cat "$W/$step.out" "$W/$step.err" >&2
		bad "redis_cluster_check $step"
	fi
done
grep '^recovery_ms' "$W/failover.out" || true

# stop: exactly the nodes start started (the killed master is already gone)
PIDS_BEFORE=$(for p in "${PORTS[@]}"; do cat "$AIOT_REDIS_DIR/$p/redis.pid" 2>/dev/null; echo; done)
"$RC" stop
left=0
for pid in $PIDS_BEFORE; do # a zombie has exited (its parent, pid 1, reaps it when it will)
	st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || true
	[ -n "$st" ] && [ "$st" != Z ] && left=$((left + 1))
done
check "stop: no node left running" 0 "$left"
check "stop: no port left listening" "" "$(for p in "${PORTS[@]}"; do ss -Htln "sport = :$p"; done)"
finish
