#!/usr/bin/env bash
# Access tokens at work (issue 14 items 1, 4): aiot-nrf, aiot-adm --oauth2-required (it
# registers with NFService.oauth2Required) and aiot-aiotf --nrf (it discovers the ADM, sees
# oauth2Required, fetches an access token from the NRF and sends it with every ADM request);
# an inventory runs through aiot-reader and aiot-devsim. Then the NRF's signing key is rotated
# (the NRF and the ADM restarted with the new key on the same ports): the AIOTF's cached token
# is refused with 401, the AIOTF invalidates it and retries once with a new one, and the
# inventory succeeds. Then tokens of an 8 s lifetime are renewed at 80 % while inventories
# keep running, without any further 401.
source "$(dirname "$0")/lib.bash"
ADM_ID=2f0c4b4e-7d1a-4e2b-9c3d-5a6b7c8d9e01
N=20
D=$W/nrf; mkdir -p $D
nrf_up() { # KEYFILE LIFETIME [PORT]
	start_daemon $W/nrf.log "$B/aiot-nrf" --listen 127.0.0.1:${3:-0} --signing-key $D/$1 --store sqlite:$D/nrf.db \
		--token-lifetime-s $2 --metrics 127.0.0.1:0 --workers 1 --heartbeat-s 5 -c $W/policy.yaml
	NRFPID=$LASTPID; NP=$PORT; NMP=$MPORT
}
printf 'token:\n  policy:\n    AIOTF: nadm-sec nadm-dm\n' >$W/policy.yaml
nrf_up key1.pem 600
NRF_ID=$(sed -n 's/.*nfInstanceId \([0-9a-f-]*\),.*/\1/p' $W/nrf.log)
"$B/aiot" provision --store sqlite:$W/adm.db --kek-file $W/kek --count $N --group g --out $W/a.jsonl 2>/dev/null
echo '{"afAuthData":{"af-it":{"afId":"af-it","allowedServiceOperations":["INVENTORY"]}}}' >$W/af.json
adm_up() { # PUBKEY [PORT]
	start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:${2:-0} --store sqlite:$W/adm.db --kek-file $W/kek \
		--workers 1 --af-auth $W/af.json --nrf http://127.0.0.1:$NP --nf-instance-id $ADM_ID --metrics 127.0.0.1:0 \
		--oauth2-required --nrf-public-key $D/$1 --oauth2-issuer $NRF_ID --oauth2.leeway-s 0
	ADMPID=$LASTPID; AP=$PORT; AMP=$MPORT
}
adm_up key1.pub.pem
for _ in $(seq 1 100); do grep -q "registered with the NRF" $W/adm.log && break; sleep 0.1; done
start_daemon $W/af.log "$B/aiot" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--nrf http://127.0.0.1:$NP --nf-instance-id-file $W/aiotf.id --metrics 127.0.0.1:0 --inventory-timeout-ms 20000
SP=$PORT; FMP=$MPORT
grep -q "ADM http://127.0.0.1:$AP found through the NRF, OAuth 2.0 required" $W/aiotf.log &&
	ok "the AIOTF discovered the ADM and its oauth2Required" || bad "AIOTF log: $(grep -i adm $W/aiotf.log | head -3)"
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf.log)
"$B/aiot-devsim" --devices $W/a.jsonl --air-listen 127.0.0.1:0 2>$W/sim.log &
PIDS+=("$!")
for _ in $(seq 1 50); do grep -q "air on" $W/sim.log && break; sleep 0.1; done
AIR=$(sed -n 's/.*air on \([0-9.]*:[0-9]*\).*/\1/p' $W/sim.log | head -1)
"$B/aiot-reader" --aiotf 127.0.0.1:$NG --ng-transport tcp --air $AIR --round-timeout-ms 300 2>$W/reader.log &
PIDS+=("$!")
fm() { curl -s http://127.0.0.1:$FMP/metrics | awk -v k="$1" '$1==k {print $2}'; }
for _ in $(seq 1 50); do [ "$(fm aiot_aiotf_readers_connected)" = 1 ] && break; sleep 0.1; done
AREA='"targetArea":{"areaIds":[{"plmnId":{"mcc":"001","mnc":"01"},"aiotAreaCode":"00ab12"}]}'
inventory() { # prints the number of devices authenticated
	local r tid
	r=$(h2post http://127.0.0.1:$SP/naiotf-aiot/v1/request-inv "{\"afId\":\"af-it\",\"notifUri\":\"http://127.0.0.1:$AFPORT/cb\",$AREA,\"numDevices\":$N}")
	tid=$(echo "${r#* }" | jq -r .transId)
	for _ in $(seq 1 300); do grep -q "\"transId\":\"$tid\".*\"lastRepInd\":true" $W/notifs.jsonl 2>/dev/null && break; sleep 0.1; done
	grep "\"transId\":\"$tid\"" $W/notifs.jsonl | jq -s '[.[].devicesRepData // [] | .[]] | length'
}
am() { curl -s http://127.0.0.1:$AMP/metrics | awk -v k="$1" '$1==k {print $2}'; }
nm() { curl -s http://127.0.0.1:$NMP/metrics | awk -v k="$1" '$1==k {print $2}'; }
check "inventory through the ADM that requires OAuth 2.0: every device authenticated" $N "$(inventory)"
refused() { curl -s http://127.0.0.1:$AMP/metrics | awk '/^aiot_oauth2_refused_total/ {n += $2} END {print n + 0}'; }
check "the ADM requires tokens and refused none (every AIOTF request carried a valid one)" "1 0" \
	"$(curl -s http://127.0.0.1:$AMP/metrics | grep -c '^aiot_oauth2_refused_total{reason="no_token"}') $(refused)"
check "one token fetched from the NRF, one issued" "1 1" "$(fm 'aiot_aiotf_adm_tokens_total{event="fetched"}') $(nm 'aiot_nrf_tokens_total{result="issued"}')"

# --- key rotation: the cached token is refused (401), retried once with a new one ------------
kill -TERM $NRFPID; wait $NRFPID 2>/dev/null || true
nrf_up key2.pem 8 $NP
kill -TERM $ADMPID; wait $ADMPID 2>/dev/null || true
adm_up key2.pub.pem $AP
check "restarted NRF: same NF instance ID (iss)" "$NRF_ID" "$(sed -n 's/.*nfInstanceId \([0-9a-f-]*\),.*/\1/p' $W/nrf.log)"
check "after the key rotation, inventory: every device authenticated" $N "$(inventory)"
check "the ADM refused the old-key token once (401), the AIOTF retried once with a new one" "1 1" \
	"$(fm aiot_aiotf_adm_token_retries_total) $(fm 'aiot_aiotf_adm_tokens_total{event="invalidated"}')"
[ "$(am 'aiot_oauth2_refused_total{reason="bad_kid"}')" -ge 1 ] && ok "the ADM counted the old key's token (bad_kid)" ||
	bad "ADM refusals: $(curl -s http://127.0.0.1:$AMP/metrics | grep refused_total)"

# --- renewal at 80 % of an 8 s lifetime, while inventories run --------------------------------
t0=$(date +%s); ok_all=1
while [ $(($(date +%s) - t0)) -lt 20 ]; do
	[ "$(inventory)" = $N ] || ok_all=0
	[ "$(fm 'aiot_aiotf_adm_tokens_total{event="renewed"}')" -ge 1 ] && break
done
[ $ok_all = 1 ] && ok "every inventory succeeded across the token lifetimes" || bad "an inventory failed"
[ "$(fm 'aiot_aiotf_adm_tokens_total{event="renewed"}')" -ge 1 ] && ok "a token renewed before it expired (80 % of 8 s)" ||
	bad "no renewal: $(curl -s http://127.0.0.1:$FMP/metrics | grep adm_token)"
check "no 401 since the rotation" 1 "$(fm aiot_aiotf_adm_token_retries_total)"
 # --- no NRF: the ADM restarted with the old key refuses the token, no new one can be had ------
kill -TERM $NRFPID; wait $NRFPID 2>/dev/null || true
kill -TERM $ADMPID; wait $ADMPID 2>/dev/null || true
adm_up key1.pub.pem $AP
t0=$(date +%s%N)
check "NRF gone, token refused: the inventory ends, no device verified" 0 "$(inventory)"
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -lt 15000 ] && ok "... in $ms ms (the queued requests fail with the one failed fetch)" || bad "took $ms ms"
[ "$(fm 'aiot_aiotf_adm_tokens_total{event="failed"}')" -ge 1 ] && ok "the failed fetch counted" ||
	bad "$(curl -s http://127.0.0.1:$FMP/metrics | grep adm_token)"
grep -q "eyJ" $W/aiotf.log $W/adm.log $W/nrf.log && bad "a token in a log" || ok "no token logged"
finish
