#!/usr/bin/env bash
# aiot-nrf end to end (issue 14 items 1, 5): Nnrf_NFManagement and Nnrf_NFDiscovery by curl,
# every body checked against TS29510_*.yaml; bad inputs with their ProblemDetails; heartbeat
# expiry (SUSPENDED, not discovered, back on the next heartbeat); the registry and the signing
# key across a restart. Then the real aiot-adm and aiot-aiotf with --nrf: they register,
# heartbeat, the AIOTF finds both ADM instances through the NRF and an inventory runs through
# them (each serves some of its requests), and SIGTERM deregisters them.
source "$(dirname "$0")/lib.bash"
PY=/usr/bin/python3
NRFD=$W/nrf; mkdir -p $NRFD
start_nrf() {
	start_daemon $W/nrf.log "$B/aiot-nrf" --listen 127.0.0.1:${1:-0} --signing-key $NRFD/signing.pem \
		--heartbeat-s 1 --heartbeat-grace-ms 700 --metrics 127.0.0.1:0 --workers 2
	NRFPID=$LASTPID; NP=$PORT; NMP=$MPORT
}
# The shipped config/nrf.yaml, with its paths and ports moved into the work dir.
sed -e "s|127.0.0.1:8000|127.0.0.1:0|; s|127.0.0.1:9110|127.0.0.1:0|; s|/var/lib/aiot|$W/cfg|" \
	"$S/config/nrf.yaml" >$W/nrf.yaml
mkdir -p $W/cfg
start_daemon $W/nrf-cfg.log "$B/aiot-nrf" -c $W/nrf.yaml
grep -q "heartBeatTimer 60 s" $W/nrf-cfg.log && [ -s $W/cfg/nrf.db ] && [ -s $W/cfg/nrf-signing.pem ] &&
	ok "aiot-nrf -c config/nrf.yaml: its keys, store and key file" || bad "config/nrf.yaml: $(cat $W/nrf-cfg.log)"
kill $LASTPID
rc=0; "$B/aiot-nrf" --listen 127.0.0.1:0 2>$W/nokey.log || rc=$?
check "no --signing-key: usage error" 2 $rc
# a signing key others may read, or not P-256, is refused
cp $W/cfg/nrf-signing.pem $W/k644.pem; chmod 644 $W/k644.pem
rc=0; timeout 10 "$B/aiot-nrf" --listen 127.0.0.1:0 --signing-key $W/k644.pem 2>$W/k644.log || rc=$?
[ $rc -eq 1 ] && grep -q "k644.pem" $W/k644.log && ok "signing key readable by others: refused" || bad "k644: rc $rc $(cat $W/k644.log)"
openssl genpkey -algorithm ed25519 -out $W/ed.pem 2>/dev/null; chmod 600 $W/ed.pem
rc=0; timeout 10 "$B/aiot-nrf" --listen 127.0.0.1:0 --signing-key $W/ed.pem 2>$W/ed.log || rc=$?
[ $rc -eq 1 ] && grep -q "not a P-256 private key" $W/ed.log && ok "signing key not P-256: refused" || bad "ed25519 key: rc $rc $(cat $W/ed.log)"
start_nrf
ok "aiot-nrf started on port $NP"
check "signing key created, mode 0600" 600 "$(stat -c %a $NRFD/signing.pem)"
check "signing key is P-256" "prime256v1" "$(openssl pkey -in $NRFD/signing.pem -noout -text | sed -n 's/^ASN1 OID: //p')"
grep -q "PRIVATE\|BEGIN" $W/nrf.log && bad "the log shows key material" || ok "nothing secret logged"
NFM=http://127.0.0.1:$NP/nnrf-nfm/v1/nf-instances
DISC=http://127.0.0.1:$NP/nnrf-disc/v1/nf-instances
MY=TS29510_Nnrf_NFManagement.yaml; DY=TS29510_Nnrf_NFDiscovery.yaml
M=$W/manifest; NB=0
# req EXPECTED YAML OPERATION LABEL -- curl args: the status, and the body for check_bodies.py
req() {
	local want=$1 y=$2 op=$3 label=$4; shift 5
	NB=$((NB + 1)); BODY=$W/body.$NB
	local out st ct
	out=$(curl -sS --http2-prior-knowledge -D $W/hdr.$NB -o $BODY -w '%{http_code} %{content_type}' "$@")
	st=${out%% *}; ct=${out#* }; ct=${ct%%;*}
	[ -s $BODY ] || ct=-
	check "$label: status" "$want" "$st"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$y" "$op" "$st" "${ct:--}" "$BODY" "$label" >>$M
}
PUT="-X PUT -H content-type:application/json --data-binary"
PATCH="-X PATCH -H content-type:application/json-patch+json --data-binary"
ID1=$(cat /proc/sys/kernel/random/uuid); ID2=$(cat /proc/sys/kernel/random/uuid)
prof() { # id type [extra members]
	echo "{\"nfInstanceId\":\"$1\",\"nfType\":\"$2\",\"nfStatus\":\"REGISTERED\",\"ipv4Addresses\":[\"127.0.0.1\"],\"nfServiceList\":{\"nadm-sec\":{\"serviceInstanceId\":\"nadm-sec\",\"serviceName\":\"nadm-sec\",\"versions\":[{\"apiVersionInUri\":\"v1\",\"apiFullVersion\":\"1.0.0\"}],\"scheme\":\"http\",\"nfServiceStatus\":\"REGISTERED\",\"ipEndPoints\":[{\"ipv4Address\":\"127.0.0.1\",\"port\":7777}]}},\"admInfo\":{\"afIdList\":[\"af-1\"]}${3:-}}"
}

# --- Nnrf_NFManagement -------------------------------------------------------------------
P="PUT /nf-instances/{nfInstanceID}"
# TS29510_Nnrf_NFManagement.yaml gives the 400 of PUT as NFProfileRegistrationError, which
# requires sharedDataIds (the unknown shared data IDs of the profile): this NRF holds no
# SharedData, so its 400s are the ProblemDetails of TS 29.500 5.2.7.2, checked as such.
P400="TS29571_CommonData.yaml schema:ProblemDetails"
req 201 $MY "$P" "register (PUT)" -- $PUT "$(prof $ID1 ADM)" $NFM/$ID1
check "register: Location" "/nnrf-nfm/v1/nf-instances/$ID1" "$(sed -n 's/^location: \([^\r]*\).*/\1/p' $W/hdr.$NB)"
check "register: heartBeatTimer imposed" 1 "$(jq .heartBeatTimer $BODY)"
req 200 $MY "$P" "replace (PUT again)" -- $PUT "$(prof $ID1 ADM ',"load":3')" $NFM/$ID1
check "replace: new content" 3 "$(jq .load $BODY)"
req 201 $MY "$P" "register a second ADM, allowedNfTypes AF only" -- $PUT "$(prof $ID2 ADM ',"allowedNfTypes":["AF"]')" $NFM/$ID2
req 200 $MY "GET /nf-instances/{nfInstanceID}" "GET the profile" -- $NFM/$ID1
check "GET: the profile" "ADM REGISTERED" "$(jq -r '.nfType + " " + .nfStatus' $BODY)"
req 400 $P400 "PUT: nfInstanceId differs from the URI" -- $PUT "$(prof $ID2 ADM)" $NFM/$ID1
check "mismatched ID: cause" MANDATORY_IE_INCORRECT "$(jq -r .cause $BODY)"
req 400 $P400 "PUT: nfType missing" -- $PUT "{\"nfInstanceId\":\"$ID1\",\"nfStatus\":\"REGISTERED\",\"fqdn\":\"a.b\"}" $NFM/$ID1
check "nfType missing: cause" MANDATORY_IE_MISSING "$(jq -r .cause $BODY)"
req 400 $P400 "PUT: no address" -- $PUT "{\"nfInstanceId\":\"$ID1\",\"nfType\":\"ADM\",\"nfStatus\":\"REGISTERED\"}" $NFM/$ID1
req 400 $P400 "PUT: not JSON" -- $PUT '{"nfInstanceId":' $NFM/$ID1
req 400 $P400 "PUT: duplicate member (strict JSON)" -- $PUT "{\"nfType\":\"ADM\",\"nfType\":\"AIOTF\"}" $NFM/$ID1
req 400 $P400 "PUT: path is not a UUID" -- $PUT "$(prof $ID1 ADM)" $NFM/not-a-uuid
req 415 $MY "$P" "PUT: text/plain" -- -X PUT -H content-type:text/plain --data-binary x $NFM/$ID1
U="PATCH /nf-instances/{nfInstanceID}"
req 200 $MY "$U" "heartbeat (PATCH replace /nfStatus)" -- $PATCH '[{"op":"replace","path":"/nfStatus","value":"REGISTERED"}]' $NFM/$ID1
req 200 $MY "$U" "PATCH replace /load" -- $PATCH '[{"op":"replace","path":"/load","value":7}]' $NFM/$ID1
check "PATCH: applied" 7 "$(jq .load $BODY)"
req 200 $MY "$U" "PATCH add, test, remove" -- $PATCH '[{"op":"add","path":"/priority","value":5},{"op":"test","path":"/priority","value":5},{"op":"remove","path":"/priority"}]' $NFM/$ID1
check "PATCH: add then remove" null "$(jq .priority $BODY)"
req 400 $MY "$U" "PATCH: replace of an absent member" -- $PATCH '[{"op":"replace","path":"/capacity","value":1}]' $NFM/$ID1
req 400 $MY "$U" "PATCH: unknown op" -- $PATCH '[{"op":"frobnicate","path":"/load"}]' $NFM/$ID1
req 400 $MY "$U" "PATCH: not an array" -- $PATCH '{"op":"replace"}' $NFM/$ID1
req 400 $MY "$U" "PATCH: nfType cannot change" -- $PATCH '[{"op":"replace","path":"/nfType","value":"AIOTF"}]' $NFM/$ID1
req 400 $MY "$U" "PATCH: bad pointer escape" -- $PATCH '[{"op":"add","path":"/a~2b","value":1}]' $NFM/$ID1
req 409 $MY "$U" "PATCH: failed test (nothing applied)" -- $PATCH '[{"op":"replace","path":"/load","value":9},{"op":"test","path":"/load","value":8}]' $NFM/$ID1
req 415 $MY "$U" "PATCH: application/json" -- -X PATCH -H content-type:application/json --data-binary '[]' $NFM/$ID1
req 404 $MY "$U" "PATCH: unknown instance" -- $PATCH '[{"op":"replace","path":"/load","value":1}]' $NFM/$(cat /proc/sys/kernel/random/uuid)
check "failed patch left the profile as it was" 7 "$(curl -s --http2-prior-knowledge $NFM/$ID1 | jq .load)"

# --- Nnrf_NFDiscovery --------------------------------------------------------------------
G="GET /nf-instances"
req 200 $DY "$G" "discover ADM by AIOTF" -- "$DISC?target-nf-type=ADM&requester-nf-type=AIOTF"
check "discovery: the ADM not limited to AFs only" "$ID1" "$(jq -r '[.nfInstances[].nfInstanceId] | join(",")' $BODY)"
check "discovery: validityPeriod" 60 "$(jq .validityPeriod $BODY)"
req 200 $DY "$G" "discover ADM by AF (allowedNfTypes)" -- "$DISC?target-nf-type=ADM&requester-nf-type=AF"
check "discovery: both for an AF" 2 "$(jq '.nfInstances | length' $BODY)"
req 200 $DY "$G" "discover by target-nf-instance-id" -- "$DISC?target-nf-type=ADM&requester-nf-type=AF&target-nf-instance-id=$ID2&requester-nf-instance-id=$ID1"
check "discovery: one by ID" "$ID2" "$(jq -r '[.nfInstances[].nfInstanceId] | join(",")' $BODY)"
req 200 $DY "$G" "discover by service-names" -- "$DISC?target-nf-type=ADM&requester-nf-type=AIOTF&service-names=nudm-sdm,nadm-sec"
check "discovery: nadm-sec offered" 1 "$(jq '.nfInstances | length' $BODY)"
req 200 $DY "$G" "discover: a service nobody offers" -- "$DISC?target-nf-type=ADM&requester-nf-type=AIOTF&service-names=nadm-dm"
check "discovery: none" 0 "$(jq '.nfInstances | length' $BODY)"
req 400 $DY "$G" "discover without requester-nf-type" -- "$DISC?target-nf-type=ADM"
check "missing parameter: cause" MANDATORY_QUERY_PARAM_MISSING "$(jq -r .cause $BODY)"
req 400 $DY "$G" "discover without target-nf-type" -- "$DISC?requester-nf-type=AIOTF"
req 400 $DY "$G" "discover: target-nf-instance-id not a UUID" -- "$DISC?target-nf-type=ADM&requester-nf-type=AIOTF&target-nf-instance-id=x"
check "bad parameter: cause" INVALID_QUERY_PARAM "$(jq -r .cause $BODY)"

# --- heartbeat expiry: SUSPENDED, not discovered, back on the next heartbeat ---------------
disc_ids() { curl -s --http2-prior-knowledge "$DISC?target-nf-type=${1:-ADM}&requester-nf-type=AIOTF" | jq -r '[.nfInstances[].nfInstanceId] | join(",")'; }
status_of() { curl -s --http2-prior-knowledge $NFM/$1 | jq -r .nfStatus; }
for _ in $(seq 1 60); do [ "$(status_of $ID1)" = SUSPENDED ] && break; sleep 0.1; done
check "no heartbeat for heartBeatTimer + grace: SUSPENDED" SUSPENDED "$(status_of $ID1)"
check "a SUSPENDED instance is not discovered" "" "$(disc_ids)"
req 200 $MY "$U" "heartbeat after the expiry" -- $PATCH '[{"op":"replace","path":"/load","value":1}]' $NFM/$ID1
check "heartbeat: REGISTERED again" REGISTERED "$(jq -r .nfStatus $BODY)"
check "discovered again" "$ID1" "$(disc_ids)"

# --- restart: the registry and the key are kept ---------------------------------------------
KEYSUM=$(sha256sum <$NRFD/signing.pem); NRFID=$(sed -n 's/.*nfInstanceId \([0-9a-f-]*\),.*/\1/p' $W/nrf.log)
kill -TERM $NRFPID; wait $NRFPID 2>/dev/null || true
start_nrf
check "restart: signing key loaded, not replaced" "$KEYSUM" "$(sha256sum <$NRFD/signing.pem)"
grep -q "signing key .* loaded" $W/nrf.log && ok "restart: log says loaded" || bad "restart: key not loaded"
check "restart: the NRF's nfInstanceId kept" "$NRFID" "$(sed -n 's/.*nfInstanceId \([0-9a-f-]*\),.*/\1/p' $W/nrf.log)"
NFM=http://127.0.0.1:$NP/nnrf-nfm/v1/nf-instances; DISC=http://127.0.0.1:$NP/nnrf-disc/v1/nf-instances
check "restart: the profile is still there" "ADM 1" "$(curl -s --http2-prior-knowledge $NFM/$ID1 | jq -r '.nfType + " " + (.load|tostring)')"
req 204 $MY "DELETE /nf-instances/{nfInstanceID}" "deregister (DELETE)" -- -X DELETE $NFM/$ID1
req 404 $MY "GET /nf-instances/{nfInstanceID}" "GET after DELETE" -- $NFM/$ID1
req 404 $MY "DELETE /nf-instances/{nfInstanceID}" "DELETE again" -- -X DELETE $NFM/$ID1
curl -s --http2-prior-knowledge -X DELETE $NFM/$ID2 >/dev/null

# --- the ADM and the AIOTF register; the AIOTF finds the ADM through the NRF ------------------
N=30
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count $N --group shelf-a --out $W/a.jsonl 2>$W/prov.log
echo '{"afAuthData":{"af-it":{"afId":"af-it","allowedServiceOperations":["INVENTORY"]}}}' >$W/af.json
NRF=http://127.0.0.1:$NP
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek --workers 1 --af-auth $W/af.json --nrf $NRF
APORT=$PORT; ADMPID=$LASTPID
ADMID=$(cat $W/adm.db.nf-instance-id)
for _ in $(seq 1 50); do [ -n "$(disc_ids)" ] && break; sleep 0.1; done
check "the ADM registered (discovered by the AIOTF's type)" "$ADMID" "$(disc_ids)"
req 200 $DY "GET /nf-instances" "discovery of the real ADM" -- "$DISC?target-nf-type=ADM&requester-nf-type=AIOTF"
check "ADM profile: its port and services" "$APORT nadm-dm,nadm-sec http" "$(jq -r '.nfInstances[0] | ([.nfServiceList[].ipEndPoints[0].port]|unique|.[0]|tostring) + " " + ([.nfServiceList[].serviceName]|sort|join(",")) + " " + .nfServiceList["nadm-sec"].scheme' $BODY)"
check "ADM profile: admInfo.afIdList" af-it "$(jq -r '.nfInstances[0].admInfo.afIdList[0]' $BODY)"
# a second ADM instance with the same devices (its own store): the AIOTF uses both
"$AIOT" provision --store sqlite:$W/adm2.db --kek-file $W/kek --import $W/a.jsonl 2>>$W/prov.log
start_daemon $W/adm2.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm2.db --kek-file $W/kek --workers 1 --af-auth $W/af.json --nrf $NRF
APORT2=$PORT; ADMPID2=$LASTPID
for _ in $(seq 1 50); do [ "$(disc_ids | tr ',' '\n' | grep -c .)" = 2 ] && break; sleep 0.1; done
check "two ADM instances registered" 2 "$(disc_ids | tr ',' '\n' | grep -c .)"
start_daemon $W/af.log "$B/aiot" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--nrf $NRF --nf-instance-id-file $W/aiotf.id --metrics 127.0.0.1:0 --inventory-timeout-ms 20000
SP=$PORT; AMPORT=$MPORT; AIOTFPID=$LASTPID
found=$(sed -n 's/.*ADM \(.*\) found through the NRF.*/\1/p' $W/aiotf.log | tr ',' '\n' | sort | tr '\n' ' ')
check "the AIOTF found both ADM instances through the NRF" \
	"$(printf 'http://127.0.0.1:%s\n' $APORT $APORT2 | sort | tr '\n' ' ')" "$found"
AIOTFID=$(cat $W/aiotf.id)
for _ in $(seq 1 50); do [ -n "$(disc_ids AIOTF)" ] && break; sleep 0.1; done
check "the AIOTF registered" "$AIOTFID" "$(disc_ids AIOTF)"
req 200 $MY "GET /nf-instances/{nfInstanceID}" "the AIOTF's profile" -- $NFM/$AIOTFID
check "AIOTF profile: naiotf-aiot on its port, aiotfInfoList" "$SP naiotf-aiot 1" "$(jq -r '(.nfServiceList["naiotf-aiot"].ipEndPoints[0].port|tostring) + " " + .nfServiceList["naiotf-aiot"].serviceName + " " + (.aiotfInfoList|length|tostring)' $BODY)"
b0=$(curl -s http://127.0.0.1:$NMP/metrics | awk '$1=="aiot_nrf_ops_total{op=\"UpdateNFInstance\"}" {print $2}')
sleep 2.5 # more than heartBeatTimer + grace: only heartbeats keep them REGISTERED
check "heartbeats keep the ADM REGISTERED" REGISTERED "$(status_of $ADMID)"
check "heartbeats keep the AIOTF REGISTERED" REGISTERED "$(status_of $AIOTFID)"
b1=$(curl -s http://127.0.0.1:$NMP/metrics | awk '$1=="aiot_nrf_ops_total{op=\"UpdateNFInstance\"}" {print $2}')
[ $((b1 - b0)) -ge 2 ] && ok "heartbeats counted at the NRF ($((b1 - b0)))" || bad "heartbeats: $b0 -> $b1"

# an inventory through the AIOTF, which reaches the ADM it discovered
metric() { curl -s http://127.0.0.1:$AMPORT/metrics | awk -v k="$1" '$1==k {print $2}'; }
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf.log)
"$B/aiot-devsim" --devices $W/a.jsonl --air-listen 127.0.0.1:0 2>$W/sim.log &
PIDS+=("$!")
for _ in $(seq 1 50); do grep -q "air on" $W/sim.log && break; sleep 0.1; done
AIR=$(sed -n 's/.*air on \([0-9.]*:[0-9]*\).*/\1/p' $W/sim.log | head -1)
"$B/aiot-reader" --aiotf 127.0.0.1:$NG --ng-transport tcp --air $AIR --round-timeout-ms 300 2>$W/reader.log &
PIDS+=("$!")
for _ in $(seq 1 50); do [ "$(metric aiot_aiotf_readers_connected)" = 1 ] && break; sleep 0.1; done
AREA='"targetArea":{"areaIds":[{"plmnId":{"mcc":"001","mnc":"01"},"aiotAreaCode":"00ab12"}]}'
r=$(h2post http://127.0.0.1:$SP/naiotf-aiot/v1/request-inv "{\"afId\":\"af-it\",\"notifUri\":\"http://127.0.0.1:$AFPORT/cb\",$AREA,\"numDevices\":$N}")
check "inventory accepted" 200 "${r%% *}"
TID=$(echo "${r#* }" | jq -r .transId)
for _ in $(seq 1 300); do grep -q "\"transId\":\"$TID\".*\"lastRepInd\":true" $W/notifs.jsonl 2>/dev/null && break; sleep 0.1; done
check "inventory through the discovered ADM: every device authenticated" $N \
	"$(grep "\"transId\":\"$TID\"" $W/notifs.jsonl | jq -s '[.[].devicesRepData // [] | .[]] | length')"
inst_req() { metric "aiot_aiotf_adm_instance_requests_total{instance=\"http://127.0.0.1:$1\"}"; }
[ "$(inst_req $APORT)" -gt 0 ] && [ "$(inst_req $APORT2)" -gt 0 ] &&
	ok "both discovered ADMs served ($(inst_req $APORT) and $(inst_req $APORT2) requests)" ||
	bad "discovered ADMs: $(inst_req $APORT) and $(inst_req $APORT2) requests"

# SIGTERM: both deregister
kill -TERM $AIOTFPID; wait $AIOTFPID 2>/dev/null || true
kill -TERM $ADMPID; wait $ADMPID 2>/dev/null || true
kill -TERM $ADMPID2; wait $ADMPID2 2>/dev/null || true
check "SIGTERM: the AIOTF deregistered" 404 "$(curl -s -o /dev/null -w '%{http_code}' --http2-prior-knowledge $NFM/$AIOTFID)"
check "SIGTERM: the ADM deregistered" 404 "$(curl -s -o /dev/null -w '%{http_code}' --http2-prior-knowledge $NFM/$ADMID)"
grep -q "deregistered from the NRF" $W/adm.log && ok "ADM log: deregistered" || bad "ADM log: no deregistration"

# --- over mutual TLS: an https:// NRF, the ADM with its client certificate ------------------
"$AIOT" pki --out $W/pki --names nrf,adm >/dev/null 2>&1
start_daemon $W/nrf-tls.log "$B/aiot-nrf" --listen 127.0.0.1:0 --signing-key $W/tls-signing.pem \
	--tls-cert $W/pki/nrf.crt --tls-key $W/pki/nrf.key --tls-ca $W/pki/ca.crt --heartbeat-s 1
TP=$PORT
tcurl() { curl -s --cacert $W/pki/ca.crt --cert $W/pki/adm.crt --key $W/pki/adm.key "$@"; }
start_daemon $W/adm-tls.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek --workers 1 \
	--nrf https://127.0.0.1:$TP --nrf.ca $W/pki/ca.crt --nrf.cert $W/pki/adm.crt --nrf.key $W/pki/adm.key
ADMPID=$LASTPID
for _ in $(seq 1 50); do grep -q "registered with the NRF" $W/adm-tls.log && break; sleep 0.1; done
check "mTLS: the ADM registered with an https NRF" REGISTERED \
	"$(tcurl https://127.0.0.1:$TP/nnrf-nfm/v1/nf-instances/$ADMID | jq -r .nfStatus)"
kill -TERM $ADMPID; wait $ADMPID 2>/dev/null || true
check "mTLS: deregistered on SIGTERM" 404 "$(tcurl -o /dev/null -w '%{http_code}' https://127.0.0.1:$TP/nnrf-nfm/v1/nf-instances/$ADMID)"

# --- every body against the official YAMLs -----------------------------------------------
rc=0; $PY "$S/tests/schema/check_bodies.py" --spec "$S/spec/openapi" --batch $M >$W/check.txt 2>&1 || rc=$?
grep FAIL $W/check.txt >&2 || true
check "check_bodies.py: $(grep -c '^ok' $W/check.txt) bodies valid against TS 29.510" 0 $rc
finish
