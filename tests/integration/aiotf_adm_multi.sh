#!/usr/bin/env bash
# Several ADM instances behind one AIOTF (issue 17 item 4, docs/redis-cluster.md "Several
# ADMs"): --adm URL1,URL2 refused when malformed or mixing schemes (exit 2); two aiot-adm on
# one Redis Cluster store, the AIOTF spreading its requests over both (their /metrics), kill -9
# of one in the middle of an inventory (the inventory still completes, every device
# authenticated, the instance shown down), and the restarted instance used again.
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf aiot-reader aiot-devsim; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done
command -v redis-server >/dev/null || { echo "redis-server not installed: skipped"; exit 0; }
N=${AIOTF_IT_DEVICES:-3000}

# --- the list on the command line: a problem is a usage error (exit 2) --------------------------
usage_err() { # name expected-message args...
	local name=$1 msg=$2 rc=0; shift 2
	timeout 10 "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 "$@" 2>"$W/usage.log" || rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$msg" "$W/usage.log"; then ok "$name: exit 2, '$msg'"; else
		bad "$name: rc $rc: $(cat "$W/usage.log")"
	fi
}
usage_err "a bad URL in the list" "'ftp://127.0.0.1:2' is not http://HOST:PORT" --adm http://127.0.0.1:1,ftp://127.0.0.1:2
usage_err "mixed schemes" "mix http and https" --adm http://127.0.0.1:1,https://127.0.0.1:2
usage_err "an empty item" "an empty URL in the list" --adm "http://127.0.0.1:1,,http://127.0.0.1:2"
usage_err "a path" "'http://127.0.0.1:2/x' is not" --adm http://127.0.0.1:1,http://127.0.0.1:2/x
usage_err "one instance twice" "http://127.0.0.1:1 is listed twice" --adm "http://127.0.0.1:1, http://127.0.0.1:1/"

# --- the cluster, the devices, two ADMs -----------------------------------------------------------
RC=$S/scripts/redis-cluster.sh
export AIOT_REDIS_DIR=$W/redis
trap '"$RC" stop 2>/dev/null || true; cleanup' EXIT
"$RC" start >"$W/start.out" 2>"$W/start.err" || { cat "$W/start.err" >&2; exit 1; }
STORE="$(tail -1 "$W/start.out")?ns=multi"
"$AIOT" provision --store "$STORE" --kek-file "$W/kek" --count "$N" --group shelf --out "$W/a.jsonl" 2>"$W/prov.log"
ok "$N devices provisioned into the cluster"
echo '{"afAuthData":{"af-it":{"afId":"af-it","allowedServiceOperations":["INVENTORY"]}}}' >"$W/af.json"
adm() { # instance [port]
	start_daemon "$W/adm$1.log" "$B/aiot-adm" --listen "127.0.0.1:${2:-0}" --store "$STORE" --kek-file "$W/kek" \
		--workers 1 --af-auth "$W/af.json" --metrics 127.0.0.1:0
}
adm 1; P1=$PORT; M1=$MPORT
adm 2; P2=$PORT; M2=$MPORT; ADM2=$LASTPID
U1=http://127.0.0.1:$P1; U2=http://127.0.0.1:$P2
start_daemon "$W/af.log" "$AIOT" af-sink --listen 127.0.0.1:0 --out "$W/notifs.jsonl"
AFPORT=$PORT
start_daemon "$W/aiotf.log" "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm "$U1,$U2" --adm-connections 2 --adm-timeout-ms 3000 --metrics 127.0.0.1:0 \
	--inventory-timeout-ms 20000 --af-auth-ttl-ms 600000
SP=$PORT; AM=$MPORT; AIOTF=$LASTPID
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' "$W/aiotf.log")
grep -q "ADM $U1,$U2, 2 connections to each" "$W/aiotf.log" && ok "aiot-aiotf started with two ADMs" ||
	bad "no start line: $(cat "$W/aiotf.log")"

mget() { curl -s "http://127.0.0.1:$1/metrics" | awk -v k="$2" '$1==k {print $2}'; }
inst() { mget "$AM" "aiot_aiotf_adm_instance_$1{instance=\"$2\"}"; }
auths() { mget "$1" 'aiot_adm_ops_total{op="get-authentication"}'; }
ops() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^aiot_adm_ops_total/ {n += $2} END {print n}'; }

# Paced (2000 responses/s) and reported in small batches: an inventory lasts 1.5 s, with
# requests to the ADMs all along it.
"$B/aiot-devsim" --devices "$W/a.jsonl" --air-listen 127.0.0.1:0 --max-fps 2000 2>"$W/sim.log" &
PIDS+=("$!")
for _ in $(seq 1 50); do grep -q "air on" "$W/sim.log" && break; sleep 0.1; done
AIR=$(sed -n 's/.*air on \([0-9.]*:[0-9]*\).*/\1/p' "$W/sim.log" | head -1)
"$B/aiot-reader" --aiotf "127.0.0.1:$NG" --ng-transport tcp --air "$AIR" --round-timeout-ms 300 \
	--report-batch 50 2>"$W/reader.log" &
PIDS+=("$!")
for _ in $(seq 1 50); do [ "$(mget "$AM" aiot_aiotf_readers_connected)" = 1 ] && break; sleep 0.1; done
check "reader connected" 1 "$(mget "$AM" aiot_aiotf_readers_connected)"

NAIOTF=http://127.0.0.1:$SP/naiotf-aiot/v1
REQ="{\"afId\":\"af-it\",\"notifUri\":\"http://127.0.0.1:$AFPORT/cb\",\"numDevices\":$N,\"targetArea\":{\"areaIds\":[{\"plmnId\":{\"mcc\":\"001\",\"mnc\":\"01\"},\"aiotAreaCode\":\"00ab12\"}]}}"
submit() {
	local r; r=$(h2post "$NAIOTF/request-inv" "$REQ")
	TID=$(echo "${r#* }" | jq -r .transId 2>/dev/null || true)
	[ "${r%% *}" = 200 ] && [ -n "$TID" ] && [ "$TID" != null ] || bad "request-inv not accepted: $r"
}
wait_last() {
	for _ in $(seq 1 600); do
		grep -q "\"transId\":\"$TID\".*\"lastRepInd\":true" "$W/notifs.jsonl" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# every device of the store reported, once (the AIOTF reports authenticated devices only)
reported() { grep "\"transId\":\"$TID\"" "$W/notifs.jsonl" | jq -rs '[.[].devicesRepData // [] | .[].deviceId] | unique | length'; }
failcause() { grep "\"transId\":\"$TID\"" "$W/notifs.jsonl" | jq -rs '[.[] | select(.lastRepInd)][0].failCause'; }

# --- both instances serve ------------------------------------------------------------------------
submit
wait_last || bad "inventory 1: no last notification"
check "inventory 1: every device authenticated" "$N null" "$(reported) $(failcause)"
a1=$(auths "$M1"); a2=$(auths "$M2")
echo "     get-authentication: ADM 1 $a1, ADM 2 $a2"
[ "$a1" -gt $((N / 4)) ] && [ "$a2" -gt $((N / 4)) ] && ok "both ADMs served (over a quarter each)" ||
	bad "spread: ADM 1 $a1, ADM 2 $a2"
check "the AIOTF counts each instance's requests (as the ADMs do)" "$(ops "$M1") $(ops "$M2")" \
	"$(inst requests_total "$U1") $(inst requests_total "$U2")"
check "both instances up" "1 1" "$(inst up "$U1") $(inst up "$U2")"

# --- kill -9 one ADM in the middle of an inventory ---------------------------------------------
f0=$(mget "$AM" aiot_aiotf_auth_failures_total)
d0=$(mget "$AM" aiot_aiotf_devices_authenticated_total)
submit
for _ in $(seq 1 400); do
	[ $(($(mget "$AM" aiot_aiotf_devices_authenticated_total) - d0)) -ge $((N / 4)) ] && break
	sleep 0.02
done
done_at_kill=$(($(mget "$AM" aiot_aiotf_devices_authenticated_total) - d0))
kill -9 "$ADM2"; wait "$ADM2" 2>/dev/null || true
echo "     ADM 2 killed after $done_at_kill of $N devices"
[ "$done_at_kill" -lt "$N" ] && ok "the kill came mid-inventory" || bad "the inventory was over before the kill"
wait_last || bad "inventory 2: no last notification"
check "inventory 2, ADM 2 killed: every device authenticated" "$N null" "$(reported) $(failcause)"
check "no device failed authentication" 0 $(($(mget "$AM" aiot_aiotf_auth_failures_total) - f0))
check "ADM 2 shown down, ADM 1 up" "1 0" "$(inst up "$U1") $(inst up "$U2")"
[ "$(inst failures_total "$U2")" -ge 1 ] && ok "ADM 2's failures counted ($(inst failures_total "$U2"))" || bad "no failure counted on ADM 2"
check "ADM 1 never failed" 0 "$(inst failures_total "$U1")"
check "one line: ADM 2 down" 1 "$(grep -c "ADM $U2 is down" "$W/aiotf.log")"
check "the requests it failed were retried" 1 "$(mget "$AM" aiot_aiotf_adm_retries_total | awk '{print ($1 >= 1)}')"

# --- restart it: used again ------------------------------------------------------------------------
adm 3 "$P2"; M2=$MPORT
for _ in $(seq 1 50); do [ "$(inst up "$U2")" = 1 ] && break; sleep 0.1; done
check "ADM 2 back: up again (probed)" 1 "$(inst up "$U2")"
check "one line: ADM 2 back" 1 "$(grep -c "ADM $U2 is back" "$W/aiotf.log")"
submit
wait_last || bad "inventory 3: no last notification"
check "inventory 3: every device authenticated" "$N null" "$(reported) $(failcause)"
a2=$(auths "$M2")
[ "$a2" -gt $((N / 4)) ] && ok "the restarted ADM 2 serves again ($a2 get-authentication)" || bad "ADM 2 after restart: $a2"

check "no transaction left" 0 "$(mget "$AM" aiot_aiotf_transactions_active)"
kill "$AIOTF"; wait "$AIOTF" 2>/dev/null; check "aiot-aiotf exits 0 on SIGTERM" 0 $?
finish
