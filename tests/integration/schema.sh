#!/usr/bin/env bash
# Every kind of SBI body aiot emits, checked against the official 3GPP YAMLs (spec/openapi)
# and aiot's own extensions of them (openapi/: get-doa-authentication, DO-A subscriptions) by
# tests/schema/check_bodies.py: real aiot-adm (with AF authorization data), aiot-aiotf,
# aiot-reader, aiot-devsim (with a clone) and aiot af-sink as the notifUri, driven by curl.
# Nadm_Sec and Nadm_DM answers, Naiotf answers, every AIoTNotif the AF received, every
# request the AIOTF sent to the ADM (through tests/schema/sbi_tap.py), and the
# ProblemDetails of every error kind (400, 403, 404, 405, 413, 415, 500, 504).
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf aiot-reader aiot-devsim; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done
PY=/usr/bin/python3
$PY -c 'import jsonschema, yaml' 2>/dev/null || { bad "python3-jsonschema / python3-yaml missing (scripts/deps.sh)"; finish; exit 1; }

"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 4 --group shelf --out $W/a.jsonl 2>$W/prov.log
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 2 --privacy --group private --out $W/p.jsonl 2>>$W/prov.log
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 2 --suite aes --res-bits 32 --group tags-aes --out $W/x.jsonl 2>>$W/prov.log
cat $W/a.jsonl $W/p.jsonl $W/x.jsonl >$W/all.jsonl
cat >$W/af.json <<'EOF'
{"afAuthData":{
 "af-s":{"afId":"af-s","allowedServiceOperations":["INVENTORY","READ","WRITE","PERMANENT_DISABLE","DOA"]},
 "af-read":{"afId":"af-read","allowedServiceOperations":["INVENTORY","READ"],
   "allowedArea":{"areaIds":[{"plmnId":{"mcc":"001","mnc":"01"},"nid":"0123456789a","aiotAreaCode":"00ab12"}]},
   "allowedTargetAiotDevices":[{"filteringInfo":"AQIDBA=="},{"aiotDevPermId":"BwcHBwAAAAE="}]}
}}
EOF
# The ADM serves its AF authorization data as it is: what its schema forbids is refused at start.
for bad_af in '"allowedServiceOperations":"READ"' '"alowedArea":{}' \
	'"allowedArea":{"areaIds":[{"plmnId":{"mcc":"1","mnc":"01"},"aiotAreaCode":"00ab12"}]}' \
	'"allowedTargetAiotDevices":[{"aiotDevPermId":"AQ==","filteringInfo":"AQ=="}]'; do
	echo "{\"afAuthData\":{\"af-x\":{\"afId\":\"af-x\",$bad_af}}}" >$W/bad.json
	if timeout 10 "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek \
		--af-auth $W/bad.json 2>$W/bad.log; then
		bad "aiot-adm started with AF authorization data {$bad_af}"
	else
		ok "refused at start: $(tail -1 $W/bad.log | sed 's/.*error: //')"
	fi
done
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek \
	--workers 1 --af-auth $W/af.json --limits.max-body 4096 --limits.max-rand-d 8
ADMPID=$LASTPID; SEC=http://127.0.0.1:$PORT/nadm-sec/v1; DM=http://127.0.0.1:$PORT/nadm-dm/v1
ADMURL=http://127.0.0.1:$PORT
start_daemon $W/af.log "$AIOT" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT
# The AIOTF reaches the ADM through a relay that records its requests (checked at the end).
start_daemon $W/tap.log $PY "$S/tests/schema/sbi_tap.py" --upstream $ADMURL --out $W/tap.jsonl
TAPPID=$LASTPID
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$PORT --adm-timeout-ms 3000 --metrics 127.0.0.1:0 --inventory-timeout-ms 5000 \
	--command-timeout-ms 1500 --af-auth-ttl-ms 600000
N=http://127.0.0.1:$PORT/naiotf-aiot/v1; AM=$MPORT
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf.log)

SECY=TS29369_Nadm_Sec.yaml; DMY=TS29369_Nadm_DM.yaml; NY=TS29569_Naiotf_AIoT.yaml
DOAY=Nadm_Sec_DoA.yaml # ours (openapi/), a local extension of Nadm_Sec
PD="TS29571_CommonData.yaml schema:ProblemDetails" # errors an operation does not list (405, no path)
M=$W/manifest; NB=0
# cap EXPECTED-STATUS YAML OPERATION LABEL -- curl args: sends the request, checks the status,
# and records the answer for check_bodies.py (BODY = its file).
cap() {
	local want=$1 y=$2 op=$3 label=$4; shift 5
	NB=$((NB + 1)); BODY=$W/body.$NB
	local out st ct
	out=$(curl -sS --http2-prior-knowledge -o $BODY -w '%{http_code} %{content_type}' "$@")
	st=${out%% *}; ct=${out#* }; ct=${ct%%;*}
	[ -s $BODY ] || ct=-
	check "$label: status" "$want" "$st"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$y" "$op" "$st" "${ct:--}" "$BODY" "$label" >>$M
}
J="-X POST -H content-type:application/json --data-binary"; JT="-X POST -H content-type:text/plain --data-binary"
pd() { # like cap, for an error the operation does not declare: ProblemDetails of TS 29.571
	local want=$1 label=$2; shift 3
	NB=$((NB + 1)); BODY=$W/body.$NB
	local out
	out=$(curl -sS --http2-prior-knowledge -o $BODY -w '%{http_code} %{content_type}' "$@")
	check "$label: status" "$want" "${out%% *}"
	check "$label: application/problem+json" application/problem+json "$(echo "${out#* }" | cut -d';' -f1)"
	printf 'TS29571_CommonData.yaml\tschema:ProblemDetails\t%s\tapplication/problem+json\t%s\t%s\n' \
		"${out%% *}" "$BODY" "$label" >>$M
}
dev() { sed -n "${2}p" "$1" | jq -r "$3"; }
ID=$(dev $W/a.jsonl 1 .aiotDevPermId); PID_=$(dev $W/p.jsonl 1 .aiotDevPermId)
FILT=$(echo -n "$ID" | base64 -d | head -c 4 | base64)
RN=$(rand16); D1=$(rand16); D2=$(rand16)

# --- Nadm_Sec answers ---------------------------------------------------------------------
cap 200 $SECY "POST /get-rand" "get-rand" -- -X POST $SEC/get-rand
cap 200 $SECY "POST /get-authentication" "get-authentication by aiotDevPermId" -- \
	$J "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randDlist\":[\"$D1\",\"$D2\"]}" $SEC/get-authentication
cap 200 $SECY "POST /get-authentication" "get-authentication by filteringInfo" -- \
	$J "{\"filteringInfo\":\"$FILT\",\"randN\":\"$RN\",\"randDlist\":[\"$D1\"]}" $SEC/get-authentication
cap 200 $SECY "POST /get-authentication" "get-authentication anonymous (every device)" -- \
	$J "{\"randN\":\"$RN\",\"randDlist\":[\"$D1\"]}" $SEC/get-authentication
check "anonymous get-authentication names each device" 8 "$(jq '.authDataSets[0].authDataSet | map(select(.aiotDevPermId)) | length' $BODY)"
# By T-ID (vendor extension, docs/protocol.md 2.2): one device named, the T-ID echoed; unknown: 404.
PTID=$(dev $W/p.jsonl 1 .tid)
cap 200 $SECY "POST /get-authentication" "get-authentication by T-ID (vendor extension)" -- \
	$J "{\"vendorSpecific-032473\":{\"tid\":\"$PTID\"},\"randN\":\"$RN\",\"randDlist\":[\"$D1\"]}" $SEC/get-authentication
check "by T-ID: the one device named, the T-ID echoed" "$PID_ $PTID" \
	"$(jq -r '[(.authDataSets[0].authDataSet | map(.aiotDevPermId) | join(",")), .["vendorSpecific-032473"].tid] | join(" ")' $BODY)"
cap 404 $SECY "POST /get-authentication" "get-authentication by an unknown T-ID" -- \
	$J "{\"vendorSpecific-032473\":{\"tid\":\"$(rand16)\"},\"randN\":\"$RN\",\"randDlist\":[\"$D1\"]}" $SEC/get-authentication
for f in a x p; do
	i=$(dev $W/$f.jsonl 2 .aiotDevPermId)
	cap 200 $SECY "POST /get-session-key" "get-session-key ($f.jsonl device)" -- \
		$J "{\"aiotDevPermId\":\"$i\",\"randN\":\"$RN\",\"randD\":\"$D2\"}" $SEC/get-session-key
done
check "get-session-key of an aes device carries the vendor extension" aes \
	"$(jq -r '.["vendorSpecific-032473"].aiotSuite' $W/body.$((NB - 1)))"
cap 200 $SECY "POST /get-tid" "get-tid" -- $J "{\"aiotDevPermId\":\"$PID_\"}" $SEC/get-tid
cap 200 $SECY "POST /get-tid" "get-tid after a session (tidPrevious)" -- \
	$J "{\"aiotDevPermId\":\"$(dev $W/p.jsonl 2 .aiotDevPermId)\"}" $SEC/get-tid
check "get-tid after a session carries tidPrevious" true "$(jq 'has("tidPrevious")' $BODY)"
cap 200 $SECY "POST /get-tid" "get-tid resyncInd" -- $J "{\"aiotDevPermId\":\"$PID_\",\"resyncInd\":true}" $SEC/get-tid

# get-doa-authentication (DO-A): the answers, and the requests sent, against openapi/$DOAY.
DOA="POST /get-doa-authentication"
# req LABEL BODY: records a request body we send, for the check against the YAML
req() { NB=$((NB + 1)); echo -n "$2" >$W/body.$NB; printf '%s\t%s\trequest\tapplication/json\t%s\t%s\n' $DOAY "$DOA" $W/body.$NB "$1" >>$M; }
DD=$(rand16)
for b in "{\"aiotDevPermId\":\"$ID\",\"randD\":\"$DD\"}" "{\"tid\":\"$PTID\",\"randD\":\"$DD\"}"; do
	req "get-doa-authentication request $b" "$b"
	cap 200 $DOAY "$DOA" "get-doa-authentication $b" -- $J "$b" $SEC/get-doa-authentication
done
check "get-doa-authentication by T-ID names the device" "$PID_" "$(jq -r .aiotDevPermId $BODY)"
cap 403 $DOAY "$DOA" "get-doa-authentication 403 RAND_d reused" -- \
	$J "{\"aiotDevPermId\":\"$ID\",\"randD\":\"$DD\"}" $SEC/get-doa-authentication
cap 404 $DOAY "$DOA" "get-doa-authentication 404 unknown T-ID" -- \
	$J "{\"tid\":\"$(rand16)\",\"randD\":\"$DD\"}" $SEC/get-doa-authentication
cap 400 $DOAY "$DOA" "get-doa-authentication 400 both identifiers" -- \
	$J "{\"tid\":\"$PTID\",\"aiotDevPermId\":\"$ID\",\"randD\":\"$DD\"}" $SEC/get-doa-authentication
cap 400 $DOAY "$DOA" "get-doa-authentication 400 no identifier" -- $J "{\"randD\":\"$DD\"}" $SEC/get-doa-authentication
cap 415 $DOAY "$DOA" "get-doa-authentication 415" -- $JT "{\"randD\":\"$DD\"}" $SEC/get-doa-authentication
cap 405 $DOAY "$DOA" "get-doa-authentication 405 (not listed: ProblemDetails)" -- $SEC/get-doa-authentication

# --- Nadm_DM answers ----------------------------------------------------------------------
P="GET /aiot-device-profile-data/{aiotDevPermId}"
cap 200 $DMY "$P" "profile GET" -- "$DM/aiot-device-profile-data/$(urlenc "$ID")"
cap 200 $DMY "$P" "profile GET (privacy device, T-IDs)" -- "$DM/aiot-device-profile-data/$(urlenc "$(dev $W/p.jsonl 2 .aiotDevPermId)")"
MP="-X PATCH -H content-type:application/merge-patch+json --data-binary"
cap 204 $DMY "PATCH /aiot-device-profile-data/{aiotDevPermId}" "profile PATCH" -- $MP \
	'{"lastKnownAiotfInfo":{"lastKnownAiotfInfoInd":true,"lastKnownAiotfFqdn":"aiotf1.example.org","lastKnownAiotfAddress":{"ipv4Addr":"192.0.2.1"}}}' \
	"$DM/aiot-device-profile-data/$(urlenc "$ID")"
cap 200 $DMY "$P" "profile GET after PATCH" -- "$DM/aiot-device-profile-data/$(urlenc "$ID")"
E2=$(dev $W/a.jsonl 2 .aiotDevPermId)
ptr() { echo "${1//\//~1}"; } # RFC 6901: a base64 '/' in a JSON pointer
cap 204 $DMY "PATCH /aiot-device-profile-data" "bundled PATCH" -- $MP \
	"[{\"op\":\"add\",\"path\":\"/$(ptr "$E2")/lastKnownAiotfInfo\",\"value\":{\"lastKnownAiotfInfoInd\":true,\"lastKnownAiotfAddress\":{\"ipv6Prefix\":\"2001:db8:abcd:12::0/64\"}}},{\"op\":\"replace\",\"path\":\"/$(ptr "$ID")/lastKnownAiotfInfo/lastKnownAiotfFqdn\",\"value\":\"aiotf2.example.org\"}]" \
	"$DM/aiot-device-profile-data"
cap 200 $DMY "GET /aiot-device-profile-data" "bundled profile GET" -- \
	"$DM/aiot-device-profile-data?requester-aiot-devices-id=$(urlenc "$ID"),$(urlenc "$E2"),$(urlenc "$PID_")"
cap 200 $DMY "GET /af-authorization-data" "af-authorization-data GET (one AF)" -- "$DM/af-authorization-data?af-id=af-read"
cap 200 $DMY "GET /af-authorization-data" "af-authorization-data GET (all)" -- "$DM/af-authorization-data"

# --- Nadm errors ---------------------------------------------------------------------------
cap 400 $SECY "POST /get-authentication" "Nadm_Sec 400 not JSON" -- $J '{"randN":' $SEC/get-authentication
cap 400 $SECY "POST /get-authentication" "Nadm_Sec 400 randN missing" -- $J "{\"aiotDevPermId\":\"$ID\",\"randDlist\":[\"$D1\"]}" $SEC/get-authentication
cap 400 $SECY "POST /get-tid" "Nadm_Sec 400 resyncInd not boolean" -- $J "{\"aiotDevPermId\":\"$ID\",\"resyncInd\":1}" $SEC/get-tid
cap 404 $SECY "POST /get-session-key" "Nadm_Sec 404 unknown device" -- $J "{\"aiotDevPermId\":\"AAAAAAAAAAA=\",\"randN\":\"$RN\",\"randD\":\"$D1\"}" $SEC/get-session-key
cap 413 $SECY "POST /get-authentication" "Nadm_Sec 413 too many randD" -- \
	$J "{\"randN\":\"$RN\",\"randDlist\":$(for i in $(seq 9); do echo "\"$D1\""; done | jq -sc .)}" $SEC/get-authentication
cap 413 $SECY "POST /get-authentication" "Nadm_Sec 413 body over max-body" -- $J "{\"p\":\"$(head -c 5000 /dev/zero | tr '\0' a)\"}" $SEC/get-authentication
cap 415 $SECY "POST /get-session-key" "Nadm_Sec 415" -- $JT '{}' $SEC/get-session-key
pd 404 "Nadm_Sec 404 unknown operation" -- $J '{}' $SEC/get-nothing
pd 405 "Nadm_Sec 405 GET get-rand" -- $SEC/get-rand
cap 404 $DMY "$P" "Nadm_DM 404 unknown device" -- "$DM/aiot-device-profile-data/AAAAAAAAAAA%3D"
cap 404 $DMY "GET /af-authorization-data" "Nadm_DM 404 unknown AF" -- "$DM/af-authorization-data?af-id=nobody"
cap 403 $DMY "PATCH /aiot-device-profile-data/{aiotDevPermId}" "Nadm_DM 403 PATCH of tidCurrent" -- $MP \
	"{\"tidCurrent\":\"$(rand16)\"}" "$DM/aiot-device-profile-data/$(urlenc "$ID")"
cap 400 $DMY "PATCH /aiot-device-profile-data/{aiotDevPermId}" "Nadm_DM 400 PATCH bad address" -- $MP \
	'{"lastKnownAiotfInfo":{"lastKnownAiotfInfoInd":true,"lastKnownAiotfAddress":{"ipv4Addr":"300.1.1.1"}}}' \
	"$DM/aiot-device-profile-data/$(urlenc "$ID")"
cap 400 $DMY "PATCH /aiot-device-profile-data" "Nadm_DM 400 bundled PATCH of tidCurrent" -- $MP \
	"[{\"op\":\"replace\",\"path\":\"/$(ptr "$ID")/tidCurrent\",\"value\":\"$(rand16)\"}]" "$DM/aiot-device-profile-data"
cap 400 $DMY "GET /aiot-device-profile-data" "Nadm_DM 400 bundled GET without ids" -- "$DM/aiot-device-profile-data"

# --- Naiotf answers and the AIoTNotifs -------------------------------------------------------
"$B/aiot-devsim" --devices $W/all.jsonl --air-listen 127.0.0.1:0 --clones 1 2>$W/sim.log &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q "air on" $W/sim.log && break; sleep 0.1; done
AIR=$(sed -n 's/.*air on \([0-9.]*:[0-9]*\).*/\1/p' $W/sim.log | head -1)
U="\"afId\":\"af-s\",\"notifUri\":\"http://127.0.0.1:$AFPORT/cb\""
AREA='"targetArea":{"areaIds":[{"plmnId":{"mcc":"001","mnc":"01"},"aiotAreaCode":"00ab12"}]}'
metric() { curl -s http://127.0.0.1:$AM/metrics | awk -v k="$1" '$1==k {print $2}'; }
# naiotf OP LABEL BODY: a 200 answer, and waits for its last notification
naiotf() {
	cap 200 $NY "POST /$1" "$2" -- $J "$3" $N/$1
	local t; t=$(jq -r .transId $BODY)
	for _ in $(seq 1 300); do
		grep -q "\"transId\":\"$t\".*\"lastRepInd\":true" $W/notifs.jsonl 2>/dev/null && return 0
		sleep 0.1
	done
	bad "$2: no last notification"
}
naiotf request-inv "request-inv, no reader" "{$U,$AREA}"
"$B/aiot-reader" --aiotf 127.0.0.1:$NG --ng-transport tcp --air $AIR --round-timeout-ms 300 2>$W/reader.log &
PIDS+=($!)
for _ in $(seq 1 100); do [ "$(metric aiot_aiotf_readers_connected)" = 1 ] && break; sleep 0.1; done
check "reader connected" 1 "$(metric aiot_aiotf_readers_connected)"
naiotf request-inv "request-inv (every device, one clone)" "{$U,$AREA,\"numDevices\":9}"
MIX="\"$ID\",\"$PID_\",\"$(dev $W/x.jsonl 1 .aiotDevPermId)\""
DATA=$(echo -n "schema-$RANDOM" | base64)
naiotf request-cmd "request-cmd WRITE" "{$U,\"commandType\":\"WRITE\",\"offset\":100,\"data\":\"$DATA\",\"targetDevices\":{\"devices\":[$MIX]}}"
naiotf request-cmd "request-cmd READ" "{$U,\"commandType\":\"READ\",\"offset\":100,\"length\":4,\"targetDevices\":{\"devices\":[$MIX]}}"
naiotf request-cmd "request-cmd READ beyond memory (device failCause)" "{$U,\"commandType\":\"READ\",\"offset\":65535,\"length\":1,\"targetDevices\":{\"devices\":[\"$ID\"]}}"
naiotf request-inv "request-inv by filteringInfo" "{$U,\"targetDevices\":{\"filteringInfo\":\"$FILT\"}}"

# --- Naiotf errors --------------------------------------------------------------------------
cap 400 $NY "POST /request-inv" "Naiotf 400 not JSON" -- $J '{' $N/request-inv
cap 400 $NY "POST /request-cmd" "Naiotf 400 READ without length" -- $J "{$U,$AREA,\"commandType\":\"READ\",\"offset\":0}" $N/request-cmd
cap 400 $NY "POST /request-inv" "Naiotf 400 devLocReqInd false" -- $J "{$U,$AREA,\"devLocReqInd\":false}" $N/request-inv
cap 403 $NY "POST /request-inv" "Naiotf 403 unknown AF" -- $J "{\"afId\":\"af-nobody\",\"notifUri\":\"http://127.0.0.1:1/x\",$AREA}" $N/request-inv
cap 403 $NY "POST /request-cmd" "Naiotf 403 operation not allowed" -- \
	$J "{\"afId\":\"af-read\",\"notifUri\":\"http://127.0.0.1:1/x\",$AREA,\"commandType\":\"WRITE\",\"offset\":0,\"data\":\"AAAA\"}" $N/request-cmd
cap 415 $NY "POST /request-inv" "Naiotf 415" -- $JT "{$U,$AREA}" $N/request-inv
# DO-A subscriptions, against openapi/$DOSY (every refusal: it_doa_subs)
DOSY=Naiotf_DoA.yaml
cap 201 $DOSY "POST /doa-subscriptions" "DO-A subscription created" -- $J "{$U,\"regInd\":true,\"targetDevices\":{\"filteringInfo\":\"$FILT\"}}" $N/doa-subscriptions
SUB=$(jq -r .subscriptionId $BODY)
cap 200 $DOSY "GET /doa-subscriptions/{subscriptionId}" "DO-A subscription read" -- $N/doa-subscriptions/$SUB
cap 204 $DOSY "DELETE /doa-subscriptions/{subscriptionId}" "DO-A subscription deleted" -- -X DELETE $N/doa-subscriptions/$SUB
cap 404 $DOSY "GET /doa-subscriptions/{subscriptionId}" "DO-A subscription 404 after DELETE" -- $N/doa-subscriptions/$SUB
cap 400 $DOSY "POST /doa-subscriptions" "DO-A subscription 400 regInd" -- $J "{$U,\"regInd\":1}" $N/doa-subscriptions
cap 403 $DOSY "POST /doa-subscriptions" "DO-A subscription 403 DOA not allowed" -- $J "{\"afId\":\"af-read\",\"notifUri\":\"http://127.0.0.1:1/x\"}" $N/doa-subscriptions
# An "ADM" (the AF sink) whose answer is no AfAuthorizationData: a 500.
start_daemon $W/aiotf2.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$AFPORT --adm-timeout-ms 3000
cap 500 $NY "POST /request-inv" "Naiotf 500 ADM answer not AfAuthorizationData" -- \
	$J "{\"afId\":\"af-s\",\"notifUri\":\"http://127.0.0.1:1/x\",$AREA}" http://127.0.0.1:$PORT/naiotf-aiot/v1/request-inv
pd 404 "Naiotf 404 unknown operation" -- $J "{$U,$AREA}" $N/request-xyz
pd 405 "Naiotf 405 GET request-inv" -- $N/request-inv
kill $ADMPID $TAPPID; wait $ADMPID $TAPPID 2>/dev/null || true
cap 504 $NY "POST /request-inv" "Naiotf 504 ADM down" -- \
	$J "{\"afId\":\"af-unseen\",\"notifUri\":\"http://127.0.0.1:1/x\",$AREA}" $N/request-inv
naiotf request-inv "request-inv, ADM down (failCause)" "{$U,$AREA}"

# --- every AIoTNotif the AF received ---------------------------------------------------------
i=0
while IFS= read -r line; do
	i=$((i + 1)); echo "$line" >$W/notif.$i
	printf '%s\t%s\trequest\tapplication/json\t%s\t%s\n' $NY "POST /request-inv AIoTOperationsNotif" \
		$W/notif.$i "AIoTNotif $i: $(echo "$line" | jq -c '{n: (.devicesRepData // [] | length), failCause, lastRepInd, devFail: [.devicesRepData // [] | .[].failCause // empty]}')" >>$M
done <$W/notifs.jsonl
[ "$i" -ge 7 ] && ok "$i notifications received" || bad "only $i notifications"
check "notifications with a failCause" 1 "$(jq -s '[.[] | select(.failCause)] | length > 0 | if . then 1 else 0 end' $W/notifs.jsonl)"
check "notifications with a device's failCause" 1 "$(jq -s '[.[].devicesRepData // [] | .[] | select(.failCause)] | length > 0 | if . then 1 else 0 end' $W/notifs.jsonl)"
check "notifications with readCmdRep" 1 "$(jq -s '[.[].devicesRepData // [] | .[] | select(.readCmdRep)] | length > 0 | if . then 1 else 0 end' $W/notifs.jsonl)"

# --- every request the AIOTF sent to the ADM -------------------------------------------------
i=0
while IFS=$'\t' read -r m p ct b64; do
	i=$((i + 1)); echo -n "$b64" | base64 -d >$W/req.$i
	[ -s $W/req.$i ] || ct=-
	case "$p" in
	/nadm-sec/v1/*) y=$SECY; op="$m /${p#/nadm-sec/v1/}" ;;
	/nadm-dm/v1/aiot-device-profile-data/*) y=$DMY; op="$m /aiot-device-profile-data/{aiotDevPermId}" ;;
	/nadm-dm/v1/aiot-device-profile-data\?*) y=$DMY; op="$m /aiot-device-profile-data" ;;
	/nadm-dm/v1/af-authorization-data*) y=$DMY; op="$m /af-authorization-data" ;;
	*) bad "AIOTF request to an unknown path: $m $p"; continue ;;
	esac
	printf '%s\t%s\trequest\t%s\t%s\t%s\n' $y "$op" $ct $W/req.$i "AIOTF -> ADM $i: $m ${p%%\?*}" >>$M
done < <(jq -r '[.method, .path, (.contentType // "-"), (.body | @base64)] | @tsv' $W/tap.jsonl)
for k in get-rand get-authentication get-session-key get-tid af-authorization-data; do
	check "the AIOTF sent $k" 1 "$(grep -c "/$k" $W/tap.jsonl | awk '{print ($1 > 0)}')"
done

# --- the check ---------------------------------------------------------------------------------
rc=0; $PY "$S/tests/schema/check_bodies.py" --spec "$S/spec/openapi" --spec "$S/openapi" --batch $M >$W/check.txt 2>&1 || rc=$?
grep -v '^ok ' $W/check.txt >&2 || true
while read -r l; do
	case "$l" in ok\ *) ok "schema: ${l#ok }" ;; FAIL\ *) bad "schema: ${l#FAIL }" ;; esac
done <$W/check.txt
check "check_bodies.py exit status" 0 $rc
check "bodies checked = bodies captured" "$(wc -l <$M)" "$(grep -c '^ok \|^FAIL ' $W/check.txt)"
finish
