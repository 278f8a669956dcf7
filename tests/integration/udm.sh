#!/usr/bin/env bash
# aiot-udm end to end: `aiot provision-ue` into a real SQLite store, the real daemon on
# loopback, Nudm_UEAU generate-auth-data driven with curl. Vectors checked against
# `aiot crypto` (the UE's side: MAC-A, RES*, K_AUSF); SQN_HE advanced per vector and durable
# across kill -9; AUTS re-synchronisation and a bad MAC-S; every error status; every body
# against TS29503_Nudm_UEAU.yaml.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/aka_ue.bash"
UDM=$B/aiot-udm
DB=$W/udm.db
KEK=$W/kek
SNN=5G:mnc001.mcc001.3gppnetwork.org
AUSF_ID=3f1c2a4e-1111-4222-8333-444455556666
K1=465b5ce8b199b49faa5f0a2ee238a6bc OPC1=cd63cb71954a9f4e48a5994e37a02baf # TS 35.208 set 1
K2=fec86ba6eb707ed08905757b1bb44b8f OP2=dbc59adcb6f9a0ef735477b7fadf8374  # set 2
# OPc = E_K(OP) xor OP (TS 35.206 4.1), by OpenSSL: the UDM must have made the same
EKOP=$(echo -n $OP2 | xxd -r -p | openssl enc -aes-128-ecb -K $K2 -nopad | xxd -p -c 32)
OPC2=$(printf '%016x%016x' $((0x${EKOP:0:16} ^ 0x${OP2:0:16})) $((0x${EKOP:16:16} ^ 0x${OP2:16:16})))

# --- provisioning --------------------------------------------------------------------------
cat >$W/subs.jsonl <<JSON
{"supi":"imsi-001010000000001","k":"$K1","opc":"$OPC1","akmaInd":true,"routingId":"1234"}
{"supi":"imsi-001010000000002","k":"$K2","op":"$OP2","sqn":"0000000007e0","amf":"b9b9"}
JSON
"$AIOT" provision-ue --store sqlite:$DB --kek-file $KEK --import $W/subs.jsonl 2>$W/prov.log
check "2 subscribers provisioned" 2 "$(sqlite3 $DB 'select count(*) from subscribers')"
check "KEK file mode 0600" 600 "$(stat -c %a $KEK)"
if grep -qi -e "$K1" -e "$OPC1" -e "$K2" -e "$OP2" <(xxd -p -c 100000 $DB); then bad "K/OPc/OP in the clear in the store"; else ok "no K, OPc or OP in the clear in the store"; fi
check "public part: SQN, AMF, AKMA, routing indicator" '{"sqn":"000000000000","amf":"8000","akmaInd":true,"routingId":"1234"}' \
	"$(sqlite3 $DB "select meta from subscribers where id='imsi-001010000000001'")"
if "$AIOT" provision-ue --store sqlite:$DB --kek-file $KEK --import $W/subs.jsonl 2>$W/dup.log; then bad "re-import accepted"; else ok "a SUPI already stored is refused (its SQN must not go back)"; fi
echo '{"supi":"imsi-001010000000003","k":"00"}' >$W/badline.jsonl
cat $W/subs.jsonl | sed 's/000000000000[12]/0000000000009/' >>$W/badline.jsonl
if "$AIOT" provision-ue --store sqlite:$DB --kek-file $KEK --import $W/badline.jsonl 2>$W/bad.log; then bad "bad file accepted"; else ok "a bad line refuses the whole file: $(head -1 $W/bad.log)"; fi
check "nothing stored from the bad file" 2 "$(sqlite3 $DB 'select count(*) from subscribers')"

# --- the daemon ----------------------------------------------------------------------------
cat >$W/udm.yaml <<YAML
listen: 127.0.0.1:0
store: sqlite:$DB
kek-file: $KEK
metrics: 127.0.0.1:0
YAML
start_daemon $W/udm.log "$UDM" -c $W/udm.yaml
UPID=$LASTPID
U=http://127.0.0.1:$PORT/nudm-ueau/v1
ok "aiot-udm started on port $PORT"
req() { echo "{\"servingNetworkName\":\"$SNN\",\"ausfInstanceId\":\"$AUSF_ID\"${1:-}}"; }
gad() { h2post "$U/$1/security-information/generate-auth-data" "${2:-$(req)}" "${3:-}"; }
n=0
keep() { n=$((n + 1)); cp $W/body $W/b$n.json; printf '%s\t%s\t%s\t%s\t%s\t%s\n' TS29503_Nudm_UEAU.yaml \
	"POST /{supiOrSuci}/security-information/generate-auth-data" "$1" "$2" $W/b$n.json "$3" >>$W/batch; }

# --- a 5G HE AKA vector, checked by the UE's side --------------------------------------------
r=$(gad imsi-001010000000001); keep 200 application/json "vector"
check "generate-auth-data status" 200 "${r%% *}"
b=${r#* }
RAND=$(jq -r .authenticationVector.rand <<<"$b"); AUTN=$(jq -r .authenticationVector.autn <<<"$b")
check "authType 5G_AKA / avType 5G_HE_AKA" "5G_AKA 5G_HE_AKA" "$(jq -r '.authType+" "+.authenticationVector.avType' <<<"$b")"
if ue_check $K1 $OPC1 $RAND $AUTN $SNN; then ok "AUTN's MAC-A verifies at the UE (aiot crypto milenage)"; else bad "MAC-A does not verify"; fi
check "xresStar = aiot crypto res-star" "$UE_RES_STAR" "$(jq -r .authenticationVector.xresStar <<<"$b")"
check "kausf = aiot crypto kausf" "$UE_KAUSF" "$(jq -r .authenticationVector.kausf <<<"$b")"
check "AMF separation bit set (TS 33.501 6.1.3.2)" 8000 "${AUTN:12:4}"
check "supi, akmaInd, routingId" "imsi-001010000000001 true 1234" "$(jq -r '"\(.supi) \(.akmaInd) \(.routingId)"' <<<"$b")"
check "first SQN: SEQ 1" 1 "$(seq_of $UE_SQN)"
check "the store holds the SQN issued" "$UE_SQN" "$(sqlite3 $DB "select json_extract(meta,'$.sqn') from subscribers where id='imsi-001010000000001'")"
r2=$(gad imsi-001010000000001)
ue_check $K1 $OPC1 "$(jq -r .authenticationVector.rand <<<"${r2#* }")" "$(jq -r .authenticationVector.autn <<<"${r2#* }")" $SNN
check "second vector: SEQ 2 (incremented per vector)" 2 "$(seq_of $UE_SQN)"
check "IND steps through 32 values (C.3.2)" 2 "$((0x$UE_SQN & 31))"
[ "$(jq -r .authenticationVector.rand <<<"${r2#* }")" != "$RAND" ] && ok "RAND fresh per vector" || bad "RAND repeated"

# OP provisioned, converted to OPc; AMF and SQN as provisioned; no AKMA: akmaInd false
r=$(gad imsi-001010000000002); keep 200 application/json "vector, OP subscriber"
b=${r#* }
if ue_check $K2 $OPC2 "$(jq -r .authenticationVector.rand <<<"$b")" "$(jq -r .authenticationVector.autn <<<"$b")" $SNN; then
	ok "OP provisioned: the UDM uses OPc = E_K(OP) xor OP (TS 35.206 4.1)"
else bad "OP subscriber: MAC-A does not verify"; fi
check "provisioned SQN 0000000007e0 (SEQ 63): next SEQ 64, AMF b9b9 with separation bit" "64 b9b9" "$(seq_of $UE_SQN) $(jq -r .authenticationVector.autn <<<"$b" | cut -c13-16)"
check "akmaInd false, routingId 0" "false 0" "$(jq -r '"\(.akmaInd) \(.routingId)"' <<<"$b")"

# --- SQN_HE survives kill -9 -----------------------------------------------------------------
kill -9 $UPID; wait $UPID 2>/dev/null || true
start_daemon $W/udm2.log "$UDM" -c $W/udm.yaml
U=http://127.0.0.1:$PORT/nudm-ueau/v1
r=$(gad imsi-001010000000001); b=${r#* }
ue_check $K1 $OPC1 "$(jq -r .authenticationVector.rand <<<"$b")" "$(jq -r .authenticationVector.autn <<<"$b")" $SNN
check "after kill -9 and restart: SEQ 3 (what was answered was durable)" 3 "$(seq_of $UE_SQN)"

# --- AUTS re-synchronisation (TS 33.102 6.3.5) ------------------------------------------------
SQN_MS=$(printf '%012x' $(( (500 << 5) | 7 )))
RR=$(rand16)
AUTS=$(ue_auts $K1 $OPC1 $RR $SQN_MS)
r=$(gad imsi-001010000000001 "$(req ",\"resynchronizationInfo\":{\"rand\":\"$RR\",\"auts\":\"$AUTS\"}")"); keep 200 application/json "vector after AUTS"
b=${r#* }
check "resync status" 200 "${r%% *}"
ue_check $K1 $OPC1 "$(jq -r .authenticationVector.rand <<<"$b")" "$(jq -r .authenticationVector.autn <<<"$b")" $SNN
check "after AUTS with SEQ_MS 500: the fresh vector has SEQ 501" 501 "$(seq_of $UE_SQN)"
BADAUTS=${AUTS:0:27}$(printf '%x' $(( (0x${AUTS:27:1} + 1) % 16 )))
r=$(gad imsi-001010000000001 "$(req ",\"resynchronizationInfo\":{\"rand\":\"$RR\",\"auts\":\"$BADAUTS\"}")"); keep 403 application/problem+json "bad MAC-S"
check "bad MAC-S: 403 AUTHENTICATION_REJECTED" "403 AUTHENTICATION_REJECTED" "${r%% *} $(jq -r .cause <<<"${r#* }")"
check "bad MAC-S: SQN_HE unchanged" 501 "$(seq_of "$(sqlite3 $DB "select json_extract(meta,'$.sqn') from subscribers where id='imsi-001010000000001'")")"
OLD=$(ue_auts $K1 $OPC1 $RR "$(printf '%012x' $((10 << 5)))")
r=$(gad imsi-001010000000001 "$(req ",\"resynchronizationInfo\":{\"rand\":\"$RR\",\"auts\":\"$OLD\"}")")
ue_check $K1 $OPC1 "$(jq -r .authenticationVector.rand <<<"${r#* }")" "$(jq -r .authenticationVector.autn <<<"${r#* }")" $SNN
check "an AUTS with an older SEQ_MS never moves SEQ_HE back" 502 "$(seq_of $UE_SQN)"

# --- SUPI / SUCI and the errors -----------------------------------------------------------------
r=$(gad suci-0-001-01-0-0-0-0000000001); keep 200 application/json "null-scheme SUCI"
check "null-scheme SUCI mapped to its SUPI" "200 imsi-001010000000001" "${r%% *} $(jq -r .supi <<<"${r#* }")"
r=$(gad imsi-001019999999999); keep 404 application/problem+json "unknown SUPI"
check "unknown SUPI: 404 USER_NOT_FOUND" "404 USER_NOT_FOUND" "${r%% *} $(jq -r .cause <<<"${r#* }")"
r=$(gad suci-0-001-01-0-1-1-abcdef0123456789); keep 501 application/problem+json "ECIES SUCI"
check "SUCI of profile A: 501 UNSUPPORTED_PROTECTION_SCHEME" "501 UNSUPPORTED_PROTECTION_SCHEME" "${r%% *} $(jq -r .cause <<<"${r#* }")"
r=$(gad imsi-001010000000001 "{\"servingNetworkName\":\"$SNN\"}"); keep 400 application/problem+json "no ausfInstanceId"
check "no ausfInstanceId: 400 MANDATORY_IE_MISSING" "400 MANDATORY_IE_MISSING" "${r%% *} $(jq -r .cause <<<"${r#* }")"
r=$(gad imsi-001010000000001 "{\"servingNetworkName\":\"5G:mnc01.mcc001.3gppnetwork.org\",\"ausfInstanceId\":\"$AUSF_ID\"}"); keep 400 application/problem+json "bad SNN"
check "2-digit MNC in the SNN: 400 MANDATORY_IE_INCORRECT" "400 MANDATORY_IE_INCORRECT" "${r%% *} $(jq -r .cause <<<"${r#* }")"
r=$(gad imsi-001010000000001 "$(req ",\"resynchronizationInfo\":{\"rand\":\"$RR\",\"auts\":\"00\"}")")
check "short AUTS: 400" 400 "${r%% *}"
r=$(gad imsi-001010000000001 "$(req)" text/plain); keep 415 application/problem+json "415"
check "text/plain: 415" 415 "${r%% *}"
check "GET: 405" 405 "$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_code}' $U/imsi-001010000000001/security-information/generate-auth-data)"
check "other path: 404" 404 "$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_code}' -X POST $U/imsi-001010000000001/security-information)"

# --- bodies against the YAML; metrics ----------------------------------------------------------
if python3 "$S/tests/schema/check_bodies.py" --batch $W/batch >$W/schema.out 2>&1; then ok "$n bodies valid against TS29503_Nudm_UEAU.yaml"; else cat $W/schema.out >&2; bad "bodies against the YAML"; fi
M=$(curl -s http://127.0.0.1:$MPORT/metrics)
check "metrics: vectors since the restart" 4 "$(awk '/^aiot_udm_auth_vectors_total/{print $2}' <<<"$M")"
check "metrics: resync / refused" "2 1" "$(awk '/^aiot_udm_resync_total/{a=$2} /^aiot_udm_resync_refused_total/{b=$2} END{print a" "b}' <<<"$M")"
if grep -qi -e "$K1" -e "$UE_KAUSF" $W/udm.log $W/udm2.log; then bad "a key in the log"; else ok "no key in the logs"; fi
finish
