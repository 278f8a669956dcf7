#!/usr/bin/env bash
# The AAnF end to end: the real aiot-aanf on loopback, driven with curl over h2c. Checks the
# three Naanf_AKMA operations and their errors, K_AF against an independent HMAC-SHA-256 of
# TS 33.535 A.4 (openssl mac) and `aiot crypto kaf` when the CLI has it, the SUPI only for
# the AFs allowed it, contexts surviving kill -9, K_AKMA never in the clear in the store or
# the log, and every body against the official YAMLs (tests/schema/check_bodies.py).
source "$(dirname "$0")/lib.bash"
PY=/usr/bin/python3
AANF=$B/aiot-aanf
DB=$W/aanf.db
KEK=$W/aanf.kek
AF1=msgin5g.example.org # allowed the SUPI
AF2=other-af.example.net
# TS 33.535 A.4 without this tree's code: HMAC-SHA-256(K_AKMA, 0x82 || AF_ID || L0),
# AF_ID = FQDN || Ua* id (TS 33.220 H.3, TLS 1.3 PSK: 01 00 00 00 07).
kaf_ref() { # kakma fqdn [ua]
	local ua=${3:-0100000007} s
	s="82$(printf %s "$2" | xxd -p | tr -d '\n')$ua$(printf %04x $((${#2} + ${#ua} / 2)))"
	echo -n "$s" | xxd -r -p | openssl mac -digest SHA256 -macopt hexkey:$1 HMAC | tr 'A-F' 'a-f'
}
akid() { echo "${1:-0123}.$(openssl rand -hex 32)@5gc.mnc001.mcc001.3gppnetwork.org"; }

start_aanf() {
	start_daemon $W/aanf.log "$AANF" -c "$S/config/aanf.yaml" --listen 127.0.0.1:0 --metrics 127.0.0.1:0 \
		--store sqlite:$DB --kek-file $KEK --workers 2 --supi-allowed-afs "$AF1, af3.example.org" "$@"
	U=http://127.0.0.1:$PORT/naanf-akma/v1
}
rc=0; "$AANF" --help >$W/help.txt || rc=$?
check "--help: exit 0, every key a flag" "0 1 1" "$rc $(grep -c -- '--supi-allowed-afs' $W/help.txt) $(grep -c -- '--kaf-lifetime-s' $W/help.txt)"
rc=0; "$AANF" --store sqlite:$DB --kek-file $KEK --kaf-lifetime-s 0 2>$W/bad.log || rc=$?
[ $rc -eq 2 ] && grep -q kaf-lifetime-s $W/bad.log && [ ! -e $DB ] && ok "kaf-lifetime-s 0 refused (exit 2), nothing created" || bad "kaf-lifetime-s 0: rc $rc $(cat $W/bad.log)"
start_aanf
ok "aiot-aanf started from config/aanf.yaml on port $PORT (metrics $MPORT)"
check "KEK file created, mode 0600" "600 32" "$(stat -c '%a %s' $KEK)"
check "store created, mode 0600" 600 "$(stat -c %a $DB)"

Y=TS29535_Naanf_AKMA.yaml
M=$W/manifest; NB=0
# req EXPECTED OPERATION LABEL BODY: POST it, check the status, queue the answer for the YAML
req() {
	local want=$1 op=$2 label=$3 body=$4 ct=${5:-application/json}
	NB=$((NB + 1)); BODY=$W/body.$NB
	local out st rct
	out=$(curl -sS --http2-prior-knowledge -o $BODY -w '%{http_code} %{content_type}' -X POST \
		-H "content-type: $ct" --data-binary "$body" "$U/$op")
	st=${out%% *}; rct=${out#* }; rct=${rct%%;*}
	[ -s $BODY ] || rct=-
	check "$label: status" "$want" "$st"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' $Y "POST /$op" "$st" "${rct:--}" "$BODY" "$label" >>$M
}
reg() { echo "{\"supi\":\"$1\",\"aKId\":\"$2\",\"kAkma\":\"$3\"}"; }
get() { echo "{\"afId\":\"$1\",\"aKId\":\"$2\"${3:-}}"; }

# --- register-anchorkey -> retrieve-applicationkey -----------------------------------------
SUPI=imsi-001010000000001; A1=$(akid 0012); K1=$(openssl rand -hex 32)
req 200 register-anchorkey "register-anchorkey" "$(reg $SUPI $A1 $K1)"
check "register: AkmaKeyInfo answered" "$SUPI $A1" "$(jq -r '.supi + " " + .aKId' $BODY)"
t0=$(date +%s)
req 200 retrieve-applicationkey "retrieve, allowed AF" "$(get $AF1 $A1)"
check "K_AF = HMAC-SHA-256 of TS 33.535 A.4 (openssl mac)" "$(kaf_ref $K1 $AF1)" "$(jq -r .kaf $BODY)"
HAVE_KAF=0 # `aiot crypto kaf` (issue 15 item 1) in this build
"$AIOT" crypto kaf --kakma $K1 --af-fqdn $AF1 >$W/cli.txt 2>/dev/null && HAVE_KAF=1
if [ $HAVE_KAF = 1 ]; then
	check "K_AF = aiot crypto kaf" "$(cat $W/cli.txt)" "$(jq -r .kaf $BODY)"
else
	echo "skip aiot crypto kaf: not in this build's CLI"
fi
check "SUPI given to an allowed AF" $SUPI "$(jq -r .supi $BODY)"
exp=$(date -d "$(jq -r .expiry $BODY)" +%s)
[ $((exp - t0)) -ge 3598 ] && [ $((exp - t0)) -le 3602 ] && ok "expiry = now + kaf-lifetime-s (3600)" || bad "expiry $(jq -r .expiry $BODY), now $t0"
req 200 retrieve-applicationkey "retrieve, other AF" "$(get $AF2 $A1)"
check "K_AF of another AF: its own FQDN" "$(kaf_ref $K1 $AF2)" "$(jq -r .kaf $BODY)"
check "no SUPI for an AF not allowed it" null "$(jq -r .supi $BODY)"
req 200 retrieve-applicationkey "retrieve, anonInd" "$(get $AF1 $A1 ',"anonInd":true')"
check "no SUPI for an anonymous user access (anonInd)" null "$(jq -r .supi $BODY)"
req 204 retrieve-applicationkey "retrieve, unknown A-KID" "$(get $AF1 $(akid 0012))"
check "204 has no body" 0 "$(stat -c %s $BODY)"

# --- re-register replaces; remove-context ---------------------------------------------------
A2=$(akid 0012); K2=$(openssl rand -hex 32)
req 200 register-anchorkey "re-register the SUPI" "$(reg $SUPI $A2 $K2)"
req 204 retrieve-applicationkey "the replaced A-KID is gone" "$(get $AF1 $A1)"
req 200 retrieve-applicationkey "the new A-KID" "$(get $AF1 $A2)"
check "K_AF from the new K_AKMA" "$(kaf_ref $K2 $AF1)" "$(jq -r .kaf $BODY)"
SUPI2=imsi-001010000000002; A3=$(akid 7); K3=$(openssl rand -hex 32)
req 200 register-anchorkey "register a second UE" "$(reg $SUPI2 $A3 $K3)"
req 204 remove-context "remove-context" "{\"supi\":\"$SUPI2\"}"
req 204 retrieve-applicationkey "after remove-context: 204" "$(get $AF1 $A3)"
req 404 remove-context "remove-context, no such SUPI" "{\"supi\":\"$SUPI2\"}"
SUPI3=imsi-001010000000003; A4=$(akid 1); K4=$(openssl rand -hex 32)
req 200 register-anchorkey "register a third UE" "$(reg $SUPI3 $A4 $K4)"
# The answer is written without a JSON library: a SUPI with JSON's special characters (a
# NAI may hold them) must come back escaped (RFC 8259 7), the body still valid JSON.
A5=$(akid 12); K5=$(openssl rand -hex 32)
req 200 register-anchorkey "register a NAI SUPI with \" and \\" "{\"supi\":\"nai-a\\\"b\\\\c@example.org\",\"aKId\":\"$A5\",\"kAkma\":\"$K5\"}"
req 200 retrieve-applicationkey "retrieve for the NAI SUPI" "$(get $AF1 $A5)"
check "the NAI SUPI escaped in the answer" 'nai-a"b\c@example.org' "$(jq -r .supi $BODY)"
check "its K_AF" "$(kaf_ref $K5 $AF1)" "$(jq -r .kaf $BODY)"
req 204 remove-context "remove the NAI SUPI's context" '{"supi":"nai-a\"b\\c@example.org"}'

# --- malformed requests: 400 ProblemDetails --------------------------------------------------
bad400() { # label op body cause
	req 400 "$2" "$1" "$3"
	check "$1: cause" "$4 application/problem+json" "$(jq -r .cause $BODY) $(tail -1 $M | cut -f4)"
}
bad400 "not JSON" register-anchorkey '{"supi":' INVALID_MSG_FORMAT
bad400 "duplicate member" register-anchorkey "{\"supi\":\"$SUPI\",\"supi\":\"x\",\"aKId\":\"$A1\",\"kAkma\":\"$K1\"}" INVALID_MSG_FORMAT
bad400 "no aKId" register-anchorkey "{\"supi\":\"$SUPI\",\"kAkma\":\"$K1\"}" MANDATORY_IE_MISSING
bad400 "aKId not an A-KID" register-anchorkey "$(reg $SUPI nobody@example.org $K1)" MANDATORY_IE_INCORRECT
bad400 "kAkma of 31 octets" register-anchorkey "$(reg $SUPI $A1 ${K1:0:62})" MANDATORY_IE_INCORRECT
bad400 "supi and gpsi (oneOf)" register-anchorkey "{\"supi\":\"$SUPI\",\"gpsi\":\"msisdn-491700000001\",\"aKId\":\"$A1\",\"kAkma\":\"$K1\"}" MANDATORY_IE_INCORRECT
bad400 "gpsi only" register-anchorkey "{\"gpsi\":\"msisdn-491700000001\",\"aKId\":\"$A1\",\"kAkma\":\"$K1\"}" MANDATORY_IE_MISSING
bad400 "supi not a string" register-anchorkey "{\"supi\":5,\"aKId\":\"$A1\",\"kAkma\":\"$K1\"}" OPTIONAL_IE_INCORRECT
bad400 "afId not an FQDN" retrieve-applicationkey "$(get 'af_1 example' $A2)" MANDATORY_IE_INCORRECT
bad400 "no afId" retrieve-applicationkey "{\"aKId\":\"$A2\"}" MANDATORY_IE_MISSING
bad400 "anonInd not a boolean" retrieve-applicationkey "$(get $AF1 $A2 ',"anonInd":"yes"')" OPTIONAL_IE_INCORRECT
bad400 "body an array" retrieve-applicationkey '[]' INVALID_MSG_FORMAT
bad400 "CtxRemove without supi" remove-context '{}' MANDATORY_IE_MISSING
req 415 register-anchorkey "text/plain body" "$(reg $SUPI $A1 $K1)" text/plain
st=$(curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' $U/register-anchorkey)
check "GET register-anchorkey: 405" 405 "$st"
st=$(curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' -X POST -H content-type:application/json -d '{}' $U/nothing)
check "unknown operation: 404" 404 "$st"
req 200 retrieve-applicationkey "refusals changed nothing" "$(get $AF1 $A2)"
check "K_AF unchanged after the refused requests" "$(kaf_ref $K2 $AF1)" "$(jq -r .kaf $BODY)"

m=$(curl -sS http://127.0.0.1:$MPORT/metrics)
check "metrics: contexts" "aiot_aanf_contexts 2" "$(echo "$m" | grep '^aiot_aanf_contexts ')"
check "metrics: one context replaced" "aiot_aanf_replaced_total 1" "$(echo "$m" | grep '^aiot_aanf_replaced_total ')"
echo "$m" | grep -q 'aiot_aanf_kaf_total{result="unknown_akid"} 3' && ok "metrics: unknown A-KIDs counted" || bad "metrics: $(echo "$m" | grep aanf_kaf)"

# --- kill -9 and restart: the contexts survive ----------------------------------------------
kill -9 $LASTPID; wait $LASTPID 2>/dev/null || true
start_aanf
grep -q "2 AKMA contexts" $W/aanf.log && ok "restart: 2 contexts loaded" || bad "restart log: $(cat $W/aanf.log)"
req 200 retrieve-applicationkey "after kill -9: the context is kept" "$(get $AF1 $A2)"
check "after kill -9: same K_AF" "$(kaf_ref $K2 $AF1)" "$(jq -r .kaf $BODY)"
req 200 retrieve-applicationkey "after kill -9: the third UE" "$(get $AF2 $A4)"
check "after kill -9: third UE's K_AF" "$(kaf_ref $K4 $AF2)" "$(jq -r .kaf $BODY)"
req 204 retrieve-applicationkey "after kill -9: the removed context stays removed" "$(get $AF1 $A3)"
req 204 retrieve-applicationkey "after kill -9: the replaced one too" "$(get $AF1 $A1)"
kill -TERM $LASTPID; wait $LASTPID 2>/dev/null || true

# --- keys at rest and in the log --------------------------------------------------------------
leaks=0
for k in $K1 $K2 $K3 $K4; do
	for f in $DB $DB-wal $W/aanf.log; do
		[ -f "$f" ] || continue
		grep -qai "$k" "$f" && leaks=$((leaks + 1))
		$PY -c "import sys; sys.exit(0 if bytes.fromhex('$k') in open('$f','rb').read() else 1)" && leaks=$((leaks + 1))
	done
done
check "no K_AKMA in the clear (hex or raw) in the store, its WAL or the log" 0 $leaks
check "the store holds the contexts (sealed)" 2 "$(sqlite3 $DB 'select count(*) from akma_contexts')"
head -c 32 /dev/urandom >$W/kek2; chmod 600 $W/kek2
rc=0; timeout 10 "$AANF" --listen 127.0.0.1:0 --store sqlite:$DB --kek-file $W/kek2 2>$W/wrong.log || rc=$?
[ $rc -eq 1 ] && ok "another KEK: refused ($(tail -1 $W/wrong.log | cut -c1-80))" || bad "wrong KEK: rc $rc $(cat $W/wrong.log)"

# --- NRF registration (nfType AANF) and OAuth 2.0 (the scopes of TS29535_Naanf_AKMA.yaml) -----
NRF_ID=6b1e0f4e-2c4a-4d59-9a51-0d6f8c1e2a10; AANF_ID=3c2d1e0f-aaaa-4bbb-8ccc-0123456789ab
start_daemon $W/nrf.log "$B/aiot-nrf" --listen 127.0.0.1:0 --signing-key $W/nrf-signing.pem --workers 1
NRFPID=$LASTPID; NP=$PORT
"$AIOT" token keygen --key $W/tok.pem --pub $W/tok.pub >/dev/null
start_daemon $W/aanf-o.log "$AANF" --listen 127.0.0.1:0 --store sqlite:$W/o.db --kek-file $W/o.kek \
	--nrf http://127.0.0.1:$NP --nf-instance-id $AANF_ID --oauth2-required \
	--nrf-public-key $W/tok.pub --oauth2-issuer $NRF_ID --oauth2.operation-scopes true
OPID=$LASTPID; U=http://127.0.0.1:$PORT/naanf-akma/v1
for _ in $(seq 1 100); do grep -q "registered with the NRF" $W/aanf-o.log && break; sleep 0.1; done
curl -sS --http2-prior-knowledge http://127.0.0.1:$NP/nnrf-nfm/v1/nf-instances/$AANF_ID >$W/prof.json
check "NRF: registered as nfType AANF, service naanf-akma, oauth2Required" "AANF REGISTERED naanf-akma true" \
	"$(jq -r '[.nfType, .nfStatus, (.nfServiceList[] | .serviceName, .oauth2Required)] | join(" ")' $W/prof.json)"
tok() { "$AIOT" token sign --key $W/tok.pem --iss $NRF_ID --sub $AANF_ID --aud AANF --scope "$1"; }
call() { # token op body -> status
	curl -sS --http2-prior-knowledge -o $W/o.body -w '%{http_code}' -X POST -H content-type:application/json \
		${1:+-H "authorization: Bearer $1"} --data-binary "$3" $U/$2
}
check "OAuth 2.0: no token, 401" 401 "$(call "" retrieve-applicationkey "$(get $AF1 $A2)")"
check "OAuth 2.0: the retrieve scope cannot register (403)" 403 \
	"$(call "$(tok 'naanf-akma naanf-akma:applicationkeyget')" register-anchorkey "$(reg $SUPI $A2 $K2)")"
check "OAuth 2.0: naanf-akma:anchorkey registers" 200 \
	"$(call "$(tok 'naanf-akma naanf-akma:anchorkey')" register-anchorkey "$(reg $SUPI $A2 $K2)")"
check "OAuth 2.0: naanf-akma:applicationkeyget retrieves" 200 \
	"$(call "$(tok 'naanf-akma naanf-akma:applicationkeyget')" retrieve-applicationkey "$(get $AF1 $A2)")"
check "OAuth 2.0: the K_AF" "$(kaf_ref $K2 $AF1)" "$(jq -r .kaf $W/o.body)"
kill -TERM $OPID; wait $OPID 2>/dev/null || true
check "NRF: deregistered on SIGTERM" 404 "$(curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' http://127.0.0.1:$NP/nnrf-nfm/v1/nf-instances/$AANF_ID)"
kill -TERM $NRFPID; wait $NRFPID 2>/dev/null || true

# --- the README's "Running the AAnF" block, as pasted (its two ports swapped for free ones) ---
freeport() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mkdir -p $W/readme && ln -s "$B" $W/readme/build
awk 'index($0, "## Running the AAnF") == 1 { f = 1 } f && /^```sh$/ { b = 1; next }
	b && /^```$/ { exit } b { print }' "$S/README.md" |
	sed "s/\b7790\b/$(freeport)/g; s/\b9111\b/$(freeport)/g" >$W/readme/run.sh
(cd $W/readme && timeout 60 bash run.sh >out.txt 2>err.txt) || true
RK=$(sed -n 1p $W/readme/out.txt | jq -r .kAkma 2>/dev/null || true)
RKAF=$(sed -n 2p $W/readme/out.txt | jq -r .kaf 2>/dev/null || true)
check "README: register-anchorkey answered" 64 "${#RK}"
check "README: K_AF = TS 33.535 A.4 (openssl mac)" "$(kaf_ref "$RK" msgin5g.example.org)" "$RKAF"
check "README: the SUPI given to the allowed AF" imsi-001010000000001 "$(sed -n 2p $W/readme/out.txt | jq -r .supi)"
if [ $HAVE_KAF = 1 ]; then
	check "README: aiot crypto kaf prints the same K_AF" "$RKAF" "$(sed -n 3p $W/readme/out.txt)"
fi

# --- every body against the official YAMLs -------------------------------------------------
rc=0; $PY "$S/tests/schema/check_bodies.py" --spec "$S/spec/openapi" --batch $M >$W/check.txt 2>&1 || rc=$?
grep FAIL $W/check.txt >&2 || true
check "check_bodies.py: $(grep -c '^ok' $W/check.txt) bodies valid against TS 29.535 / TS 29.522" 0 $rc
finish
