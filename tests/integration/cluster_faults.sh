#!/usr/bin/env bash
# Faults under the ADM on Redis Cluster (docs/redis-cluster.md, issue 17 item 6), real
# processes: a cluster of 3 masters with 2 replicas each (scripts/redis-cluster.sh), 300
# devices provisioned into it, two aiot-adm on it with ?wait=1 (one shared store), and
# build/adm_load driving DO-A registrations and T-ID rotations through both in turn (a device's
# session set through one, its T-ID rotated through the other) while logging every
# acknowledged write.
#  - kill -9 of the master serving device 0's slot mid-load: every acknowledged write is
#    there afterwards (adm_load --check through ADM 2, then through a new ADM after kill -9 of
#    ADM 1, and the T-ID read on the promoted replica itself); the
#    time from the kill to the first 2xx write sent after it on that shard is measured and
#    bounded; no request hangs.
#  - kill -9 of one ADM mid-load: the load goes on through the other, and every write either
#    acknowledged is there.
#  - a stopped shard (SIGSTOP of a master and its replicas, so no failover): a write to it
#    fails with a 5xx ProblemDetails within a bound (measured), reads from the ADM's cache go
#    on; SIGCONT: writes succeed again (time measured).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/cluster_lib.bash"
RC=$S/scripts/redis-cluster.sh
LOAD=$B/adm_load
export AIOT_REDIS_DIR=$W/redis AIOT_REDIS_NODE_TIMEOUT=1000 AIOT_REDIS_REPLICAS=2
STOPPED=()
trap 'for p in "${STOPPED[@]:-}"; do [ -n "$p" ] && kill -CONT "$p" 2>/dev/null; done; "$RC" stop 2>/dev/null || true; cleanup' EXIT
"$RC" start >"$W/start.out" 2>"$W/start.err" || { cat "$W/start.err" >&2; exit 1; }
URL=$(tail -1 "$W/start.out")
ok "cluster of 3 masters x 2 replicas: $URL"
NS=faults
STORE="$URL?ns=$NS&wait=1"
KEK=$W/kek
NDEV=300
"$AIOT" provision --store "$STORE" --kek-file "$KEK" --count $NDEV --privacy --group f \
	--out "$W/dev.jsonl" 2>"$W/prov.log"
mapfile -t KEYS < <(rc_dev_keys $NS "$W/dev.jsonl")
mapfile -t SLOTS < <(rc_dev_slots $NS "$W/dev.jsonl")
check "$NDEV devices provisioned, a slot each" "$NDEV $NDEV" "${#KEYS[@]} ${#SLOTS[@]}"

adm() { # N: aiot-adm on the cluster, its base URL in A
	start_daemon "$W/adm$1.log" "$B/aiot-adm" --listen 127.0.0.1:0 --store "$STORE" \
		--kek-file "$KEK" --workers 2
	ADMPID=$LASTPID
	A=http://127.0.0.1:$PORT
}
adm 1
A1=$A ADM1PID=$ADMPID
adm 2
A2=$A

# --- kill -9 of a master mid-load -----------------------------------------------------------
KM=$(rc_master_of "${SLOTS[0]}")
KMPID=$(rc_pid "$KM")
# The devices on that master's shard: "0 7 12 ..." (line numbers from 0, as adm_load logs).
SHARD=$(rc_shard "$KM" "${SLOTS[@]}")
NSHARD=$(echo $SHARD | wc -w)
[ "$NSHARD" -gt 20 ] && ok "the master to kill ($KM) serves $NSHARD of the devices" ||
	bad "the master $KM serves only $NSHARD devices"
"$LOAD" --devices "$W/dev.jsonl" --seconds 8 --inflight 32 --log "$W/load.log" "$A1,$A2" \
	>"$W/load.out" 2>&1 &
LOADPID=$!
sleep 2.5
kill -9 "$KMPID"
KILL_MS=$(rc_now_ms)
if wait $LOADPID; then ok "the load: no request failed in transport or hung (client timeout 30 s)"; else
	bad "the load: $(cat "$W/load.out")"
fi
sed 's/^/     /' "$W/load.out"
BEFORE=$(rc_acked "$W/load.log" "$KILL_MS" "$SHARD" '$2 < k' | wc -l)
FAILOVER_MS=$(rc_recovery_ms "$W/load.log" "$KILL_MS" "$SHARD")
AFTER=$(rc_acked "$W/load.log" "$KILL_MS" "$SHARD" '$1 >= k' | wc -l)
[ "$BEFORE" -gt 10 ] && ok "$BEFORE writes on that shard acknowledged before the kill" ||
	bad "only $BEFORE writes on the shard before the kill"
if [ -n "$FAILOVER_MS" ]; then
	echo "failover_ms $FAILOVER_MS"
	[ "$FAILOVER_MS" -lt 15000 ] && ok "the first 2xx write sent after the kill on that shard: $FAILOVER_MS ms after it (bound 15000)" ||
		bad "the shard answered writes again only $FAILOVER_MS ms after the kill"
	[ "$AFTER" -gt 10 ] && ok "$AFTER writes on that shard acknowledged after the kill" ||
		bad "only $AFTER writes on the shard after the kill"
else
	bad "no write on the killed master's shard acknowledged after the kill"
fi
NEWM=$(rc_master_of "${SLOTS[0]}")
[ -n "$NEWM" ] && [ "$NEWM" != "$KM" ] && ok "a replica of $KM took its slots: $NEWM" ||
	bad "slot ${SLOTS[0]} served by '$NEWM'"
echo "     5xx during the failover: $(awk '$5 ~ /^5/' "$W/load.log" | wc -l) of $(wc -l <"$W/load.log") requests"

# every acknowledged write, read back
if "$LOAD" --check "$W/load.log" --devices "$W/dev.jsonl" "$A2" >"$W/check1.out" 2>&1; then
	ok "through ADM 2: $(cat "$W/check1.out")"
else
	cat "$W/check1.out" >&2
	bad "acknowledged writes lost (ADM 2)"
fi
kill -9 "$ADM1PID"
wait "$ADM1PID" 2>/dev/null || true
adm 3
if "$LOAD" --check "$W/load.log" --devices "$W/dev.jsonl" "$A" >"$W/check2.out" 2>&1; then
	ok "through a new ADM after kill -9 of ADM 1: $(cat "$W/check2.out")"
else
	cat "$W/check2.out" >&2
	bad "acknowledged writes lost (new ADM on the cluster)"
fi
# The check can fail: a RAND_d and a T-ID logged as acknowledged that the ADM never saw.
FD=$(rand16)
{ cat "$W/load.log"; echo "0 0 D 0 200 $FD"; echo "0 0 T 1 200 $(rand16) $(rand16)"; } >"$W/forged.log"
"$LOAD" --check "$W/forged.log" --devices "$W/dev.jsonl" "$A" >"$W/check3.out" 2>&1 || true
check "the check reports a forged acknowledgement of each kind as lost" "1 1" \
	"$(grep -c "^LOST: device 0: acknowledged RAND_d $FD answered 200" "$W/check3.out") $(grep -c '^LOST: device 1: status 200' "$W/check3.out")"
# The shard's device rotated last: its T-ID on the promoted replica itself.
read -r DEV TID PREV < <(awk -v shard="$SHARD" 'index(shard, " " $4 " ") && $3 == "T" && $5 == 200 {print $4, $6, $7}' "$W/load.log" | tail -1)
if [ -n "${DEV:-}" ]; then
	check "device $DEV's T-IDs (t, tp) on $NEWM itself = its last acknowledged get-tid" "$TID $PREV" \
		"$(rc_hget_hex "$NEWM" "${KEYS[$DEV]}" t) $(rc_hget_hex "$NEWM" "${KEYS[$DEV]}" tp)"
else
	bad "no acknowledged get-tid on the shard"
fi

# --- kill -9 of an ADM mid-load --------------------------------------------------------------
# The load through ADM 2 and ADM 3; ADM 3 killed 2 s in. Its requests in flight fail in
# transport (logged as status 0: they may have written); every acknowledged write, from either
# ADM, must be there, read back through ADM 2.
A3=$A ADM3PID=$ADMPID
"$LOAD" --devices "$W/dev.jsonl" --seconds 5 --inflight 32 --log "$W/load2.log" "$A2,$A3" \
	>"$W/load2.out" 2>&1 &
LOADPID=$!
sleep 2
kill -9 "$ADM3PID"
ADMKILL_MS=$(rc_now_ms)
wait "$ADM3PID" 2>/dev/null || true
wait $LOADPID || true
sed 's/^/     /' "$W/load2.out"
ACK3=$(awk -v k="$ADMKILL_MS" '$2 < k && $5 ~ /^2/' "$W/load2.log" | wc -l)
ACKAFTER=$(awk -v k="$ADMKILL_MS" '$1 > k && $5 ~ /^2/' "$W/load2.log" | wc -l)
LOST=$(awk '$5 == 0' "$W/load2.log" | wc -l)
[ "$ACK3" -gt 10 ] && [ "$ACKAFTER" -gt 10 ] && [ "$LOST" -gt 0 ] &&
	ok "ADM 3 killed mid-load: $ACK3 writes acknowledged before, $ACKAFTER after (ADM 2), $LOST failed in transport" ||
	bad "the load around the ADM's kill: $ACK3 acknowledged before, $ACKAFTER after, $LOST failed"
if "$LOAD" --check "$W/load2.log" --devices "$W/dev.jsonl" "$A2" >"$W/check4.out" 2>&1; then
	ok "after kill -9 of ADM 3, through ADM 2: $(cat "$W/check4.out")"
else
	cat "$W/check4.out" >&2
	bad "acknowledged writes lost (ADM killed mid-load)"
fi

# --- a stopped shard: SIGSTOP its master and replicas (no failover possible) ----------------
# A device on another shard than the one that failed over.
read -r SD SM < <(printf '%s\n' "${SLOTS[@]}" | rc_masters_of | awk -v m="$NEWM" '$1 != m {print NR - 1, $1; exit}')
SID=$(sed -n "$((SD + 1))p" "$W/dev.jsonl" | jq -r .aiotDevPermId)
SEC=$A2/nadm-sec/v1
write() { # one get-session-key of device SD: prints "STATUS SECONDS", the body in $W/w.body
	curl -sS -m 60 --http2-prior-knowledge -o "$W/w.body" -w '%{http_code} %{time_total}\n' \
		-H content-type:application/json \
		--data-binary "{\"aiotDevPermId\":\"$SID\",\"randN\":\"$(rand16)\",\"randD\":\"$(rand16)\"}" \
		"$SEC/get-session-key" || echo "000 60"
}
check "before the stop: a write to $SM's shard" 200 "$(write | cut -d' ' -f1)"
STOPPED=("$(rc_pid "$SM")")
for p in $(rc_replicas_of "$SM"); do STOPPED+=("$(rc_pid "$p")"); done
check "the shard: a master and 2 replicas" 3 "${#STOPPED[@]}"
kill -STOP "${STOPPED[@]}"
read -r CODE T < <(write)
check "a write to the stopped shard: 500" 500 "$CODE"
check "... a ProblemDetails" "500 SYSTEM_FAILURE" "$(jq -r '"\(.status) \(.cause)"' "$W/w.body")"
echo "stall_fail_s $T"
# The store's client gives a command 5 s of retries, each attempt on a stopped node costing its
# I/O timeout (1 s) plus the WAIT timeout (1 s), and map refreshes that meet a stopped node 1 s.
awk -v t="$T" 'BEGIN {exit !(t < 30)}' && ok "... within $T s (bound 30 s)" ||
	bad "the write to the stopped shard took $T s"
r=$(h2post "$SEC/get-authentication" "{\"aiotDevPermId\":\"$SID\",\"randN\":\"$(rand16)\",\"randDlist\":[\"$(rand16)\"]}")
check "get-authentication meanwhile (from the ADM's cache)" 200 "${r%% *}"
CONT_MS=$(rc_now_ms)
kill -CONT "${STOPPED[@]}"
STOPPED=()
CODE=
for _ in $(seq 1 60); do
	read -r CODE T < <(write)
	[ "$CODE" = 200 ] && break
	sleep 0.5
done
check "after SIGCONT: writes to that shard succeed again" 200 "$CODE"
echo "resume_ms $(($(rc_now_ms) - CONT_MS))"
finish
