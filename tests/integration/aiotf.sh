#!/usr/bin/env bash
# The AIOTF end to end with real processes: aiot provision, aiot-adm, aiot-aiotf, the test
# AF (aiot af-sink), aiot-reader and aiot-devsim (devices + clones). Inventory with
# authentication (TS 33.369 5.2.2), clones rejected, READ / WRITE + read-back,
# PERMANENT_DISABLE, identifier privacy (T-ID paging, TID_UPDATE + get-tid), commands to a
# population mixing the 3gpp and aes suites, request validation (TS 29.569), no reader, ADM
# down and back, reader lost mid-inventory.
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf aiot-reader aiot-devsim; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done
N=${AIOTF_IT_DEVICES:-2000}

"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count $N --group shelf-a --out $W/a.jsonl 2>$W/prov.log
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 10 --privacy --group private --out $W/p.jsonl 2>>$W/prov.log
# A mixed population: these devices use the aes suite, the others 3gpp (per-device suite).
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 10 --suite aes --res-bits 32 --group tags-aes --out $W/x.jsonl 2>>$W/prov.log
cat $W/a.jsonl $W/p.jsonl $W/x.jsonl >$W/all.jsonl
TOTAL=$((N + 20))

# The AF's authorization data at the ADM (Nadm_DM af-authorization-data): every operation.
echo '{"afAuthData":{"af-it":{"afId":"af-it","allowedServiceOperations":["INVENTORY","READ","WRITE","PERMANENT_DISABLE"]}}}' >$W/af.json
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek --workers 2 --af-auth $W/af.json
APORT=$PORT; ADMPID=$LASTPID
start_daemon $W/af.log "$B/aiot" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$APORT --adm-timeout-ms 3000 --metrics 127.0.0.1:0 \
	--inventory-timeout-ms 20000 --command-timeout-ms 1500 --log-level info --af-auth-ttl-ms 600000 \
	--cache-max 5
SP=$PORT; AMPORT=$MPORT; AIOTFPID=$LASTPID
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf.log)
ok "aiot-aiotf started: SBI $SP, NG $NG, metrics $AMPORT"

NAIOTF=http://127.0.0.1:$SP/naiotf-aiot/v1
U="\"afId\":\"af-it\",\"notifUri\":\"http://127.0.0.1:$AFPORT/cb\""
AREA='"targetArea":{"areaIds":[{"plmnId":{"mcc":"001","mnc":"01"},"aiotAreaCode":"00ab12"}]}'
metric() { curl -s http://127.0.0.1:$AMPORT/metrics | awk -v k="$1" '$1==k {print $2}'; }
# submit OP JSON -> sets TID (the transId) or fails the check
submit() {
	local r; r=$(h2post $NAIOTF/$1 "$2")
	TID=$(echo "${r#* }" | jq -r .transId 2>/dev/null || true)
	[ "${r%% *}" = 200 ] && [ -n "$TID" ] && [ "$TID" != null ] || bad "$1 not accepted: $r"
}
# wait for the last notification of $TID (seconds); prints the merged devicesRepData
wait_last() {
	for _ in $(seq 1 $((${2:-30} * 10))); do
		grep -q "\"transId\":\"$TID\".*\"lastRepInd\":true" $W/notifs.jsonl 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
notifs() { grep "\"transId\":\"$TID\"" $W/notifs.jsonl; }
ndev() { notifs | jq -s '[.[].devicesRepData // [] | .[]] | length'; }
cause() { notifs | jq -rs '[.[] | select(.lastRepInd)][0].failCause'; }

# --- Naiotf validation (TS 29.569 schema) ------------------------------------------------
code() { local r; r=$(h2post $NAIOTF/$1 "$2" "${3:-application/json}"); echo "${r%% *}"; }
check "415 without application/json" 415 "$(code request-inv "{$U,$AREA}" text/plain)"
check "400 not JSON" 400 "$(code request-inv '{')"
check "400 afId missing" 400 "$(code request-inv "{\"notifUri\":\"http://127.0.0.1:1/x\",$AREA}")"
check "400 notifUri missing" 400 "$(code request-inv "{\"afId\":\"a\",$AREA}")"
check "400 neither targetArea nor targetDevices" 400 "$(code request-inv "{$U}")"
check "400 devices and filteringInfo (oneOf)" 400 "$(code request-inv "{$U,\"targetDevices\":{\"devices\":[\"AAAA\"],\"filteringInfo\":\"AAAA\"}}")"
check "400 empty devices (minItems 1)" 400 "$(code request-inv "{$U,\"targetDevices\":{\"devices\":[]}}")"
check "400 bad aiotAreaCode pattern" 400 "$(code request-inv "{$U,\"targetArea\":{\"areaIds\":[{\"plmnId\":{\"mcc\":\"001\",\"mnc\":\"01\"},\"aiotAreaCode\":\"XYZ\"}]}}")"
check "400 devLocReqInd false" 400 "$(code request-inv "{$U,$AREA,\"devLocReqInd\":false}")"
check "400 commandType missing" 400 "$(code request-cmd "{$U,$AREA}")"
check "400 READ without length" 400 "$(code request-cmd "{$U,$AREA,\"commandType\":\"READ\",\"offset\":0}")"
check "400 WRITE without data" 400 "$(code request-cmd "{$U,$AREA,\"commandType\":\"WRITE\",\"offset\":0}")"
check "400 unknown commandType" 400 "$(code request-cmd "{$U,$AREA,\"commandType\":\"ERASE\"}")"
check "404 unknown operation" 404 "$(code request-xyz "{$U,$AREA}")"
r=$(curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' http://127.0.0.1:$SP/naiotf-aiot/v1/request-inv)
check "405 GET request-inv" 405 "$r"

# --- no reader: NO_SUCC_INV_RESP at once --------------------------------------------------
submit request-inv "{$U,$AREA}"
wait_last 5 && ok "no reader: transaction completes" || bad "no reader: no last notification"
check "no reader: failCause" NO_SUCC_INV_RESP "$(cause)"
check "no devicesRepData with failCause" 0 "$(notifs | jq -s '[.[] | select(.devicesRepData and .failCause)] | length')"

# --- reader + device population with 3 clones -----------------------------------------------
"$B/aiot-devsim" --devices $W/all.jsonl --air-listen 127.0.0.1:0 --clones 3 --stats $W/sim.json 2>$W/sim.log &
SIMPID=$!; PIDS+=("$SIMPID")
for _ in $(seq 1 50); do grep -q "air on" $W/sim.log && break; sleep 0.1; done
AIR=$(sed -n 's/.*air on \([0-9.]*:[0-9]*\).*/\1/p' $W/sim.log | head -1)
start_reader() {
	"$B/aiot-reader" --aiotf 127.0.0.1:$NG --ng-transport tcp --air $AIR --round-timeout-ms 300 "$@" 2>>$W/reader.log &
	READERPID=$!; PIDS+=("$READERPID")
	for _ in $(seq 1 50); do [ "$(metric aiot_aiotf_readers_connected)" = 1 ] && return 0; sleep 0.1; done
	bad "reader did not connect"
}
start_reader
ok "reader connected (air $AIR)"

# --- inventory of every device: genuine ones authenticated, clones rejected -----------------
f0=$(metric aiot_aiotf_auth_failures_total)
submit request-inv "{$U,$AREA,\"numDevices\":$TOTAL}"
wait_last 60 || bad "inventory: no last notification"
check "inventory: every genuine device reported" $TOTAL "$(ndev)"
check "inventory: reported devices are distinct" $TOTAL "$(notifs | jq -rs '[.[].devicesRepData // [] | .[].deviceId] | unique | length')"
check "inventory: batches of at most 1000" 1 "$(notifs | jq -s '[.[].devicesRepData // [] | length] | max <= 1000 | if . then 1 else 0 end')"
check "inventory: exactly one lastRepInd" 1 "$(notifs | jq -s '[.[] | select(.lastRepInd)] | length')"
GEN=$(jq -rs '[.[].aiotDevPermId] | sort | join(",")' $W/all.jsonl)
check "inventory: the reported set is the provisioned set" "$GEN" "$(notifs | jq -rs '[.[].devicesRepData // [] | .[].deviceId] | sort | join(",")')"
check "inventory: 3 clones rejected (aiot_aiotf_auth_failures_total)" 3 $(( $(metric aiot_aiotf_auth_failures_total) - f0 ))
line=$(grep "transaction $TID inventory" $W/aiotf.log)
ms=$(echo "$line" | sed -n 's/.*, \([0-9.]*\) ms.*/\1/p')
echo "     $line"
echo "     rate: $(awk -v n=$TOTAL -v ms=$ms 'BEGIN{printf "%.0f", n*1000/ms}') devices authenticated/s"

# The 10 privacy devices answered with T-IDs the AIOTF did not know: the ADM resolved each
# (get-authentication by T-ID, one XRES), and the AIOTF learnt the T-IDs it confirmed, with no
# profile fetched; it keeps 5 (--cache-max 5): at least 5 evicted.
TEV='aiot_aiotf_cache_evictions_total{cache="tid"}'
for _ in $(seq 1 100); do [ "$(metric "$TEV")" -ge 5 ] && break; sleep 0.1; done
check "inventory: T-IDs resolved by the ADM cached, 5 of 10 kept (cache-max 5)" 1 "$(metric "$TEV" | awk '{print ($1 >= 5)}')"
check "inventory: no profile fetched to learn them" 0 "$(metric 'aiot_aiotf_cache_evictions_total{cache="profile"}')"

# --- filteringInfo: only the privacy group (T-IDs resolved through the cache) ----------------
PFILT=$(head -1 $W/p.jsonl | jq -r .aiotDevPermId | base64 -d | head -c 4 | base64)
submit request-inv "{$U,\"targetDevices\":{\"filteringInfo\":\"$PFILT\"}}"
wait_last 30 || bad "group inventory: no last notification"
check "group inventory (filteringInfo): the 10 privacy devices" 10 "$(ndev)"

# --- commands: WRITE, READ back, privacy device rotates its T-ID ------------------------------
D1=$(sed -n 5p $W/a.jsonl | jq -r .aiotDevPermId); D2=$(sed -n 6p $W/a.jsonl | jq -r .aiotDevPermId)
P1=$(sed -n 2p $W/p.jsonl | jq -r .aiotDevPermId)
X1=$(sed -n 3p $W/x.jsonl | jq -r .aiotDevPermId); X2=$(sed -n 4p $W/x.jsonl | jq -r .aiotDevPermId)
MIX="\"$D1\",\"$D2\",\"$P1\",\"$X1\",\"$X2\""
DATA=$(echo -n "aiot-it-$RANDOM" | base64); LEN=$(echo -n "$DATA" | base64 -d | wc -c)
t0=$(metric aiot_aiotf_tid_updates_total)
submit request-cmd "{$U,\"commandType\":\"WRITE\",\"offset\":100,\"data\":\"$DATA\",\"targetDevices\":{\"devices\":[$MIX]}}"
wait_last 20 || bad "WRITE: no last notification"
check "WRITE to 3gpp and aes devices: 5 devices, no failCause" "5 0" "$(ndev) $(notifs | jq -s '[.[].devicesRepData // [] | .[] | select(.failCause)] | length')"
check "WRITE: privacy device's T-ID rotated (TID_UPDATE + get-tid)" 1 $(( $(metric aiot_aiotf_tid_updates_total) - t0 ))
submit request-cmd "{$U,\"commandType\":\"READ\",\"offset\":100,\"length\":$LEN,\"targetDevices\":{\"devices\":[$MIX]}}"
wait_last 20 || bad "READ: no last notification"
check "READ back what was written (5 devices: 3gpp, aes, privacy device paged by its new T-ID)" "$DATA $DATA $DATA $DATA $DATA" \
	"$(notifs | jq -rs '[.[].devicesRepData // [] | .[].readCmdRep] | join(" ")')"
check "READ: deviceId is the permanent ID" "$(echo -e "$D1\n$D2\n$P1\n$X1\n$X2" | sort | tr '\n' ' ')" \
	"$(notifs | jq -rs '.[].devicesRepData // [] | .[].deviceId' | sort | tr '\n' ' ')"
submit request-cmd "{$U,\"commandType\":\"READ\",\"offset\":65535,\"length\":1,\"targetDevices\":{\"devices\":[\"$D1\"]}}"
wait_last 20 || bad "READ at 65535: no last notification"
check "READ beyond the device's user memory: the device's failCause" COMMAND_TYPE_SPECIFIC_PARAMETERS_INVALID \
	"$(notifs | jq -rs '[.[].devicesRepData // [] | .[]][0].failCause')"

# --- one device named 2,000 times costs what naming it once costs (issue 11 item 7) ---------
a0=$(metric aiot_aiotf_adm_requests_total)
submit request-cmd "{$U,\"commandType\":\"READ\",\"offset\":0,\"length\":4,\"targetDevices\":{\"devices\":[\"$D1\"]}}"
wait_last 20 || bad "READ of one device: no last notification"
a1=$(metric aiot_aiotf_adm_requests_total)
COPIES=$(for _ in $(seq 2000); do printf '"%s",' "$D1"; done)
submit request-cmd "{$U,\"commandType\":\"READ\",\"offset\":0,\"length\":4,\"targetDevices\":{\"devices\":[${COPIES%,}]}}"
wait_last 20 || bad "READ of 2,000 copies: no last notification"
a2=$(metric aiot_aiotf_adm_requests_total)
check "2,000 copies of one device: 1 report, as many ADM requests as one copy ($((a1 - a0)))" \
	"1 $((a1 - a0))" "$(ndev) $((a2 - a1))"

# --- PERMANENT_DISABLE, then the device no longer answers --------------------------------
D3=$(sed -n 9p $W/a.jsonl | jq -r .aiotDevPermId)
submit request-cmd "{$U,\"commandType\":\"PERMANENT_DISABLE\",\"targetDevices\":{\"devices\":[\"$D3\"]}}"
wait_last 20 || bad "DISABLE: no last notification"
check "PERMANENT_DISABLE: reported without failCause" "1 null" "$(ndev) $(notifs | jq -rs '[.[].devicesRepData // [] | .[]][0].failCause')"
submit request-inv "{$U,\"targetDevices\":{\"devices\":[\"$D3\"]}}"
wait_last 30 || bad "inventory of a disabled device: no last notification"
check "disabled device: NO_SUCC_INV_RESP" NO_SUCC_INV_RESP "$(cause)"

# --- an unknown device: not paged, clean failCause ---------------------------------------------
submit request-cmd "{$U,\"commandType\":\"READ\",\"offset\":0,\"length\":4,\"targetDevices\":{\"devices\":[\"AAAAAAAAAAAAAAAA\"]}}"
wait_last 20 || bad "unknown device: no last notification"
check "unknown device: NO_SUCC_INV_RESP" NO_SUCC_INV_RESP "$(cause)"

# --- ADM down: clean failCause, no hang; ADM back: served again -------------------------------
# The network failed, not the devices: NO_SUCC_INV_RESP (TS 29.569 has no "network" cause),
# never AUTH_FAILURE, which is kept for devices whose RES_AIOT was checked and rejected.
# (af-it's authorization is still cached: --af-auth-ttl-ms; af_auth.sh covers an AF not cached)
kill $ADMPID; wait $ADMPID 2>/dev/null || true
s=$(date +%s%N)
submit request-inv "{$U,$AREA}"
wait_last 10 || bad "ADM down: no last notification"
check "ADM down: failCause NO_SUCC_INV_RESP" NO_SUCC_INV_RESP "$(cause)"
echo "     ADM down answered in $(( ($(date +%s%N) - s) / 1000000 )) ms"
submit request-cmd "{$U,\"commandType\":\"READ\",\"offset\":0,\"length\":4,\"targetDevices\":{\"devices\":[\"$D1\"]}}"
wait_last 10 || bad "ADM down (command): no last notification"
check "ADM down (command): failCause" NO_SUCC_INV_RESP "$(cause)"
kill -0 $AIOTFPID && ok "AIOTF still running with the ADM down" || bad "AIOTF died"
start_daemon $W/adm2.log "$B/aiot-adm" --listen 127.0.0.1:$APORT --store sqlite:$W/adm.db --kek-file $W/kek --workers 2 --af-auth $W/af.json
submit request-cmd "{$U,\"commandType\":\"READ\",\"offset\":100,\"length\":$LEN,\"targetDevices\":{\"devices\":[\"$D1\"]}}"
wait_last 20 || bad "ADM back: no last notification"
check "ADM back: served again" "$DATA" "$(notifs | jq -rs '[.[].devicesRepData // [] | .[].readCmdRep] | join(" ")')"

# --- reader lost in the middle of an inventory ---------------------------------------------
submit request-inv "{$U,$AREA}"
sleep 0.05; kill -9 $READERPID; wait $READERPID 2>/dev/null || true
wait_last 10 && ok "reader lost mid-inventory: transaction completes" || bad "reader lost: hang"
c=$(cause); n=$(ndev)
[ "$n" -gt 0 ] || [ "$c" = NO_SUCC_INV_RESP ] && ok "reader lost: $n devices reported, failCause $c" || bad "reader lost: n=$n cause=$c"
for _ in $(seq 1 30); do [ "$(metric aiot_aiotf_readers_connected)" = 0 ] && break; sleep 0.1; done
check "readers_connected back to 0" 0 "$(metric aiot_aiotf_readers_connected)"

check "no notification failed" 0 "$(metric 'aiot_aiotf_notifications_total{result="failed"}')"
check "every notification valid: never devicesRepData with failCause" 0 "$(jq -s '[.[] | select(.devicesRepData and .failCause)] | length' $W/notifs.jsonl)"
check "no transaction left" 0 "$(metric aiot_aiotf_transactions_active)"
kill $AIOTFPID; wait $AIOTFPID 2>/dev/null; check "aiot-aiotf exits 0 on SIGTERM" 0 $?
grep -qi "key" $W/aiotf.log && grep -i "k_aiot\|kaiotf" $W/aiotf.log && bad "a key in the log" || ok "no key material in the log"
finish
