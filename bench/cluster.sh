# Sourced by bench/run.sh (its W, B, N, QUICK, say, run, start_adm, stop_pid, h2rate, h2ok,
# pct, PIDS, cleanup): section cluster of make bench (issue 17 item 8), aiot-adm on Redis
# Cluster against aiot-adm on SQLite, on one machine: get-authentication req/s (h2load, as
# section adm) with one ADM on SQLite, one on the cluster and two on the cluster; T-ID rotations
# and DO-A registrations per second (build/adm_load); the failover time (kill -9 of a master
# under that load: the first 2xx write on its shard); RSS per device. The cluster:
# scripts/redis-cluster.sh with 2 replicas per master (so that writes WAITing for one replica go
# on after a failover), the store ?wait=1.
source tests/integration/cluster_lib.bash
CW=$W/cluster
mkdir -p $CW
export AIOT_REDIS_DIR=$CW/redis AIOT_REDIS_NODE_TIMEOUT=1000 AIOT_REDIS_REPLICAS=2
RC=$ROOT/scripts/redis-cluster.sh
trap '"$RC" stop 2>/dev/null || true; cleanup' EXIT
SECS=${QUICK:+3}; SECS=${SECS:-10}         # adm_load seconds
NBIG=${QUICK:+20000}; NBIG=${NBIG:-100000} # devices for the RSS figure
field() { awk -v k="$1" '$1 == k {print $2}' "$2"; }
rss() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }

"$RC" start >"$CW/start.out" 2>"$CW/start.err" || { cat "$CW/start.err" >&2; exit 1; }
URL=$(tail -1 "$CW/start.out")
KEK=$CW/kek
prov() { # store count out
	"$B/aiot" provision --store "$1" --kek-file "$KEK" --count "$2" --privacy --group bench \
		--out "$3" 2>>"$CW/prov.log"
}
CL="$URL?ns=bench&wait=1"
prov "sqlite:$CW/adm.db" 10000 "$CW/sq.jsonl"
prov "$CL" 10000 "$CW/cl.jsonl"

# --- get-authentication: one device, one RAND_d (the hot path reads only the ADM's cache) ---
auth_body() { # devices.jsonl -> file
	printf '{"aiotDevPermId":"%s","randN":"%s","randDlist":["%s"]}' \
		"$(head -1 "$1" | jq -r .aiotDevPermId)" "$(openssl rand -hex 16)" "$(openssl rand -hex 16)" >"$2"
}
h2() { # body port out
	run h2load -n $N -c 8 -m 32 -d "$1" -H 'content-type: application/json' \
		"http://127.0.0.1:$2/nadm-sec/v1/get-authentication" >"$3" 2>&1
}
auth_body "$CW/sq.jsonl" "$CW/sq.json"
auth_body "$CW/cl.jsonl" "$CW/cl.json"
start_adm "$CW/adm-sq.log" --listen 127.0.0.1:0 --store "sqlite:$CW/adm.db" --kek-file "$KEK" --workers 2
SQ=$ADM_PORT SQPID=$ADM_PID
h2 "$CW/sq.json" $SQ "$CW/h2-sq.txt"
start_adm "$CW/adm-c1.log" --listen 127.0.0.1:0 --store "$CL" --kek-file "$KEK" --workers 2
C1=$ADM_PORT C1PID=$ADM_PID
h2 "$CW/cl.json" $C1 "$CW/h2-c1.txt"
# Two ADM instances on the one store, each under its own h2load, at once.
start_adm "$CW/adm-c2.log" --listen 127.0.0.1:0 --store "$CL" --kek-file "$KEK" --workers 2
C2=$ADM_PORT C2PID=$ADM_PID
h2 "$CW/cl.json" $C1 "$CW/h2-2a.txt" &
H2A=$!
h2 "$CW/cl.json" $C2 "$CW/h2-2b.txt"
wait $H2A
stop_pid $C2PID
rsq=$(h2rate "$CW/h2-sq.txt"); rc1=$(h2rate "$CW/h2-c1.txt")
r2a=$(h2rate "$CW/h2-2a.txt"); r2b=$(h2rate "$CW/h2-2b.txt")
r2=$(awk -v a="$r2a" -v b="$r2b" 'BEGIN {printf "%.2f", a + b}')
ok2=$(($(h2ok "$CW/h2-2a.txt") + $(h2ok "$CW/h2-2b.txt")))

# --- writes: T-ID rotations (get-session-key + get-tid), DO-A registrations ------------------
load() { # port devices ops out
	run "$B/adm_load" --devices "$2" --seconds $SECS --inflight 32 --ops "$3" \
		"http://127.0.0.1:$1" >"$4" 2>"$4.err" || { cat "$4" "$4.err" >&2; exit 1; }
}
load $SQ "$CW/sq.jsonl" tid "$CW/tid-sq.txt"
load $C1 "$CW/cl.jsonl" tid "$CW/tid-c1.txt"
load $SQ "$CW/sq.jsonl" doa "$CW/doa-sq.txt"
load $C1 "$CW/cl.jsonl" doa "$CW/doa-c1.txt"
stop_pid $SQPID

# --- failover: kill -9 the master of the first device's slot under that load -----------------
mapfile -t SLOTS < <(rc_dev_slots bench "$CW/cl.jsonl")
KM=$(rc_master_of "${SLOTS[0]}")
SHARD=$(rc_shard "$KM" "${SLOTS[@]}")
run "$B/adm_load" --devices "$CW/cl.jsonl" --seconds $((SECS < 8 ? 8 : SECS)) --inflight 32 \
	--log "$CW/fo.log" "http://127.0.0.1:$C1" >"$CW/fo.txt" 2>"$CW/fo.err" &
LP=$!
sleep 2
kill -9 "$(rc_pid "$KM")"
KILL_MS=$(rc_now_ms)
wait $LP || { cat "$CW/fo.txt" "$CW/fo.err" >&2; exit 1; }
FO=$(rc_recovery_ms "$CW/fo.log" "$KILL_MS" "$SHARD")
FO5=$(awk '$5 ~ /^5/' "$CW/fo.log" | wc -l)
FOMAX=$(sed -n 's/.*max latency \([0-9]*\) ms/\1/p' "$CW/fo.txt")
run "$B/adm_load" --check "$CW/fo.log" --devices "$CW/cl.jsonl" "http://127.0.0.1:$C1" \
	>"$CW/fo-check.txt" 2>"$CW/fo-check.err" || { cat "$CW/fo-check.txt" "$CW/fo-check.err" >&2; exit 1; }
stop_pid $C1PID

# --- RSS per device: an ADM with NBIG devices minus one with 1, on each store ---------------
prov "sqlite:$CW/one.db" 1 "$CW/one-sq.jsonl"
prov "sqlite:$CW/big.db" $NBIG "$CW/big-sq.jsonl"
prov "$URL?ns=one&wait=1" 1 "$CW/one-cl.jsonl"
prov "$URL?ns=big&wait=1" $NBIG "$CW/big-cl.jsonl"
rss_of() { # store devices.jsonl -> KiB after a short get-authentication run
	start_adm "$CW/adm-rss.log" --listen 127.0.0.1:0 --store "$1" --kek-file "$KEK" --workers 2
	auth_body "$2" "$CW/rss.json"
	h2load -n 10000 -c 8 -m 32 -d "$CW/rss.json" -H 'content-type: application/json' \
		"http://127.0.0.1:$ADM_PORT/nadm-sec/v1/get-authentication" >/dev/null 2>&1
	rss $ADM_PID
	stop_pid $ADM_PID
}
per() { awk -v a="$1" -v b="$2" -v n=$NBIG 'BEGIN {printf "%.0f", (b - a) * 1024 / (n - 1)}'; }
ps1=$(rss_of "sqlite:$CW/one.db" "$CW/one-sq.jsonl"); psb=$(rss_of "sqlite:$CW/big.db" "$CW/big-sq.jsonl")
pc1=$(rss_of "$URL?ns=one" "$CW/one-cl.jsonl"); pcb=$(rss_of "$URL?ns=big" "$CW/big-cl.jsonl")

"$RC" stop
trap cleanup EXIT
cat <<EOF | tee -a "$OUT"
A Redis Cluster of 3 masters with 2 replicas each (\`AIOT_REDIS_REPLICAS=2 scripts/redis-cluster.sh start\`, nine \`redis-server\` on loopback, \`cluster-node-timeout\` 1000 ms), the store \`redis-cluster://...?wait=1\` (a write is answered once one replica has it); 10,000 devices in each store; \`aiot-adm --workers 2\`. **The machine has $(nproc) cores for everything**: h2load, the ADMs and the nine Redis nodes compete for them, so two ADMs cannot double one's rate here, and the cluster's writes pay for three processes per shard on the same cores.

| get-authentication (\`h2load -n $N -c 8 -m 32\`, one device, one RAND_d) | req/s | 2xx |
|---|---|---|
| one ADM on SQLite | $rsq | $(h2ok "$CW/h2-sq.txt")/$N |
| one ADM on the cluster | $rc1 | $(h2ok "$CW/h2-c1.txt")/$N |
| two ADMs on the cluster, two h2load at once (sum) | $r2 ($r2a + $r2b) | $ok2/$((2 * N)) |
| **one ADM on the cluster / SQLite** | **$(pct "$rc1" "$rsq")** (goal ≥ 80%) | |

| writes (\`build/adm_load --seconds $SECS --inflight 32\`, 10,000 devices) | SQLite | cluster | cluster / SQLite |
|---|---|---|---|
| T-ID rotations/s (get-session-key + get-tid, each acknowledged) | $(field tid_rotations_per_s "$CW/tid-sq.txt") | $(field tid_rotations_per_s "$CW/tid-c1.txt") | $(pct "$(field tid_rotations_per_s "$CW/tid-c1.txt")" "$(field tid_rotations_per_s "$CW/tid-sq.txt")") |
| DO-A registrations/s (get-doa-authentication, a fresh RAND_d) | $(field doa_per_s "$CW/doa-sq.txt") | $(field doa_per_s "$CW/doa-c1.txt") | $(pct "$(field doa_per_s "$CW/doa-c1.txt")" "$(field doa_per_s "$CW/doa-sq.txt")") |

| failover (\`kill -9\` of the master serving $(echo $SHARD | wc -w) of the devices, under the DO-A + T-ID load) | value |
|---|---|
| kill → first 2xx write sent after it to that shard | **${FO:-none} ms** |
| longest request meanwhile | $FOMAX ms |
| 5xx answers | $FO5 of $(wc -l <"$CW/fo.log") requests |
| acknowledged writes read back (\`adm_load --check\`) | $(sed 's/^check: //' "$CW/fo-check.txt") |

| RSS per device ($NBIG devices minus 1, after 10,000 get-authentication) | SQLite | cluster |
|---|---|---|
| ADM RSS, 1 device | $ps1 KiB | $pc1 KiB |
| ADM RSS, $NBIG devices | $psb KiB | $pcb KiB |
| **per device** | **$(per "$ps1" "$psb") bytes** | **$(per "$pc1" "$pcb") bytes** |
EOF
