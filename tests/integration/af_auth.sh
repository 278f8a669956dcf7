#!/usr/bin/env bash
# AF authorization with real processes: aiot-adm serving AF authorization data (Nadm_DM
# af-authorization-data), aiot-aiotf checking every request-inv / request-cmd against it, curl
# as the AF, aiot receiving the notifications of the accepted ones. Unknown AF, area,
# operation and targets outside what is allowed -> 403; allowed -> 200 and a transaction;
# malformed data -> 500; ADM down -> 504 TARGET_NF_NOT_REACHABLE; the per-AF cache (one
# fetch for a burst, TTL 0 = every request).
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf aiot; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done

"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 2 --group g --out $W/d.jsonl 2>$W/prov.log
# Synthetic identifiers: group G (4 octets) and devices under it; B1 alone elsewhere.
b64() { printf "$1" | base64 -w0; }
G=$(b64 '\x01\x02\x03\x04'); G2=$(b64 '\x01\x02'); GN=$(b64 '\x01\x02\x03\x04\x05')
A1=$(b64 '\x01\x02\x03\x04\x05\x06\x07\x08'); A2=$(b64 '\x01\x02\x03\x04\x09\x09\x09\x09')
B1=$(b64 '\x07\x07\x07\x07\x00\x00\x00\x01'); B2=$(b64 '\x07\x07\x07\x07\x00\x00\x00\x02')
area() { echo "{\"areaIds\":[{\"plmnId\":{\"mcc\":\"$1\",\"mnc\":\"$2\"},\"aiotAreaCode\":\"$3\"}]}"; }
cat >$W/af.json <<EOF
{"afAuthData":{
 "af-full":{"afId":"af-full","allowedServiceOperations":["INVENTORY","READ","WRITE","PERMANENT_DISABLE"]},
 "af-read":{"afId":"af-read","allowedServiceOperations":["INVENTORY","READ"],"allowedArea":$(area 001 01 00ab12)},
 "af-tg":{"afId":"af-tg","allowedServiceOperations":["INVENTORY","READ","WRITE"],
          "allowedTargetAiotDevices":[{"filteringInfo":"$G"},{"aiotDevPermId":"$B1"}]},
 "af-noops":{"afId":"af-noops"},
 "af/x y":{"afId":"af/x y","allowedServiceOperations":["INVENTORY"]}
}}
EOF
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek \
	--workers 1 --af-auth $W/af.json
APORT=$PORT; ADMPID=$LASTPID
start_daemon $W/af.log "$B/aiot" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT
start_aiotf() { # log ttl
	start_daemon $1 "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
		--adm http://127.0.0.1:$APORT --adm-timeout-ms 1000 --metrics 127.0.0.1:0 \
		--inventory-timeout-ms 2000 --af-auth-ttl-ms $2
}
start_aiotf $W/aiotf.log 600000
N=http://127.0.0.1:$PORT/naiotf-aiot/v1; AM=$MPORT
start_aiotf $W/aiotf0.log 0
N0=http://127.0.0.1:$PORT/naiotf-aiot/v1
metric() { curl -s http://127.0.0.1:$AM/metrics | awk -v k="$1" '$1==k {print $2}'; }

NU="\"notifUri\":\"http://127.0.0.1:$AFPORT/cb\""
IN=$(area 001 01 00ab12)
# req URL OP AF REST -> "STATUS CAUSE" (and TID for a 200)
req() {
	local r; r=$(h2post $1/$2 "{\"afId\":\"$3\",$NU,$4}")
	TID=$(echo "${r#* }" | jq -r '.transId // empty' 2>/dev/null || true)  # (unless in $(...))
	echo "${r%% *} $(echo "${r#* }" | jq -r '.cause // .transId // empty' 2>/dev/null | sed 's/^.*-.*$/transId/')"
}
forbid() { check "$1 -> 403" "403 " "$(req $N "$2" "$3" "$4")"; }
allow() { check "$1 -> 200" "200 transId" "$(req $N "$2" "$3" "$4")"; }

# --- who: an AF without data gets nothing -------------------------------------------------
forbid "unknown afId, WRITE to a whole group" request-cmd af-nobody "\"commandType\":\"WRITE\",\"offset\":0,\"data\":\"AAAA\",\"targetDevices\":{\"filteringInfo\":\"$G\"}"
forbid "unknown afId, inventory" request-inv af-nobody "\"targetArea\":$IN"
r=$(h2post $N/request-inv "{\"afId\":\"af-nobody\",$NU,\"targetArea\":$IN}")
check "403 is a ProblemDetails naming the AF" "403 no authorization data for AF 'af-nobody'" \
	"$(echo "${r#* }" | jq -r '"\(.status) \(.detail)"')"
ct=$(curl -sS --http2-prior-knowledge -o /dev/null -w '%{content_type}' -H 'content-type: application/json' \
	--data-binary "{\"afId\":\"af-nobody\",$NU,\"targetArea\":$IN}" $N/request-inv)
check "403 content-type" application/problem+json "$ct"
forbid "AF data without allowedServiceOperations grants nothing" request-inv af-noops "\"targetArea\":$IN"

# --- what: the operation must be allowed --------------------------------------------------
forbid "WRITE when only INVENTORY and READ are allowed" request-cmd af-read "\"commandType\":\"WRITE\",\"offset\":0,\"data\":\"AAAA\",\"targetArea\":$IN"
forbid "PERMANENT_DISABLE not allowed" request-cmd af-read "\"commandType\":\"PERMANENT_DISABLE\",\"targetArea\":$IN"
forbid "PERMANENT_DISABLE not allowed (af-tg)" request-cmd af-tg "\"commandType\":\"PERMANENT_DISABLE\",\"targetDevices\":{\"devices\":[\"$A1\"]}"
allow "READ allowed" request-cmd af-read "\"commandType\":\"READ\",\"offset\":0,\"length\":4,\"targetArea\":$IN"

# --- where: the target area must lie within allowedArea -------------------------------------
allow "inventory inside allowedArea" request-inv af-read "\"targetArea\":$IN"
allow "area code compared as hex (00AB12)" request-inv af-read "\"targetArea\":$(area 001 01 00AB12)"
forbid "area code outside allowedArea" request-inv af-read "\"targetArea\":$(area 001 01 00ab13)"
forbid "PLMN outside allowedArea" request-inv af-read "\"targetArea\":$(area 001 02 00ab12)"
forbid "one of two areaIds outside" request-inv af-read "\"targetArea\":{\"areaIds\":[$(area 001 01 00ab12 | jq -c '.areaIds[0]'),$(area 999 99 00ab12 | jq -c '.areaIds[0]')]}"
forbid "area-restricted AF without targetArea (every reader paged)" request-inv af-read "\"targetDevices\":{\"devices\":[\"$A1\"]}"

# --- whom: the targeted devices must be within the allowed targets ---------------------------
allow "devices under the allowed filter and the listed ID" request-cmd af-tg "\"commandType\":\"WRITE\",\"offset\":0,\"data\":\"AAAA\",\"targetDevices\":{\"devices\":[\"$A1\",\"$A2\",\"$B1\"]}"
forbid "a device neither listed nor under an allowed filter" request-cmd af-tg "\"commandType\":\"READ\",\"offset\":0,\"length\":4,\"targetDevices\":{\"devices\":[\"$A1\",\"$B2\"]}"
allow "the allowed filter itself" request-inv af-tg "\"targetDevices\":{\"filteringInfo\":\"$G\"}"
allow "a narrower filter" request-inv af-tg "\"targetDevices\":{\"filteringInfo\":\"$GN\"}"
forbid "a wider filter" request-inv af-tg "\"targetDevices\":{\"filteringInfo\":\"$G2\"}"
forbid "a filter equal to a listed ID (it may match longer IDs)" request-inv af-tg "\"targetDevices\":{\"filteringInfo\":\"$B1\"}"
forbid "all devices of an area when targets are restricted" request-inv af-tg "\"targetArea\":$IN"

# --- an accepted request runs; a refused one leaves nothing --------------------------------
req $N request-inv af-full "\"targetArea\":$IN" >$W/r; r=$(cat $W/r); T=${TID:-none}
check "unrestricted AF: inventory accepted" "200 transId" "$r"
for _ in $(seq 1 100); do grep -q "\"transId\":\"$T\".*lastRepInd" $W/notifs.jsonl 2>/dev/null && break; sleep 0.1; done
check "accepted: its transaction ran (no reader: NO_SUCC_INV_RESP)" NO_SUCC_INV_RESP \
	"$(grep "\"transId\":\"$T\"" $W/notifs.jsonl | jq -r .failCause)"
check "an afId that needs percent-encoding is looked up whole" "200 transId" "$(req $N request-inv 'af/x y' "\"targetArea\":$IN")"
# The ADM refuses malformed data at start (it_schema); an answer that is not
# AfAuthorizationData (here the AF sink's) is a 500 for the AF, never a grant.
start_daemon $W/aiotfx.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$AFPORT --adm-timeout-ms 1000
check "malformed authorization data: 500, never allowed" "500 SYSTEM_FAILURE" \
	"$(req http://127.0.0.1:$PORT/naiotf-aiot/v1 request-inv af-full "\"targetArea\":$IN")"

# --- the cache: a burst of one AF costs one Nadm_DM request ---------------------------------
a0=$(metric aiot_aiotf_adm_requests_total)
BP=()
for i in $(seq 1 20); do req $N request-inv af-burst "\"targetArea\":$IN" >$W/burst.$i & BP+=($!); done
wait "${BP[@]}"
check "20 concurrent requests of an unknown AF: 20 x 403" 20 "$(cat $W/burst.* | grep -c '^403 ')"
check "... after one Nadm_DM request" 1 $(( $(metric aiot_aiotf_adm_requests_total) - a0 ))
check "TTL 0: every request asks the ADM" "200 transId" "$(req $N0 request-inv af-read "\"targetArea\":$IN")"
[ "$(metric aiot_aiotf_requests_refused_total)" -ge 30 ] && ok "refused requests counted (aiot_aiotf_requests_refused_total)" ||
	bad "refused requests not counted: $(metric aiot_aiotf_requests_refused_total)"

# --- ADM down: the network failed, not the AF ------------------------------------------------
kill $ADMPID; wait $ADMPID 2>/dev/null || true
s=$(date +%s%N)
r=$(h2post $N/request-cmd "{\"afId\":\"af-never-seen\",$NU,\"commandType\":\"READ\",\"offset\":0,\"length\":4,\"targetArea\":$IN}")
check "ADM down, AF not cached: 504 TARGET_NF_NOT_REACHABLE" "504 504 TARGET_NF_NOT_REACHABLE" \
	"${r%% *} $(echo "${r#* }" | jq -r '"\(.status) \(.cause)"')"
echo "     answered in $(( ($(date +%s%N) - s) / 1000000 )) ms: $(echo "${r#* }" | jq -r .detail)"
check "ADM down, TTL 0: 504 even for an AF seen before" "504 TARGET_NF_NOT_REACHABLE" "$(req $N0 request-inv af-read "\"targetArea\":$IN")"
check "ADM down, AF cached (TTL 600 s): still decided from the cache" "403 " \
	"$(req $N request-cmd af-read "\"commandType\":\"WRITE\",\"offset\":0,\"data\":\"AAAA\",\"targetArea\":$IN")"
check "no transaction left" 0 "$(for _ in $(seq 1 50); do v=$(metric aiot_aiotf_transactions_active); [ "$v" = 0 ] && break; sleep 0.1; done; echo $v)"
finish
