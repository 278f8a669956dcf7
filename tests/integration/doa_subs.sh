#!/usr/bin/env bash
# DO-A subscriptions (openapi/Naiotf_DoA.yaml) with real processes: aiot-adm serving AF
# authorization data, aiot-aiotf, aiot af-sink as the notifUri, curl as the AF. POST (201 +
# Location + subscriptionId), GET, DELETE; every refusal: the request checks of Naiotf (400,
# 415, 405), the AF's authorization (403: no "DOA" operation, unknown AF, a filter beyond
# allowedTargetAiotDevices, an AF kept to allowedArea), unknown ids (404), the bounds
# doa.max-subscriptions and doa.max-subscriptions-per-af (503 NF_CONGESTION); every body
# validated against openapi/Naiotf_DoA.yaml by tests/schema/check_bodies.py. The delivery of
# notifications: at unit level in test_aiotf_doa_subs, end to end (DO-A devices through the
# AIOTF's procedure to a subscribed af-sink) in it_aiotf_doa.
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf aiot; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done
PY=/usr/bin/python3
$PY -c 'import jsonschema, yaml' 2>/dev/null || { bad "python3-jsonschema / python3-yaml missing (scripts/deps.sh)"; finish; exit 1; }

"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 1 --group g --out $W/d.jsonl 2>$W/prov.log
b64() { printf "$1" | base64 -w0; }
G=$(b64 '\x01\x02\x03\x04'); G2=$(b64 '\x01\x02'); GN=$(b64 '\x01\x02\x03\x04\x05')
A1=$(b64 '\x01\x02\x03\x04\x05\x06\x07\x08'); B1=$(b64 '\x07\x07\x07\x07\x00\x00\x00\x01')
cat >$W/af.json <<JSON
{"afAuthData":{
 "af-doa":{"afId":"af-doa","allowedServiceOperations":["DOA"]},
 "af-doa2":{"afId":"af-doa2","allowedServiceOperations":["INVENTORY","DOA"]},
 "af-tg":{"afId":"af-tg","allowedServiceOperations":["DOA"],
          "allowedTargetAiotDevices":[{"filteringInfo":"$G"},{"aiotDevPermId":"$B1"}]},
 "af-area":{"afId":"af-area","allowedServiceOperations":["DOA"],
          "allowedArea":{"areaIds":[{"plmnId":{"mcc":"001","mnc":"01"},"aiotAreaCode":"00ab12"}]}},
 "af-inv":{"afId":"af-inv","allowedServiceOperations":["INVENTORY","READ","WRITE","PERMANENT_DISABLE"]}
}}
JSON
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek \
	--workers 1 --af-auth $W/af.json
APORT=$PORT
start_daemon $W/af.log "$AIOT" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$APORT --adm-timeout-ms 2000 --metrics 127.0.0.1:0 --af-auth-ttl-ms 600000 \
	--doa-max-subscriptions 4 --doa-max-subscriptions-per-af 2
N=http://127.0.0.1:$PORT/naiotf-aiot/v1; C=$N/doa-subscriptions; AM=$MPORT
metric() { curl -s http://127.0.0.1:$AM/metrics | awk -v k="$1" '$1==k {print $2}'; }

Y=Naiotf_DoA.yaml; M=$W/manifest; NB=0
# cap STATUS OPERATION LABEL -- curl args: the status checked, the answer recorded for
# check_bodies.py (BODY = its file, HDR = its headers).
cap() {
	local want=$1 op=$2 label=$3; shift 4
	NB=$((NB + 1)); BODY=$W/body.$NB; HDR=$W/hdr.$NB
	local out st ct
	out=$(curl -sS --http2-prior-knowledge -D $HDR -o $BODY -w '%{http_code} %{content_type}' "$@")
	st=${out%% *}; ct=${out#* }; ct=${ct%%;*}
	[ -s $BODY ] || ct=-
	check "$label: status" "$want" "$st"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$Y" "$op" "$st" "${ct:--}" "$BODY" "$label" >>$M
}
J="-X POST -H content-type:application/json --data-binary"
P="POST /doa-subscriptions"; GI="GET /doa-subscriptions/{subscriptionId}"; DI="DELETE /doa-subscriptions/{subscriptionId}"
NU="\"notifUri\":\"http://127.0.0.1:$AFPORT/doa\""
post() { cap "$1" "$P" "$2" -- $J "$3" $C; }
cause() { jq -r .cause $BODY; }

# --- create, read, delete ------------------------------------------------------------------
post 201 "create (af-doa, regInd, a filter)" "{\"afId\":\"af-doa\",$NU,\"regInd\":true,\"targetDevices\":{\"filteringInfo\":\"$G\"}}"
SID=$(jq -r .subscriptionId $BODY)
[[ $SID =~ ^[0-9a-f]{32}$ ]] && ok "subscriptionId: 128 random bits in hex" || bad "subscriptionId: '$SID'"
check "Location names the new resource" "/naiotf-aiot/v1/doa-subscriptions/$SID" \
	"$(sed -n 's/^location: *//Ip' $HDR | tr -d '\r')"
check "the body is the subscription as stored" "af-doa true $G" "$(jq -r '"\(.afId) \(.regInd) \(.targetDevices.filteringInfo)"' $BODY)"
cap 200 "$GI" "GET the subscription" -- $C/$SID
check "GET: the same subscription" "$SID http://127.0.0.1:$AFPORT/doa" "$(jq -r '"\(.subscriptionId) \(.notifUri)"' $BODY)"
post 201 "create without a filter, devices listed twice" "{\"afId\":\"af-doa2\",$NU,\"targetDevices\":{\"devices\":[\"$A1\",\"$B1\",\"$A1\"]}}"
SID2=$(jq -r .subscriptionId $BODY)
check "devices merged, regInd absent (false)" "2 null" "$(jq -r '"\(.targetDevices.devices | length) \(.regInd)"' $BODY)"
check "metrics: 2 subscriptions" 2 "$(metric aiot_aiotf_doa_subscriptions)"
cap 204 "$DI" "DELETE the subscription" -- -X DELETE $C/$SID
cap 404 "$GI" "GET after DELETE" -- $C/$SID
check "404 cause" SUBSCRIPTION_NOT_FOUND "$(cause)"
cap 404 "$DI" "DELETE again" -- -X DELETE $C/$SID
cap 404 "$GI" "GET an unknown id" -- $C/$(rand16)
cap 404 "$GI" "GET a malformed id" -- $C/xyz
cap 404 "$DI" "DELETE an unknown id" -- -X DELETE $C/$(rand16)
check "metrics: 1 subscription" 1 "$(metric aiot_aiotf_doa_subscriptions)"

# --- request checks (as the other Naiotf operations) ----------------------------------------
post 400 "afId missing" "{$NU}"; check "afId missing: cause" MANDATORY_IE_MISSING "$(cause)"
post 400 "notifUri missing" "{\"afId\":\"af-doa\"}"; check "notifUri missing: cause" MANDATORY_IE_MISSING "$(cause)"
post 400 "notifUri not a URL" "{\"afId\":\"af-doa\",\"notifUri\":\"ftp://x/y\"}"; check "notifUri: cause" MANDATORY_IE_INCORRECT "$(cause)"
post 400 "notifUri outside notify.networks" "{\"afId\":\"af-doa\",\"notifUri\":\"http://10.1.2.3:80/x\"}"
check "notifUri policy: cause" MANDATORY_IE_INCORRECT "$(cause)"
post 400 "https notifUri without notif-ca" "{\"afId\":\"af-doa\",\"notifUri\":\"https://127.0.0.1:1/x\"}"
post 400 "targetDevices with devices and filteringInfo" "{\"afId\":\"af-doa\",$NU,\"targetDevices\":{\"devices\":[\"$A1\"],\"filteringInfo\":\"$G\"}}"
post 400 "targetDevices.devices not base64" "{\"afId\":\"af-doa\",$NU,\"targetDevices\":{\"devices\":[\"!!\"]}}"
post 400 "targetDevices.devices empty" "{\"afId\":\"af-doa\",$NU,\"targetDevices\":{\"devices\":[]}}"
post 400 "regInd not a boolean" "{\"afId\":\"af-doa\",$NU,\"regInd\":\"yes\"}"; check "regInd: cause" OPTIONAL_IE_INCORRECT "$(cause)"
post 400 "targetArea (no area filter for DO-A)" "{\"afId\":\"af-doa\",$NU,\"targetArea\":{\"areaIds\":[]}}"
post 400 "not JSON" "{\"afId\":"
post 400 "a member twice (strict JSON)" "{\"afId\":\"af-doa\",\"afId\":\"af-x\",$NU}"
cap 415 "$P" "text/plain" -- -X POST -H content-type:text/plain --data-binary "{\"afId\":\"af-doa\",$NU}" $C
cap 405 "$P" "PUT on the collection" -- -X PUT -H content-type:application/json --data-binary '{}' $C
cap 405 "$GI" "POST on a subscription" -- $J '{}' $C/$SID2

# --- authorization (the ADM's AF authorization data) -----------------------------------------
post 403 "AF without the DOA operation" "{\"afId\":\"af-inv\",$NU}"
check "403 names the operation" "AF 'af-inv' is not allowed DOA (allowedServiceOperations)" "$(jq -r .detail $BODY)"
post 403 "unknown AF" "{\"afId\":\"af-nobody\",$NU}"
post 403 "targets restricted, no filter (every device)" "{\"afId\":\"af-tg\",$NU}"
post 403 "targets restricted, a wider filter" "{\"afId\":\"af-tg\",$NU,\"targetDevices\":{\"filteringInfo\":\"$G2\"}}"
post 403 "targets restricted, a device beyond them" "{\"afId\":\"af-tg\",$NU,\"targetDevices\":{\"devices\":[\"$A1\",\"$(b64 '\x09\x09')\"]}}"
post 403 "AF kept to allowedArea" "{\"afId\":\"af-area\",$NU}"
post 201 "targets restricted, a narrower filter" "{\"afId\":\"af-tg\",$NU,\"targetDevices\":{\"filteringInfo\":\"$GN\"}}"
post 201 "targets restricted, listed devices" "{\"afId\":\"af-tg\",$NU,\"targetDevices\":{\"devices\":[\"$A1\",\"$B1\"]}}"

# --- bounds: 2 per AF, 4 in all (af-doa2 1, af-tg 2 so far) ---------------------------------
post 503 "af-tg over doa.max-subscriptions-per-af" "{\"afId\":\"af-tg\",$NU,\"targetDevices\":{\"devices\":[\"$B1\"]}}"
check "per AF: NF_CONGESTION" NF_CONGESTION "$(cause)"
post 201 "the fourth subscription" "{\"afId\":\"af-doa\",$NU}"
post 503 "over doa.max-subscriptions" "{\"afId\":\"af-doa\",$NU}"
check "in all: NF_CONGESTION" "NF_CONGESTION 4 DO-A subscriptions exist (doa.max-subscriptions)" "$(jq -r '"\(.cause) \(.detail)"' $BODY)"
cap 204 "$DI" "DELETE frees a place" -- -X DELETE $C/$SID2
post 201 "created again after the DELETE" "{\"afId\":\"af-doa\",$NU}"
check "metrics: 4 subscriptions" 4 "$(metric aiot_aiotf_doa_subscriptions)"
check "no request left pending" 0 "$(metric aiot_aiotf_transactions_active)"

# The bound from the configuration file (doa.max-subscriptions)
printf 'doa:\n  max-subscriptions: 1\n' >$W/one.yaml
start_daemon $W/aiotf1.log "$B/aiot-aiotf" -c $W/one.yaml --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 \
	--ng-transport tcp --adm http://127.0.0.1:$APORT
C=http://127.0.0.1:$PORT/naiotf-aiot/v1/doa-subscriptions
post 201 "doa.max-subscriptions: 1 (file), the first" "{\"afId\":\"af-doa\",$NU}"
post 503 "doa.max-subscriptions: 1 (file), the second" "{\"afId\":\"af-doa2\",$NU}"

rc=0; $PY "$S/tests/schema/check_bodies.py" --spec "$S/spec/openapi" --spec "$S/openapi" --batch $M >$W/check.txt 2>&1 || rc=$?
n=$(grep -c '^ok ' $W/check.txt || true)
if [ $rc -eq 0 ]; then ok "$n bodies valid against openapi/$Y"; else grep -v '^ok ' $W/check.txt >&2; bad "bodies against openapi/$Y"; fi
finish
