#!/usr/bin/env bash
# The ADM end to end: provision, start the real aiot-adm on loopback, and drive Nadm_Sec and
# Nadm_DM with curl (h2c and mutual TLS), h2load and aiot's own SBI client. Checks every
# operation, every error status, XRES/K_AIOTF/T-ID against `aiot crypto`, keys at rest and
# durability across kill -9.
source "$(dirname "$0")/lib.bash"
ADM=$B/aiot-adm
it_store
DB=$W/adm.db
KEK=$W/kek

# --- provisioning ------------------------------------------------------------------------
"$AIOT" provision --store "$STORE" --kek-file $KEK --count 1000 --group shelf-a --out $W/a.jsonl 2>$W/prov.log
"$AIOT" provision --store "$STORE" --kek-file $KEK --count 20 --suite aes --res-bits 32 --group tags-aes --out $W/aes.jsonl 2>>$W/prov.log
"$AIOT" provision --store "$STORE" --kek-file $KEK --count 5 --privacy --group private --out $W/priv.jsonl 2>>$W/prov.log
[ $REDIS = 1 ] || check "provisioned 1025 devices" 1025 "$(sqlite3 $DB 'select count(*) from devices')"
check "KEK file mode 0600" 600 "$(stat -c %a $KEK)"

dev() { sed -n "${2}p" "$1" | jq -r "$3"; } # file line field
ID=$(dev $W/a.jsonl 7 .aiotDevPermId); KEY=$(dev $W/a.jsonl 7 .key)
cat >$W/af.json <<'JSON'
{"afAuthData":{"af-warehouse":{"afId":"af-warehouse","allowedServiceOperations":["INVENTORY","READ"]}}}
JSON
cat >$W/adm.yaml <<YAML
listen: 127.0.0.1:0
store: $STORE
kek-file: $KEK
workers: 2
metrics: 127.0.0.1:0
af-authorization-data: $W/af.json
limits:
  max-body: 65536
  max-rand-d: 64
  max-candidates: 2000
YAML
start_daemon $W/adm.log "$ADM" -c $W/adm.yaml
U=http://127.0.0.1:$PORT
SEC=$U/nadm-sec/v1
ok "aiot-adm started on port $PORT (metrics $MPORT)"

# --- get-rand ------------------------------------------------------------------------------
r1=$(h2post $SEC/get-rand ""); r2=$(h2post $SEC/get-rand "")
check "get-rand status" 200 "${r1%% *}"
[[ $(echo "${r1#* }" | jq -r .randN) =~ ^[0-9a-f]{32}$ ]] && ok "get-rand randN is 128 bits hex" || bad "randN: $r1"
[ "$r1" != "$r2" ] && ok "get-rand fresh each time" || bad "get-rand repeated"

# --- get-authentication: named device, batched randD ----------------------------------------
RN=$(rand16); D1=$(rand16); D2=$(rand16); D3=$(rand16)
resp=$(h2post $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randDlist\":[\"$D1\",\"$D2\",\"$D3\"]}")
check "get-authentication status" 200 "${resp%% *}"
body=${resp#* }
check "one AuthDataSet per randD" 3 "$(echo "$body" | jq '.authDataSets|length')"
for i in 0 1 2; do
	d=$(echo "$body" | jq -r ".authDataSets[$i].randD")
	check "XRES[$i] = aiot crypto res" "$("$AIOT" crypto res --suite 3gpp --key $KEY --rand-n $RN --rand-d $d --bits 64)" \
		"$(echo "$body" | jq -r ".authDataSets[$i].authDataSet[0].xres")"
done
check "no aiotDevPermId echoed when named (TS 33.369 5.2.2 step 9)" null "$(echo "$body" | jq -r '.authDataSets[0].authDataSet[0].aiotDevPermId')"

# --- get-authentication by filteringInfo (group = the 4-byte prefix of the permanent ID) ----
FILT=$(echo -n "$ID" | base64 -d | head -c 4 | base64)
resp=$(h2post $SEC/get-authentication "{\"filteringInfo\":\"$FILT\",\"randN\":\"$RN\",\"randDlist\":[\"$D1\"]}")
check "filtered get-authentication status" 200 "${resp%% *}"
body=${resp#* }
check "filter matches the 1000 shelf-a devices" 1000 "$(echo "$body" | jq '.authDataSets[0].authDataSet|length')"
check "filtered XRES of device 7" "$("$AIOT" crypto res --suite 3gpp --key $KEY --rand-n $RN --rand-d $D1 --bits 64)" \
	"$(echo "$body" | jq -r --arg id "$ID" '.authDataSets[0].authDataSet[]|select(.aiotDevPermId==$id)|.xres')"
AID=$(dev $W/aes.jsonl 3 .aiotDevPermId); AKEY=$(dev $W/aes.jsonl 3 .key)
AFILT=$(echo -n "$AID" | base64 -d | head -c 4 | base64)
resp=$(h2post $SEC/get-authentication "{\"filteringInfo\":\"$AFILT\",\"randN\":\"$RN\",\"randDlist\":[\"$D2\"]}")
check "aes suite, 32-bit XRES from the profile" "$("$AIOT" crypto res --suite aes --key $AKEY --rand-n $RN --rand-d $D2 --bits 32)" \
	"$(echo "${resp#* }" | jq -r --arg id "$AID" '.authDataSets[0].authDataSet[]|select(.aiotDevPermId==$id)|.xres')"

# --- get-session-key ------------------------------------------------------------------------
resp=$(h2post $SEC/get-session-key "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randD\":\"$D1\"}")
check "get-session-key status" 200 "${resp%% *}"
check "K_AIOTF = aiot crypto kaiotf" "$("$AIOT" crypto kaiotf --suite 3gpp --key $KEY --rand-n $RN --rand-d $D1)" "$(echo "${resp#* }" | jq -r .kAiotf)"

# --- get-tid: issue, rotate, idempotent, resync ----------------------------------------------
PID_=$(dev $W/priv.jsonl 2 .aiotDevPermId); PKEY=$(dev $W/priv.jsonl 2 .key); PTID=$(dev $W/priv.jsonl 2 .tid)
resp=$(h2post $SEC/get-tid "{\"aiotDevPermId\":\"$PID_\"}")
check "get-tid before any session: the provisioned T-ID" "$PTID" "$(echo "${resp#* }" | jq -r .tid)"
check "tidHandInfo.tidType" STORED "$(echo "${resp#* }" | jq -r .tidHandInfo.tidType)"
h2post $SEC/get-session-key "{\"aiotDevPermId\":\"$PID_\",\"randN\":\"$RN\",\"randD\":\"$D3\"}" >/dev/null
NEXT=$("$AIOT" crypto tid --suite 3gpp --key $PKEY --rand-n $RN --rand-d $D3)
resp=$(h2post $SEC/get-tid "{\"aiotDevPermId\":\"$PID_\"}")
check "get-tid rotates to the T-ID the device derives" "$NEXT" "$(echo "${resp#* }" | jq -r .tid)"
check "tidPrevious is the old T-ID" "$PTID" "$(echo "${resp#* }" | jq -r .tidPrevious)"
resp=$(h2post $SEC/get-tid "{\"aiotDevPermId\":\"$PID_\"}")
check "get-tid idempotent within a session" "$NEXT" "$(echo "${resp#* }" | jq -r .tid)"
resp=$(h2post $SEC/get-tid "{\"aiotDevPermId\":\"$PID_\",\"resyncInd\":true}")
check "resyncInd: the previous T-ID is current again" "$PTID" "$(echo "${resp#* }" | jq -r .tid)"
resp=$(h2post $SEC/get-tid "{\"aiotDevPermId\":\"$PID_\"}")
check "and rotates again on request" "$NEXT" "$(echo "${resp#* }" | jq -r .tid)"

# --- Nadm_DM ---------------------------------------------------------------------------------
DM=$U/nadm-dm/v1
code=$(curl -sS --http2-prior-knowledge -o $W/p.json -w '%{http_code}' "$DM/aiot-device-profile-data/$(urlenc "$PID_")")
check "profile GET" 200 "$code"
check "profile tidCurrent" "$NEXT" "$(jq -r .tidCurrent $W/p.json)"
check "profile lastKnownAiotfInfo default" false "$(jq -r .lastKnownAiotfInfo.lastKnownAiotfInfoInd $W/p.json)"
code=$(curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' -X PATCH -H 'content-type: application/merge-patch+json' \
	--data '{"lastKnownAiotfInfo":{"lastKnownAiotfInfoInd":true,"lastKnownAiotfFqdn":"aiotf1.example.org"}}' "$DM/aiot-device-profile-data/$(urlenc "$ID")")
check "profile PATCH (merge patch)" 204 "$code"
check "PATCH visible" aiotf1.example.org "$(curl -sS --http2-prior-knowledge "$DM/aiot-device-profile-data/$(urlenc "$ID")" | jq -r .lastKnownAiotfInfo.lastKnownAiotfFqdn)"
code=$(curl -sS --http2-prior-knowledge -o $W/e.json -w '%{http_code}' -X PATCH -H 'content-type: application/merge-patch+json' \
	--data "{\"tidCurrent\":\"$(rand16)\"}" "$DM/aiot-device-profile-data/$(urlenc "$ID")")
check "PATCH of tidCurrent refused" "403 MODIFICATION_NOT_ALLOWED" "$code $(jq -r .cause $W/e.json)"
code=$(curl -sS --http2-prior-knowledge -o $W/l.json -w '%{http_code}' "$DM/aiot-device-profile-data?requester-aiot-devices-id=$(urlenc "$ID"),$(urlenc "$PID_")")
check "bundled GET" "200 2" "$code $(jq '.aiotDevProfileDataList|length' $W/l.json)"
check "AF authorization data" READ "$(curl -sS --http2-prior-knowledge "$DM/af-authorization-data?af-id=af-warehouse" | jq -r '.afAuthData["af-warehouse"].allowedServiceOperations[1]')"
code=$(curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' "$DM/af-authorization-data?af-id=nobody")
check "unknown AF" 404 "$code"

# --- errors: ProblemDetails with the right status, and the server keeps serving --------------
perr() { # name expected-status expected-cause url body [content-type]
	local c
	c=$(curl -sS --http2-prior-knowledge -o $W/e.json -D $W/h.txt -w '%{http_code}' -X POST \
		-H "content-type: ${6:-application/json}" --data-binary "$5" "$4")
	check "$1" "$2 $3 application/problem+json" \
		"$c $(jq -r '.cause // "-"' $W/e.json 2>/dev/null) $(grep -i '^content-type:' $W/h.txt | tr -d '\r' | awk '{print $2}')"
}
UNKNOWN=$(openssl rand -base64 12)
perr "unknown device -> 404" 404 - $SEC/get-authentication "{\"aiotDevPermId\":\"$UNKNOWN\",\"randN\":\"$RN\",\"randDlist\":[\"$D1\"]}"
perr "unknown device session key -> 404" 404 - $SEC/get-session-key "{\"aiotDevPermId\":\"$UNKNOWN\",\"randN\":\"$RN\",\"randD\":\"$D1\"}"
perr "bad JSON -> 400" 400 INVALID_MSG_FORMAT $SEC/get-authentication '{"randN":'
perr "not an object -> 400" 400 INVALID_MSG_FORMAT $SEC/get-authentication '[1,2]'
# strict JSON: what cJSON alone accepted (the first duplicate won) is refused
GA="\"randN\":\"$RN\",\"randDlist\":[\"$D1\"]"
perr "duplicate member -> 400" 400 INVALID_MSG_FORMAT $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",$GA,\"aiotDevPermId\":\"$UNKNOWN\"}"
check "duplicate member: detail" 'body: duplicate member "aiotDevPermId"' "$(jq -r .detail $W/e.json)"
perr "trailing garbage -> 400" 400 INVALID_MSG_FORMAT $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",$GA}x"
perr "two documents -> 400" 400 INVALID_MSG_FORMAT $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",$GA} {}"
perr "\\u0000 in a string -> 400" 400 INVALID_MSG_FORMAT $SEC/get-tid "{\"aiotDevPermId\":\"$ID\",\"x\":\"a\\u0000\"}"
perr "invalid UTF-8 -> 400" 400 INVALID_MSG_FORMAT $SEC/get-tid "{\"aiotDevPermId\":\"$ID\",\"x\":\"$(printf '\xc0\xaf')\"}"
perr "missing randN -> 400" 400 MANDATORY_IE_MISSING $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",\"randDlist\":[\"$D1\"]}"
perr "randN 31 hex digits -> 400" 400 MANDATORY_IE_INCORRECT $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",\"randN\":\"${RN:1}\",\"randDlist\":[\"$D1\"]}"
perr "randN wrong type -> 400" 400 MANDATORY_IE_INCORRECT $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",\"randN\":5,\"randDlist\":[\"$D1\"]}"
perr "empty randDlist -> 400" 400 MANDATORY_IE_INCORRECT $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randDlist\":[]}"
perr "bad randD item -> 400" 400 MANDATORY_IE_INCORRECT $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randDlist\":[\"zz\"]}"
perr "bad base64 id -> 400" 400 OPTIONAL_IE_INCORRECT $SEC/get-authentication "{\"aiotDevPermId\":\"***\",\"randN\":\"$RN\",\"randDlist\":[\"$D1\"]}"
perr "resyncInd not boolean -> 400" 400 OPTIONAL_IE_INCORRECT $SEC/get-tid "{\"aiotDevPermId\":\"$ID\",\"resyncInd\":\"yes\"}"
perr "wrong content type -> 415" 415 - $SEC/get-session-key "{}" text/plain
many=$(for i in $(seq 65); do printf '"%s",' $D1; done); many="[${many%,}]"
perr "65 randD over limit 64 -> 413" 413 - $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randDlist\":$many}"
perr "no identifier: 1025 devices x 64 randD over max-xres -> 413" 413 - $SEC/get-authentication "{\"randN\":\"$RN\",\"randDlist\":$(for i in $(seq 64); do printf '"%s"\n' $D1; done | jq -sc .)}"
perr "body over max-body -> 413" 413 - $SEC/get-authentication "{\"pad\":\"$(head -c 70000 /dev/zero | tr '\0' a)\"}"
perr "unknown operation -> 404" 404 RESOURCE_URI_STRUCTURE_NOT_FOUND $SEC/get-nothing "{}"
c=$(curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' $SEC/get-rand)
check "GET on get-rand -> 405" 405 "$c"
r=$(h2post $SEC/get-rand "")
check "still serving after the errors" 200 "${r%% *}"

# --- the project's own SBI client -----------------------------------------------------------
out=$("$AIOT" sbi POST "$SEC/get-authentication" --data "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randDlist\":[\"$D2\"]}")
check "own client: status" 200 "$(echo "$out" | head -1)"
check "own client: XRES" "$("$AIOT" crypto res --suite 3gpp --key $KEY --rand-n $RN --rand-d $D2)" \
	"$(echo "$out" | tail -n +2 | jq -r '.authDataSets[0].authDataSet[0].xres')"

# --- h2load: many streams on a few connections ----------------------------------------------
echo "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randDlist\":[\"$D1\"]}" >$W/req.json
h2load -n 20000 -c 4 -m 16 -d $W/req.json -H 'content-type: application/json' $SEC/get-authentication >$W/h2load.txt 2>&1 || true
check "h2load: 20000 requests, all 2xx" "20000" "$(sed -n 's/.*status codes: \([0-9]*\) 2xx.*/\1/p' $W/h2load.txt)"
grep -E "finished in" $W/h2load.txt | sed 's/^/     /'

# --- metrics ----------------------------------------------------------------------------------
m=$(curl -sS --retry 3 --retry-connrefused http://127.0.0.1:$MPORT/metrics || true)
echo "$m" | grep -q '^aiot_adm_xres_total [0-9]' && ok "metrics expose aiot_adm_xres_total" || bad "metrics: $m"

# --- keys at rest ----------------------------------------------------------------------------
if [ $REDIS = 0 ]; then # on the cluster: it_store_redis
hexdb=$(cat $DB $( [ -f $DB-wal ] && echo $DB-wal ) | xxd -p | tr -d '\n')
leaks=0
for k in $(jq -r .key $W/a.jsonl $W/aes.jsonl $W/priv.jsonl); do
	case "$hexdb" in *"$k"*) leaks=$((leaks + 1)) ;; esac
done
check "no K_AIOT_root in the clear in the database files (1025 keys searched)" 0 $leaks
fi

# --- kill -9 and restart: acknowledged writes survive ----------------------------------------
resp=$(h2post $SEC/get-session-key "{\"aiotDevPermId\":\"$PID_\",\"randN\":\"$D1\",\"randD\":\"$D2\"}")
N2=$("$AIOT" crypto tid --suite 3gpp --key $PKEY --rand-n $D1 --rand-d $D2)
check "rotation acknowledged" "$N2" "$(h2post $SEC/get-tid "{\"aiotDevPermId\":\"$PID_\"}" | cut -d' ' -f2- | jq -r .tid)"
kill -9 $LASTPID; wait $LASTPID 2>/dev/null || true
start_daemon $W/adm2.log "$ADM" -c $W/adm.yaml
SEC=http://127.0.0.1:$PORT/nadm-sec/v1
resp=$(h2post $SEC/get-tid "{\"aiotDevPermId\":\"$PID_\"}")
check "after kill -9: T-ID rotation persisted" "$N2" "$(echo "${resp#* }" | jq -r .tid)"
check "after kill -9: previous T-ID persisted" "$NEXT" "$(echo "${resp#* }" | jq -r .tidPrevious)"
check "after kill -9: PATCH persisted" aiotf1.example.org "$(curl -sS --http2-prior-knowledge "http://127.0.0.1:$PORT/nadm-dm/v1/aiot-device-profile-data/$(urlenc "$ID")" | jq -r .lastKnownAiotfInfo.lastKnownAiotfFqdn)"
kill $LASTPID; wait $LASTPID 2>/dev/null || true

# --- mutual TLS -------------------------------------------------------------------------------
mkcert() { # name CA-prefix san
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
		-keyout $W/$1.key -out $W/$1.csr 2>/dev/null
	printf 'subjectAltName=%s\n' "$3" >$W/$1.ext
	openssl x509 -req -in $W/$1.csr -CA $W/$2.crt -CAkey $W/$2.key -CAcreateserial -days 2 \
		-extfile $W/$1.ext -out $W/$1.crt 2>/dev/null
}
for ca in ca evil; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=aiot test $ca" \
		-days 2 -keyout $W/$ca.key -out $W/$ca.crt 2>/dev/null
done
mkcert adm ca IP:127.0.0.1; mkcert aiotf ca DNS:aiotf; mkcert rogue evil DNS:rogue
start_daemon $W/adm3.log "$ADM" -c $W/adm.yaml --tls-cert $W/adm.crt --tls-key $W/adm.key --tls-ca $W/ca.crt
T=https://127.0.0.1:$PORT/nadm-sec/v1
c=$(curl -sS -o $W/t.json -w '%{http_code} %{http_version}' --cacert $W/ca.crt --cert $W/aiotf.crt --key $W/aiotf.key \
	-H 'content-type: application/json' --data "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randDlist\":[\"$D1\"]}" $T/get-authentication)
check "mTLS: curl with a client certificate" "200 2" "$c"
check "mTLS: XRES" "$("$AIOT" crypto res --suite 3gpp --key $KEY --rand-n $RN --rand-d $D1)" "$(jq -r '.authDataSets[0].authDataSet[0].xres' $W/t.json)"
curl -sS -o /dev/null --cacert $W/ca.crt -X POST $T/get-rand 2>/dev/null && bad "mTLS: accepted a client without a certificate" || ok "mTLS: client without a certificate refused"
curl -sS -o /dev/null --cacert $W/ca.crt --cert $W/rogue.crt --key $W/rogue.key -X POST $T/get-rand 2>/dev/null && bad "mTLS: accepted a certificate from another CA" || ok "mTLS: certificate from another CA refused"
out=$("$AIOT" sbi POST "$T/get-rand" --cacert $W/ca.crt --cert $W/aiotf.crt --key $W/aiotf.key)
check "mTLS: own client" 200 "$(echo "$out" | head -1)"
s=$( (echo | openssl s_client -connect 127.0.0.1:$PORT -alpn h2 -CAfile $W/ca.crt -cert $W/aiotf.crt -key $W/aiotf.key 2>/dev/null || true) | tr -d '\0')
echo "$s" | grep -q "ALPN protocol: h2" && ok "openssl s_client: ALPN h2" || bad "s_client ALPN: $(echo "$s" | grep -i alpn)"
echo "$s" | grep -q "TLSv1.3" && ok "openssl s_client: TLS 1.3" || bad "s_client: not TLS 1.3"
echo | openssl s_client -connect 127.0.0.1:$PORT -tls1_2 -CAfile $W/ca.crt -cert $W/aiotf.crt -key $W/aiotf.key >/dev/null 2>&1 && bad "TLS 1.2 accepted" || ok "TLS 1.2 refused"

# --- configuration errors are clear -----------------------------------------------------------
"$ADM" --store "$STORE" --kek-file $W/nokek 2>$W/e.log && bad "started without a KEK" || ok "missing KEK file: $(tail -1 $W/e.log | cut -c1-80)"
head -c 32 /dev/urandom >$W/wrongkek; chmod 600 $W/wrongkek
"$ADM" --store "$STORE" --kek-file $W/wrongkek --listen 127.0.0.1:0 2>$W/e.log && bad "started with a wrong KEK" || ok "wrong KEK refused: $(tail -1 $W/e.log | cut -c1-80)"
printf 'listen: 127.0.0.1:0\nlisten-typo: 1\n' >$W/bad.yaml
"$ADM" -c $W/bad.yaml --store "$STORE" --kek-file $KEK 2>$W/e.log && bad "unknown key accepted" || ok "unknown config key refused: $(tail -1 $W/e.log | cut -c1-80)"

finish
