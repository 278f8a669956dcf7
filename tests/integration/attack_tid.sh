#!/usr/bin/env bash
# Amplification by unknown T-IDs (issue 11 item 1, TS 33.369 5.2.2 NOTE 3), with real
# processes: a rogue reader (tests/tools/rogue_reader) answers a genuine inventory with
# Inventory Responses under T-IDs nobody holds. The ADM resolves a T-ID itself (vendor
# extension, docs/protocol.md), so each costs it a lookup and no XRES, where it used to cost
# an XRES of every device for each RAND_AIOT_d. Then the AIOTF's budgets: the report rate
# charged per D2R, the D2Rs and ADM requests of one reader in one transaction, the ADM
# request queue. Genuine privacy devices (aiot-devsim, aiot-reader) are resolved by the ADM
# at one XRES each, and the AIOTF learns their T-IDs. Counts come from both daemons' /metrics.
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf aiot-reader aiot-devsim rogue_reader; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done
D=${ATTACK_TID_DEVICES:-1000} # devices at the ADM: the cost of one fake T-ID before the fix
F=1000                        # fake T-IDs in the rogue reader's report
P=20                          # genuine privacy devices
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count $D --group shelf --out $W/a.jsonl 2>$W/prov.log
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count $P --privacy --group private --out $W/p.jsonl 2>>$W/prov.log
echo '{"afAuthData":{"af-t":{"afId":"af-t","allowedServiceOperations":["INVENTORY"]}}}' >$W/af.json
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek \
	--workers 2 --metrics 127.0.0.1:0 --af-auth $W/af.json
APORT=$PORT; ADM_MPORT=$MPORT
start_daemon $W/af.log "$B/aiot" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT

AMPORT= SP= NG= AIOTFPID= NA=0
aiotf() { # start an AIOTF with extra flags (the previous one is stopped), its own log
	[ -n "$AIOTFPID" ] && { kill $AIOTFPID; wait $AIOTFPID 2>/dev/null || true; }
	NA=$((NA + 1)); : >$W/aiotf.$NA.log
	start_daemon $W/aiotf.$NA.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 \
		--ng-transport tcp --adm http://127.0.0.1:$APORT --metrics 127.0.0.1:0 \
		--inventory-timeout-ms 20000 "$@"
	SP=$PORT; AMPORT=$MPORT; AIOTFPID=$LASTPID
	NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf.$NA.log)
}
metric() { curl -s http://127.0.0.1:$AMPORT/metrics | awk -v k="$1" '$1==k {print $2}'; }
adm_metric() { curl -s http://127.0.0.1:$ADM_MPORT/metrics | awk -v k="$1" '$1==k {print $2}'; }
GA='aiot_adm_ops_total{op="get-authentication"}'
XR=aiot_adm_xres_total
BYTID='aiot_adm_auth_by_tid_total{result="found"}'
UNK='aiot_adm_auth_by_tid_total{result="unknown"}'
U="\"afId\":\"af-t\",\"notifUri\":\"http://127.0.0.1:$AFPORT/cb\""
AREA='"targetArea":{"areaIds":[{"plmnId":{"mcc":"001","mnc":"01"},"aiotAreaCode":"00ab12"}]}'
submit() {
	local r; r=$(h2post http://127.0.0.1:$SP/naiotf-aiot/v1/request-inv "{$U,$AREA}")
	TID=$(echo "${r#* }" | jq -r .transId 2>/dev/null || true)
	[ "${r%% *}" = 200 ] && [ -n "$TID" ] && [ "$TID" != null ] || bad "request-inv not accepted: $r"
}
wait_last() {
	for _ in $(seq 1 600); do
		grep -q "\"transId\":\"$TID\".*\"lastRepInd\":true" $W/notifs.jsonl 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
wait_readers() {
	for _ in $(seq 1 100); do [ "$(metric aiot_aiotf_readers_connected)" = "$1" ] && return 0; sleep 0.1; done
	return 1
}
ndev() { grep "\"transId\":\"$TID\"" $W/notifs.jsonl | jq -s '[.[].devicesRepData // [] | .[].deviceId] | unique | length'; }
snap() { g0=$(adm_metric "$GA"); x0=$(adm_metric $XR); u0=$(adm_metric "$UNK"); b0=$(adm_metric "$BYTID"); }
rogue() { # the rogue reader answers one inventory; extra rogue_reader flags
	"$B/rogue_reader" --aiotf 127.0.0.1:$NG --transport tcp --requests 1 "$@" >$W/rogue.out 2>$W/rogue.log &
	RPID=$!; PIDS+=("$RPID")
	wait_readers 1 || bad "rogue reader did not connect"
	snap
	submit
	wait_last || bad "inventory $TID: no last notification"
	wait $RPID || bad "rogue_reader failed: $(cat $W/rogue.log)"
	wait_readers 0 || true
}

# --- 1. fake T-IDs: the ADM's work --------------------------------------------------------
aiotf
rogue --fake-tid $F
gg=$(( $(adm_metric "$GA") - g0 )); xx=$(( $(adm_metric $XR) - x0 )); uu=$(( $(adm_metric "$UNK") - u0 ))
echo "     $F fake T-IDs, $((D + P)) devices at the ADM: $gg get-authentication, $xx XRES, $uu unknown T-IDs"
check "fake T-IDs: one get-authentication per T-ID" $F $gg
check "fake T-IDs: the ADM computed no XRES (a scan: $F x $((D + P)))" 0 $xx
check "fake T-IDs: each unknown to the ADM (404)" $F $uu
check "fake T-IDs: all rejected at the AIOTF" $F "$(metric aiot_aiotf_auth_failures_total)"
check "fake T-IDs: nothing reported" 0 "$(ndev)"

# --- 2. budgets of one reader in one transaction -----------------------------------------
# One report of 1000 D2Rs: 300 taken (--reader-max-d2r), 700 counted unverified without an
# ADM request; of the 300, 50 go to the ADM at once (--reader-max-adm) and 250 wait their turn.
aiotf --reader-max-d2r 300 --reader-max-adm 50
rogue --fake-tid $F
check "budgets: 300 get-authentication, 50 at a time" "300 250" \
	"$(( $(adm_metric "$GA") - g0 )) $(metric aiot_aiotf_d2r_deferred_total)"
check "budgets: 700 D2Rs over --reader-max-d2r 300" 700 "$(metric 'aiot_aiotf_d2r_unchecked_total{reason="d2r-budget"}')"
check "budgets: the 300 taken rejected (unknown T-IDs)" 300 "$(metric aiot_aiotf_auth_failures_total)"
check "budgets: the AF is told (NO_SUCC_INV_RESP: unverified answers)" NO_SUCC_INV_RESP \
	"$(grep "\"transId\":\"$TID\"" $W/notifs.jsonl | jq -rs '[.[] | select(.lastRepInd)][0].failCause')"

# The ADM request queue: 1 connection (100 streams) + 10 waiting; the other 190 are refused.
aiotf --adm-connections 1 --adm-max-queued 10 --reader-max-d2r 300
rogue --fake-tid $F
check "ADM queue: 110 get-authentication (100 streams + 10 queued)" 110 $(( $(adm_metric "$GA") - g0 ))
check "ADM queue: 190 D2Rs unverified (queue full)" 190 "$(metric 'aiot_aiotf_d2r_unchecked_total{reason="adm-queue"}')"
check "ADM queue: counted" 190 "$(metric aiot_aiotf_adm_queue_full_total)"

# The report rate is charged per D2R: 10 unsolicited reports of 100 D2Rs each, back to back,
# against 100 D2R/s with a bucket of 200: 2 pass (and are dropped as unsolicited), 8 for rate.
aiotf --reader-report-rate 100 --reader-report-burst 200
"$B/rogue_reader" --aiotf 127.0.0.1:$NG --transport tcp --fake-tid 100 --requests 0 --unsolicited 10 \
	--linger-ms 300 >$W/rogue.out 2>$W/rogue.log
check "rate per D2R: 2 of 10 reports (100 D2Rs each) within a bucket of 200" "2 8" \
	"$(metric 'aiot_aiotf_reports_dropped_total{reason="unsolicited"}') $(metric 'aiot_aiotf_reports_dropped_total{reason="rate"}')"

# --- 3. genuine privacy devices: the ADM resolves their T-IDs, the AIOTF learns them ---------
aiotf
"$B/aiot-devsim" --devices $W/p.jsonl --air-listen 127.0.0.1:0 2>$W/sim.log &
PIDS+=("$!")
for _ in $(seq 1 50); do grep -q "air on" $W/sim.log && break; sleep 0.1; done
AIR=$(sed -n 's/.*air on \([0-9.]*:[0-9]*\).*/\1/p' $W/sim.log | head -1)
"$B/aiot-reader" --aiotf 127.0.0.1:$NG --ng-transport tcp --air $AIR --round-timeout-ms 300 2>$W/reader.log &
PIDS+=("$!")
wait_readers 1 || bad "reader did not connect"
snap; submit; wait_last || bad "genuine inventory: no last notification"
check "privacy devices: all $P reported" $P "$(ndev)"
check "privacy devices: $P T-IDs resolved by the ADM, one XRES each" "$P $P" \
	"$(( $(adm_metric "$BYTID") - b0 )) $(( $(adm_metric $XR) - x0 ))"
snap; submit; wait_last || bad "second inventory: no last notification"
check "second inventory: all $P reported" $P "$(ndev)"
check "second inventory: T-IDs from the AIOTF's cache (none sent to the ADM to resolve)" 0 \
	$(( $(adm_metric "$BYTID") - b0 + $(adm_metric "$UNK") - u0 ))
finish
