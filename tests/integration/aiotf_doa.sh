#!/usr/bin/env bash
# The AIOTF's DO-A procedure (device-originated access, docs/protocol.md §3.10) with real
# processes: aiot provision, aiot-adm on SQLite, aiot-aiotf, and doa_reader as the reader,
# which runs genuine DO-A devices (the device library) over the NG link. Registration with
# mutual authentication (the devices verify MAC_N and M4), T-ID rotation for privacy devices,
# Uplink Data delivered (counted in /metrics), twice per device: the second registration of a
# privacy device names it by the T-ID its first M4 gave it, which the ADM then knows; clones (right identifier, wrong key) refused on
# RES_D; replayed M3 and Uplink Data refused; an M1 flood rate-limited before the ADM. An AF
# subscribed (Naiotf DO-A subscription, aiot af-sink) gets every registration and every datum
# once, none of the clones' or replays.
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf doa_reader; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 6 --group doa --out $W/d.jsonl 2>$W/prov.log
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 2 --privacy --group doa-p --out $W/p.jsonl 2>>$W/prov.log
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 2 --suite aes --res-bits 32 --group doa-aes --out $W/x.jsonl 2>>$W/prov.log
cat $W/d.jsonl $W/p.jsonl $W/x.jsonl >$W/all.jsonl
N=10 DATA=3 CLONES=2 FLOOD=300 RATE=20 BURST=40

echo '{"afAuthData":{"af-doa":{"afId":"af-doa","allowedServiceOperations":["DOA"]}}}' >$W/af.json
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek \
	--workers 2 --metrics 127.0.0.1:0 --af-auth $W/af.json
APORT=$PORT; ADM_M=$MPORT
start_daemon $W/af.log "$AIOT" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$APORT --metrics 127.0.0.1:0 --log-level info \
	--doa-m1-rate $RATE --doa-m1-burst $BURST --doa-exchange-timeout-ms 3000
AMPORT=$MPORT; SBI=$PORT; AIOTFPID=$LASTPID
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf.log)
ok "aiot-adm and aiot-aiotf started (NG $NG)"
metric() { curl -s http://127.0.0.1:$1/metrics | awk -v k="$2" '$1==k {print $2}'; }

r=$(h2post http://127.0.0.1:$SBI/naiotf-aiot/v1/doa-subscriptions \
	"{\"afId\":\"af-doa\",\"notifUri\":\"http://127.0.0.1:$AFPORT/doa\",\"regInd\":true}")
check "the AF subscribed to DO-A registrations and data" 201 "${r%% *}"
SUB=$(echo "${r#* }" | jq -r .subscriptionId)

T=20; [ "$SANITIZED" = 1 ] && T=60
"$B/doa_reader" --aiotf 127.0.0.1:$NG --transport tcp --devices $W/all.jsonl --data $DATA \
	--rounds 2 --clones $CLONES --replay --flood $FLOOD --timeout-s $T >$W/reader.json 2>$W/reader.log ||
	{ cat $W/reader.log >&2; bad "doa_reader did not finish"; }
r=$(cat $W/reader.json); echo "$r"
j() { echo "$r" | jq -r ".$1"; }
check "every genuine device registered twice, verifying MAC_N and M4 (under K_AIOT_int)" $((2 * N)) "$(j registered)"
check "privacy devices applied TID_UPDATE from each M4, and were found by the new T-ID" 4 "$(j tid_rotations)"
check "clones refused the network's MAC_N (it was made for the genuine key)" $CLONES "$(j clone_m2_refused)"
check "no clone registered" 0 "$(j clone_registered)"

# /metrics, polled: the last Uplink Data may still be in flight when the reader exits
m() { metric $AMPORT "$1"; }
want=$((2 * N * (DATA + 1)))
for _ in $(seq 1 50); do [ "$(m 'aiot_aiotf_doa_uplink_data_total{result="delivered"}')" = "$want" ] && break; sleep 0.1; done
check "uplink data delivered: first block in M3 + $DATA each" $want "$(m 'aiot_aiotf_doa_uplink_data_total{result="delivered"}')"
check "registrations" $((2 * N)) "$(m aiot_aiotf_doa_registrations_total)"
check "clones: RES_D failures" $CLONES "$(m aiot_aiotf_doa_resd_failures_total)"
check "exchanges ended on a wrong RES_D" $CLONES "$(m 'aiot_aiotf_doa_exchanges_total{end="res_d_wrong"}')"
check "replayed Uplink Data refused" $N "$(m 'aiot_aiotf_doa_uplink_data_total{result="replayed"}')"
check "replayed M3 refused (no exchange waits for it)" $N "$(m aiot_aiotf_doa_unexpected_total)"
check "no forged Uplink Data" 0 "$(m 'aiot_aiotf_doa_uplink_data_total{result="bad_mac"}')"
check "T-IDs rotated at the ADM (get-tid)" 4 "$(m aiot_aiotf_tid_updates_total)"
refused=$(m 'aiot_aiotf_doa_m1_refused_total{reason="reader_rate"}')
idref=$(m 'aiot_aiotf_doa_m1_refused_total{reason="identifier_rate"}')
m1=$(m aiot_aiotf_doa_m1_total)
check "every M1 counted" $((2 * N + CLONES + FLOOD)) "$m1"
[ "$refused" -gt 0 ] && ok "M1 flood: $refused refused by the reader's rate ($RATE/s, burst $BURST)" || bad "no M1 refused for rate"
adm_doa=$(metric $ADM_M aiot_adm_doa_requests_total)
# the reader's bucket admits at most BURST + RATE x elapsed; the identifier limit (8/10 s) less
[ "$adm_doa" -le $((2 * N + CLONES + 8)) ] && ok "the ADM saw $adm_doa get-doa-authentication of $m1 M1s ($idref refused per identifier)" ||
	bad "ADM saw $adm_doa get-doa-authentication for $m1 M1s"
check "no M2 beyond the ADM's answers" "$(metric $ADM_M 'aiot_adm_doa_total{result="issued"}')" "$(m aiot_aiotf_doa_m2_total)"

# The AF's notifications: AIoTNotif with transId = the subscriptionId; registrations without
# readCmdRep, data with it (base64 of what the device sent)
items() { jq -c --arg s "$SUB" 'select(.transId == $s) | .devicesRepData[]' $W/notifs.jsonl 2>/dev/null; }
for _ in $(seq 1 50); do [ "$(items | wc -l)" -ge $((2 * N + want)) ] && break; sleep 0.1; done
check "AF notified of every registration" $((2 * N)) "$(items | jq -s 'map(select(.readCmdRep == null)) | length')"
check "AF notified of every datum once (no replay, no clone)" $want "$(items | jq -s 'map(select(.readCmdRep != null)) | length')"
check "device 1's third datum, as it sent it, once per registration" 2 \
	"$(items | jq -r 'select(.readCmdRep != null) | .readCmdRep | @base64d' | grep -c '^dev-1-data-3$')"
# Every notification the AF received, against the callback of openapi/Naiotf_DoA.yaml
M=$W/manifest; i=0
while IFS= read -r line; do
	i=$((i + 1)); echo "$line" >$W/notif.$i
	printf '%s\t%s\trequest\tapplication/json\t%s\t%s\n' Naiotf_DoA.yaml \
		"POST /doa-subscriptions DoaNotification" $W/notif.$i "DO-A notification $i" >>$M
done <$W/notifs.jsonl
rc=0; /usr/bin/python3 "$S/tests/schema/check_bodies.py" --spec "$S/spec/openapi" --spec "$S/openapi" \
	--batch $M >$W/check.txt 2>&1 || rc=$?
grep -v '^ok ' $W/check.txt >&2 || true
check "every DO-A notification ($i) valid against openapi/Naiotf_DoA.yaml" "0 $i" \
	"$rc $(grep -c '^ok ' $W/check.txt)"
# The reader has left: its link's contexts went with it (keys zeroised); then SIGTERM, nothing
# leaked (LeakSanitizer under ASan)
for _ in $(seq 1 50); do [ "$(m aiot_aiotf_doa_contexts)" = 0 ] && break; sleep 0.1; done
check "the reader's link closed: its DO-A contexts dropped" 0 "$(m aiot_aiotf_doa_contexts)"
kill $AIOTFPID; wait $AIOTFPID 2>/dev/null; check "aiot-aiotf exits 0 on SIGTERM" 0 $?
finish
