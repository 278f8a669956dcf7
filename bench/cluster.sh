#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# make bench, section cluster (issue 17 item 8): aiot-adm on Redis Cluster against aiot-adm on
# SQLite, on one machine: get-authentication req/s (h2load, as section adm) with one ADM on
# SQLite, one on the cluster and two on the cluster; T-ID rotations and DO-A registrations per
# second (build/adm_load); the failover time (kill -9 of a master under that load: the first
# 2xx write on its shard); RSS per device. The cluster: scripts/redis-cluster.sh with 2 replicas
# per master (so that writes WAITing for one replica go on after a failover), the store
# ?wait=1.
#
#   bash bench/cluster.sh [quick]     (prints a Markdown section; progress on stderr)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${AIOT_BUILD:-$ROOT/build}
QUICK=${1:-}
W=$(mktemp -d /tmp/aiot-bench-cluster.XXXXXX)
export AIOT_REDIS_DIR=$W/redis AIOT_REDIS_NODE_TIMEOUT=1000 AIOT_REDIS_REPLICAS=2
RC=$ROOT/scripts/redis-cluster.sh
PIDS=()
cleanup() {
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	"$RC" stop 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
source tests/integration/cluster_lib.bash
exec 3>&2 # the commands shown on stderr even when a run's own stderr goes to a file
run() { echo "+ $*" >&3; "$@"; }
N=${QUICK:+20000}; N=${N:-100000}       # h2load requests
SECS=${QUICK:+3}; SECS=${SECS:-10}      # adm_load seconds
NBIG=${QUICK:+20000}; NBIG=${NBIG:-100000} # devices for the RSS figure
h2rate() { sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' "$1"; }
h2ok() { sed -n 's/.*status codes: \([0-9]*\) 2xx.*/\1/p' "$1"; }
field() { awk -v k="$1" '$1 == k {print $2}' "$2"; }

start_adm() { # log store kek -> ADM_PID ADM_PORT
	"$B/aiot-adm" --listen 127.0.0.1:0 --store "$2" --kek-file "$3" --workers 2 2>"$1" &
	ADM_PID=$!
	PIDS+=($ADM_PID)
	for _ in $(seq 1 600); do
		grep -q "listening on" "$1" && break
		kill -0 $ADM_PID 2>/dev/null || break
		sleep 0.1
	done
	ADM_PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\).*/\1/p' "$1" | head -1)
	[ -n "$ADM_PORT" ] || { echo "aiot-adm did not start:" >&2; cat "$1" >&2; exit 1; }
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
rss() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }

echo "== cluster" >&2
"$RC" start >"$W/start.out" 2>"$W/start.err" || { cat "$W/start.err" >&2; exit 1; }
URL=$(tail -1 "$W/start.out")
KEK=$W/kek
prov() { # store count out
	"$B/aiot" provision --store "$1" --kek-file "$KEK" --count "$2" --privacy --group bench \
		--out "$3" 2>>"$W/prov.log"
}
CL="$URL?ns=bench&wait=1"
prov "sqlite:$W/adm.db" 10000 "$W/sq.jsonl"
prov "$CL" 10000 "$W/cl.jsonl"

# --- get-authentication: one device, one RAND_d (the hot path reads only the ADM's cache) ---
auth_body() { # devices.jsonl -> file
	printf '{"aiotDevPermId":"%s","randN":"%s","randDlist":["%s"]}' \
		"$(head -1 "$1" | jq -r .aiotDevPermId)" "$(openssl rand -hex 16)" "$(openssl rand -hex 16)" >"$2"
}
h2() { # body port out
	run h2load -n $N -c 8 -m 32 -d "$1" -H 'content-type: application/json' \
		"http://127.0.0.1:$2/nadm-sec/v1/get-authentication" >"$3" 2>&1
}
auth_body "$W/sq.jsonl" "$W/sq.json"
auth_body "$W/cl.jsonl" "$W/cl.json"
start_adm "$W/adm-sq.log" "sqlite:$W/adm.db" "$KEK"
SQ=$ADM_PORT SQPID=$ADM_PID
h2 "$W/sq.json" $SQ "$W/h2-sq.txt"
start_adm "$W/adm-c1.log" "$CL" "$KEK"
C1=$ADM_PORT C1PID=$ADM_PID
h2 "$W/cl.json" $C1 "$W/h2-c1.txt"
# Two ADM instances on the one store, each under its own h2load, at once.
start_adm "$W/adm-c2.log" "$CL" "$KEK"
C2=$ADM_PORT C2PID=$ADM_PID
h2 "$W/cl.json" $C1 "$W/h2-2a.txt" &
H2A=$!
h2 "$W/cl.json" $C2 "$W/h2-2b.txt"
wait $H2A
stop_pid $C2PID
rsq=$(h2rate "$W/h2-sq.txt"); rc1=$(h2rate "$W/h2-c1.txt")
r2a=$(h2rate "$W/h2-2a.txt"); r2b=$(h2rate "$W/h2-2b.txt")
r2=$(awk -v a="$r2a" -v b="$r2b" 'BEGIN {printf "%.2f", a + b}')
ok2=$(($(h2ok "$W/h2-2a.txt") + $(h2ok "$W/h2-2b.txt")))

# --- writes: T-ID rotations (get-session-key + get-tid), DO-A registrations ------------------
load() { # port devices ops out
	run "$B/adm_load" --devices "$2" --seconds $SECS --inflight 32 --ops "$3" \
		"http://127.0.0.1:$1" >"$4" 2>&1 || { cat "$4" >&2; exit 1; }
}
load $SQ "$W/sq.jsonl" tid "$W/tid-sq.txt"
load $C1 "$W/cl.jsonl" tid "$W/tid-c1.txt"
load $SQ "$W/sq.jsonl" doa "$W/doa-sq.txt"
load $C1 "$W/cl.jsonl" doa "$W/doa-c1.txt"
stop_pid $SQPID

# --- failover: kill -9 the master of the first device's slot under that load -----------------
mapfile -t SLOTS < <(rc_dev_slots bench "$W/cl.jsonl")
KM=$(rc_master_of "${SLOTS[0]}")
SHARD=$(rc_shard "$KM" "${SLOTS[@]}")
run "$B/adm_load" --devices "$W/cl.jsonl" --seconds $((SECS < 8 ? 8 : SECS)) --inflight 32 \
	--log "$W/fo.log" "http://127.0.0.1:$C1" >"$W/fo.txt" 2>&1 &
LP=$!
sleep 2
kill -9 "$(rc_pid "$KM")"
KILL_MS=$(rc_now_ms)
wait $LP || { cat "$W/fo.txt" >&2; exit 1; }
FO=$(rc_recovery_ms "$W/fo.log" "$KILL_MS" "$SHARD")
FO5=$(awk '$5 ~ /^5/' "$W/fo.log" | wc -l)
FOMAX=$(sed -n 's/.*max latency \([0-9]*\) ms/\1/p' "$W/fo.txt")
run "$B/adm_load" --check "$W/fo.log" --devices "$W/cl.jsonl" "http://127.0.0.1:$C1" >"$W/fo-check.txt" 2>&1 ||
	{ cat "$W/fo-check.txt" >&2; exit 1; }
stop_pid $C1PID

# --- RSS per device: an ADM with NBIG devices minus one with 1, on each store ---------------
prov "sqlite:$W/one.db" 1 "$W/one-sq.jsonl"
prov "sqlite:$W/big.db" $NBIG "$W/big-sq.jsonl"
prov "$URL?ns=one&wait=1" 1 "$W/one-cl.jsonl"
prov "$URL?ns=big&wait=1" $NBIG "$W/big-cl.jsonl"
rss_of() { # store devices.jsonl -> KiB after a short get-authentication run
	start_adm "$W/adm-rss.log" "$1" "$KEK"
	auth_body "$2" "$W/rss.json"
	h2load -n 10000 -c 8 -m 32 -d "$W/rss.json" -H 'content-type: application/json' \
		"http://127.0.0.1:$ADM_PORT/nadm-sec/v1/get-authentication" >/dev/null 2>&1
	rss $ADM_PID
	stop_pid $ADM_PID
}
per() { awk -v a="$1" -v b="$2" -v n=$NBIG 'BEGIN {printf "%.0f", (b - a) * 1024 / (n - 1)}'; }
ps1=$(rss_of "sqlite:$W/one.db" "$W/one-sq.jsonl"); psb=$(rss_of "sqlite:$W/big.db" "$W/big-sq.jsonl")
pc1=$(rss_of "$URL?ns=one" "$W/one-cl.jsonl"); pcb=$(rss_of "$URL?ns=big" "$W/big-cl.jsonl")

pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f%%", 100 * a / b}'; }
cat <<EOF
A Redis Cluster of 3 masters with 2 replicas each (\`AIOT_REDIS_REPLICAS=2 scripts/redis-cluster.sh start\`, nine \`redis-server\` on loopback, \`cluster-node-timeout\` 1000 ms), the store \`redis-cluster://...?wait=1\` (a write is answered once one replica has it); 10,000 devices in each store; \`aiot-adm --workers 2\`. **The machine has $(nproc) cores for everything**: h2load, the ADMs and the nine Redis nodes compete for them, so two ADMs cannot double one's rate here, and the cluster's writes pay for three processes per shard on the same cores.

| get-authentication (\`h2load -n $N -c 8 -m 32\`, one device, one RAND_d) | req/s | 2xx |
|---|---|---|
| one ADM on SQLite | $rsq | $(h2ok "$W/h2-sq.txt")/$N |
| one ADM on the cluster | $rc1 | $(h2ok "$W/h2-c1.txt")/$N |
| two ADMs on the cluster, two h2load at once (sum) | $r2 ($r2a + $r2b) | $ok2/$((2 * N)) |
| **one ADM on the cluster / SQLite** | **$(pct "$rc1" "$rsq")** (goal ≥ 80%) | |

| writes (\`build/adm_load --seconds $SECS --inflight 32\`, 10,000 devices) | SQLite | cluster | cluster / SQLite |
|---|---|---|---|
| T-ID rotations/s (get-session-key + get-tid, each acknowledged) | $(field tid_rotations_per_s "$W/tid-sq.txt") | $(field tid_rotations_per_s "$W/tid-c1.txt") | $(pct "$(field tid_rotations_per_s "$W/tid-c1.txt")" "$(field tid_rotations_per_s "$W/tid-sq.txt")") |
| DO-A registrations/s (get-doa-authentication, a fresh RAND_d) | $(field doa_per_s "$W/doa-sq.txt") | $(field doa_per_s "$W/doa-c1.txt") | $(pct "$(field doa_per_s "$W/doa-c1.txt")" "$(field doa_per_s "$W/doa-sq.txt")") |

| failover (\`kill -9\` of the master serving $(echo $SHARD | wc -w) of the devices, under the DO-A + T-ID load) | value |
|---|---|
| kill → first 2xx write sent after it to that shard | **${FO:-none} ms** |
| longest request meanwhile | $FOMAX ms |
| 5xx answers | $FO5 of $(wc -l <"$W/fo.log") requests |
| acknowledged writes read back (\`adm_load --check\`) | $(sed 's/^check: //' "$W/fo-check.txt") |

| RSS per device ($NBIG devices minus 1, after 10,000 get-authentication) | SQLite | cluster |
|---|---|---|
| ADM RSS, 1 device | $ps1 KiB | $pc1 KiB |
| ADM RSS, $NBIG devices | $psb KiB | $pcb KiB |
| **per device** | **$(per "$ps1" "$psb") bytes** | **$(per "$pc1" "$pcb") bytes** |
EOF
