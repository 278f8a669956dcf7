#!/usr/bin/env bash
# aiot-ausf end to end with a real aiot-udm and a real aiot-aanf on loopback, driven with curl
# as the SEAF would: ue-authentications (201, Location, HXRES*) and 5g-aka-confirmation with
# the RES* the UE computes (`aiot crypto`), K_SEAF checked; a wrong RES* (AUTHENTICATION_FAILURE),
# a used, an unknown and an expired context (404); AUTS passed through to the UDM; an unknown
# SUPI; the UDM down or mute (503, never a hang); the AKMA anchor key registered at the AAnF
# (K_AF there = the UE's); every body against the YAMLs.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/aka_ue.bash"
SNN=5G:mnc001.mcc001.3gppnetwork.org
K1=465b5ce8b199b49faa5f0a2ee238a6bc OPC1=cd63cb71954a9f4e48a5994e37a02baf # TS 35.208 set 1
K2=fec86ba6eb707ed08905757b1bb44b8f OPC2=1006020f0a478bf6b699f15c062e42b3 # set 2
AF=msgin5g.example.org
cat >$W/subs.jsonl <<JSON
{"supi":"imsi-001010000000001","k":"$K1","opc":"$OPC1","akmaInd":true,"routingId":"12"}
{"supi":"imsi-001010000000002","k":"$K2","opc":"$OPC2"}
JSON
"$AIOT" provision-ue --store sqlite:$W/udm.db --kek-file $W/kek --import $W/subs.jsonl 2>$W/prov.log
start_daemon $W/udm.log "$B/aiot-udm" --listen 127.0.0.1:0 --store sqlite:$W/udm.db --kek-file $W/kek
UPID=$LASTPID UPORT=$PORT
start_daemon $W/aanf.log "$B/aiot-aanf" --listen 127.0.0.1:0 --store sqlite:$W/aanf.db \
	--kek-file $W/aanf.kek --supi-allowed-afs $AF
APORT=$PORT
start_daemon $W/ausf.log "$B/aiot-ausf" --listen 127.0.0.1:0 --metrics 127.0.0.1:0 \
	--udm http://127.0.0.1:$UPORT --aanf http://127.0.0.1:$APORT --mcc 001 --mnc 01 --ctx-ttl-ms 1500
A=http://127.0.0.1:$PORT/nausf-auth/v1/ue-authentications
AMPORT=$MPORT
ok "aiot-udm, aiot-aanf, aiot-ausf started"
n=0
keep() { # YAML OPERATION STATUS CONTENT-TYPE LABEL
	n=$((n + 1)); cp $W/body $W/b$n.json
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" $W/b$n.json "$5" >>$W/batch
}
NAUSF=TS29509_Nausf_UEAuthentication.yaml
authn() { # supiOrSuci [extra members]: POST, headers in $W/hdr
	curl -sS --http2-prior-knowledge -o $W/body -D $W/hdr -w '%{http_code}' -X POST -H 'content-type: application/json' \
		--data-binary "{\"supiOrSuci\":\"$1\",\"servingNetworkName\":\"$SNN\"${2:-}}" $A
	echo " $(cat $W/body)"
}
confirm() { # href resStar
	curl -sS --http2-prior-knowledge -o $W/body -w '%{http_code}' -X PUT -H 'content-type: application/json' \
		--data-binary "{\"resStar\":\"$2\"}" "$1"
	echo " $(cat $W/body)"
}

# --- 5G AKA, success ------------------------------------------------------------------------
r=$(authn suci-0-001-01-12-0-0-0000000001); keep $NAUSF "POST /ue-authentications" 201 application/3gppHal+json "UEAuthenticationCtx"
check "ue-authentications: 201" 201 "${r%% *}"
b=${r#* }
RAND=$(jq -r '.["5gAuthData"].rand' <<<"$b"); AUTN=$(jq -r '.["5gAuthData"].autn' <<<"$b")
HREF=$(jq -r '._links["5g-aka"].href' <<<"$b")
LOC=$(sed -n 's/^location: \(.*\)\r$/\1/p' $W/hdr)
check "Location = {apiRoot}/nausf-auth/v1/ue-authentications/{authCtxId}" 1 "$([[ $LOC =~ ^http://127.0.0.1:[0-9]+/nausf-auth/v1/ue-authentications/[0-9a-f]{32}$ ]] && echo 1)"
check "_links 5g-aka = Location/5g-aka-confirmation" "$LOC/5g-aka-confirmation" "$HREF"
check "content-type application/3gppHal+json" 1 "$(grep -ci '^content-type: application/3gppHal+json' $W/hdr)"
if ue_check $K1 $OPC1 $RAND $AUTN $SNN; then ok "the UE accepts AUTN (MAC-A)"; else bad "MAC-A"; fi
HX=$(echo -n "$RAND$UE_RES_STAR" | xxd -r -p | sha256sum | cut -c33-64)
check "hxresStar = SHA-256(RAND || RES*) low 128 bits (TS 33.501 A.5)" "$HX" "$(jq -r '.["5gAuthData"].hxresStar' <<<"$b")"
check "no XRES* nor K_AUSF towards the SEAF" "null null" "$(jq -r '[.. | .xresStar?, .kausf?] | map(select(. != null)) | if length == 0 then "null null" else "leak" end' <<<"$b")"
r=$(confirm $HREF $UE_RES_STAR); keep $NAUSF "PUT /ue-authentications/{authCtxId}/5g-aka-confirmation" 200 application/json "success"
b=${r#* }
check "confirmation: AUTHENTICATION_SUCCESS with the SUPI" "200 AUTHENTICATION_SUCCESS imsi-001010000000001" "${r%% *} $(jq -r '.authResult+" "+.supi' <<<"$b")"
SNNHEX=$(echo -n $SNN | xxd -p -c 100)
check "kseaf = KDF(K_AUSF, 0x6C, SNN) (TS 33.501 A.6)" "$("$AIOT" crypto kdf --key $UE_KAUSF --fc 6c --param $SNNHEX)" "$(jq -r .kseaf <<<"$b")"
r=$(confirm $HREF $UE_RES_STAR); keep $NAUSF "PUT /ue-authentications/{authCtxId}/5g-aka-confirmation" 404 application/problem+json "used"
check "the same confirmation again: 404 (a context serves once)" 404 "${r%% *}"

# --- AKMA: the anchor key at the AAnF is the UE's ---------------------------------------------
KAKMA=$("$AIOT" crypto kakma --kausf $UE_KAUSF --supi imsi-001010000000001)
AKID=$("$AIOT" crypto akid --kausf $UE_KAUSF --supi imsi-001010000000001 --rid 12 --mcc 001 --mnc 01)
# No wait: the AUSF registers the anchor key before the SEAF has its answer, so a UE that goes
# straight to an AKMA AF finds its A-KID known.
k=$(h2post http://127.0.0.1:$APORT/naanf-akma/v1/retrieve-applicationkey "{\"afId\":\"$AF\",\"aKId\":\"$AKID\"}")
check "AAnF knows the UE's A-KID as soon as the SEAF has its answer" "200 imsi-001010000000001" "${k%% *} $(jq -r .supi <<<"${k#* }")"
# the AkmaKeyInfo the AUSF sends, as test_udm_ueau pins its text (ausf_akma_json), against the YAML
n=$((n + 1)); echo "{\"supi\":\"imsi-001010000000001\",\"aKId\":\"$AKID\",\"kAkma\":\"$KAKMA\"}" >$W/b$n.json
printf '%s\t%s\t%s\t%s\t%s\t%s\n' TS29535_Naanf_AKMA.yaml "POST /register-anchorkey" request application/json $W/b$n.json "AkmaKeyInfo" >>$W/batch
check "K_AF at the AAnF = the UE's (K_AKMA from K_AUSF, TS 33.535 A.2/A.4)" "$("$AIOT" crypto kaf --kakma $KAKMA --af-fqdn $AF)" "$(jq -r .kaf <<<"${k#* }")"

# --- the AAnF down: the authentication still succeeds, without waiting ------------------------------
start_daemon $W/ausf-noaanf.log "$B/aiot-ausf" --listen 127.0.0.1:0 --udm http://127.0.0.1:$UPORT \
	--aanf http://127.0.0.1:1 --mcc 001 --mnc 01 --timeout-ms 2000
A_LIVE=$A; A=http://127.0.0.1:$PORT/nausf-auth/v1/ue-authentications
r=$(authn imsi-001010000000001); b=${r#* }
ue_check $K1 $OPC1 "$(jq -r '.["5gAuthData"].rand' <<<"$b")" "$(jq -r '.["5gAuthData"].autn' <<<"$b")" $SNN
t0=$(date +%s%N)
r=$(confirm "$(jq -r '._links["5g-aka"].href' <<<"$b")" $UE_RES_STAR)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "AAnF down: the confirmation still succeeds" "200 AUTHENTICATION_SUCCESS" "${r%% *} $(jq -r .authResult <<<"${r#* }")"
[ $ms -lt 1500 ] && ok "AAnF down: answered in $ms ms" || bad "AAnF down: $ms ms"
grep -q 'register-anchorkey' $W/ausf-noaanf.log && ok "AAnF down: logged" || bad "AAnF down: no log line"
A=$A_LIVE

# --- wrong RES*: AUTHENTICATION_FAILURE; no AKMA for a UE without it -----------------------------
r=$(authn imsi-001010000000002); b=${r#* }
HREF2=$(jq -r '._links["5g-aka"].href' <<<"$b")
ue_check $K2 $OPC2 "$(jq -r '.["5gAuthData"].rand' <<<"$b")" "$(jq -r '.["5gAuthData"].autn' <<<"$b")" $SNN
WRONG=$(printf '%032x' $(( 0x${UE_RES_STAR:16:16} ^ 1 )) | sed "s/^0000000000000000/${UE_RES_STAR:0:16}/")
r=$(confirm $HREF2 $WRONG); keep $NAUSF "PUT /ue-authentications/{authCtxId}/5g-aka-confirmation" 200 application/json "failure"
check "wrong RES*: 200 AUTHENTICATION_FAILURE, no K_SEAF, no SUPI" "200 AUTHENTICATION_FAILURE null null" \
	"${r%% *} $(jq -r '"\(.authResult) \(.kseaf) \(.supi)"' <<<"${r#* }")"
r=$(confirm $HREF2 $UE_RES_STAR)
check "then the right RES* is too late: 404" 404 "${r%% *}"
r=$(confirm "${HREF2%/*/*}/00112233445566778899aabbccddeeff/5g-aka-confirmation" $UE_RES_STAR); keep $NAUSF "PUT /ue-authentications/{authCtxId}/5g-aka-confirmation" 404 application/problem+json "unknown"
check "unknown authCtxId: 404" 404 "${r%% *}"

# --- expiry: a context not confirmed within ctx-ttl-ms is gone -----------------------------------
r=$(authn imsi-001010000000002); b=${r#* }
ue_check $K2 $OPC2 "$(jq -r '.["5gAuthData"].rand' <<<"$b")" "$(jq -r '.["5gAuthData"].autn' <<<"$b")" $SNN
sleep 2
r=$(confirm "$(jq -r '._links["5g-aka"].href' <<<"$b")" $UE_RES_STAR)
check "confirmation after ctx-ttl-ms: 404" 404 "${r%% *}"

# --- AUTS through the AUSF to the UDM ------------------------------------------------------------
RR=$(rand16); SQN_MS=$(printf '%012x' $(( (900 << 5) | 3 )))
r=$(authn imsi-001010000000001 ",\"resynchronizationInfo\":{\"rand\":\"$RR\",\"auts\":\"$(ue_auts $K1 $OPC1 $RR $SQN_MS)\"}"); b=${r#* }
ue_check $K1 $OPC1 "$(jq -r '.["5gAuthData"].rand' <<<"$b")" "$(jq -r '.["5gAuthData"].autn' <<<"$b")" $SNN
check "AUTS relayed: the new vector's SEQ is SEQ_MS + 1" "201 901" "${r%% *} $(seq_of $UE_SQN)"
r=$(authn imsi-001010000000001 ",\"resynchronizationInfo\":{\"rand\":\"$RR\",\"auts\":\"0000000000000000000000000000\"}"); keep $NAUSF "POST /ue-authentications" 403 application/problem+json "bad AUTS"
check "a bad AUTS: 403 from the UDM, relayed" 403 "${r%% *}"

# --- errors ---------------------------------------------------------------------------------------
r=$(authn imsi-001019999999999); keep $NAUSF "POST /ue-authentications" 404 application/problem+json "unknown user"
check "unknown SUPI: 404 USER_NOT_FOUND" "404 USER_NOT_FOUND" "${r%% *} $(jq -r .cause <<<"${r#* }")"
r=$(authn suci-0-001-01-0-1-1-abcdef); keep $NAUSF "POST /ue-authentications" 501 application/problem+json "ECIES"
check "SUCI of another scheme: 501" 501 "${r%% *}"
r=$(h2post $A '{"supiOrSuci":"imsi-001010000000001"}'); cp $W/body $W/body.keep; keep $NAUSF "POST /ue-authentications" 400 application/problem+json "no SNN"
check "no servingNetworkName: 400" 400 "${r%% *}"
r=$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_code}' -X PUT -H 'content-type: application/json' -d '{"resStar":"00"}' "$HREF")
check "short resStar: 400" 400 "$r"

start_daemon $W/ausf3.log "$B/aiot-ausf" --listen 127.0.0.1:0 --udm http://127.0.0.1:$UPORT \
	--serving-networks "5G:mnc002.mcc001.3gppnetwork.org,5G:mnc003.mcc001.3gppnetwork.org"
r=$(h2post http://127.0.0.1:$PORT/nausf-auth/v1/ue-authentications "{\"supiOrSuci\":\"imsi-001010000000001\",\"servingNetworkName\":\"$SNN\"}")
keep $NAUSF "POST /ue-authentications" 403 application/problem+json "SNN not served"
check "a serving network name not served: 403 SERVING_NETWORK_NOT_AUTHORIZED" "403 SERVING_NETWORK_NOT_AUTHORIZED" "${r%% *} $(jq -r .cause <<<"${r#* }")"
r=$(h2post http://127.0.0.1:$PORT/nausf-auth/v1/ue-authentications "{\"supiOrSuci\":\"imsi-001010000000001\",\"servingNetworkName\":\"5G:mnc003.mcc001.3gppnetwork.org\"}")
check "one the list holds: 201" 201 "${r%% *}"

# --- the UDM mute, then down: 503 in time, never a hang ----------------------------------------------
python3 -c "
import socket,time,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1',0)); s.listen(8)
print(s.getsockname()[1], flush=True); c=[]
while True: c.append(s.accept()[0])
" >$W/mute.port & PIDS+=($!)
for _ in $(seq 1 50); do [ -s $W/mute.port ] && break; sleep 0.1; done
start_daemon $W/ausf2.log "$B/aiot-ausf" --listen 127.0.0.1:0 --udm http://127.0.0.1:$(cat $W/mute.port) --timeout-ms 500
t0=$(date +%s%N)
r=$(curl -sS -m 10 --http2-prior-knowledge -o $W/body -w '%{http_code}' -X POST -H 'content-type: application/json' \
	-d "{\"supiOrSuci\":\"imsi-001010000000001\",\"servingNetworkName\":\"$SNN\"}" http://127.0.0.1:$PORT/nausf-auth/v1/ue-authentications)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
keep $NAUSF "POST /ue-authentications" 503 application/problem+json "UDM mute"
check "UDM mute: 503 ProblemDetails" "503 application/problem" "$r $(jq -r 'if .status then "application/problem" else "?" end' $W/body)"
[ $ms -lt 5000 ] && ok "UDM mute: answered in $ms ms (timeout-ms 500)" || bad "UDM mute: $ms ms"
kill -9 $UPID; wait $UPID 2>/dev/null || true
t0=$(date +%s%N)
r=$(authn imsi-001010000000001)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "UDM down: 503" 503 "${r%% *}"
[ $ms -lt 5000 ] && ok "UDM down: answered in $ms ms" || bad "UDM down: $ms ms"

# --- NRF registration (TS 29.510): nfType UDM and AUSF, found by discovery ---------------------------
start_daemon $W/nrf.log "$B/aiot-nrf" --listen 127.0.0.1:0 --signing-key $W/nrf.pem
NRF=http://127.0.0.1:$PORT
start_daemon $W/udm2.log "$B/aiot-udm" --listen 127.0.0.1:0 --store sqlite:$W/udm.db --kek-file $W/kek --nrf $NRF
start_daemon $W/ausf4.log "$B/aiot-ausf" --listen 127.0.0.1:0 --udm http://127.0.0.1:$PORT --nrf $NRF \
	--nf-instance-id-file $W/ausf.id
for t in UDM AUSF; do
	for _ in $(seq 1 50); do
		d=$(curl -s --http2-prior-knowledge "$NRF/nnrf-disc/v1/nf-instances?target-nf-type=$t&requester-nf-type=AMF")
		[ "$(jq '.nfInstances | length' <<<"$d" 2>/dev/null)" == 1 ] && break; sleep 0.1
	done
	check "the NRF finds the $t (its service)" "$t $([ $t == UDM ] && echo nudm-ueau || echo nausf-auth)" \
		"$(jq -r '.nfInstances[0] | .nfType + " " + (.nfServiceList | to_entries[0].value.serviceName)' <<<"$d")"
done
check "the AUSF registered with the NF instance ID of its file" "$(cat $W/ausf.id)" \
	"$(curl -s --http2-prior-knowledge "$NRF/nnrf-disc/v1/nf-instances?target-nf-type=AUSF&requester-nf-type=AMF" | jq -r '.nfInstances[0].nfInstanceId')"

# --- bodies against the YAMLs; metrics -----------------------------------------------------------------
if python3 "$S/tests/schema/check_bodies.py" --batch $W/batch >$W/schema.out 2>&1; then ok "$n bodies valid against $NAUSF and TS29535_Naanf_AKMA.yaml"; else cat $W/schema.out >&2; bad "bodies against the YAML"; fi
for _ in $(seq 1 50); do # the contexts never confirmed go within ctx-ttl-ms + the sweep
	M=$(curl -s http://127.0.0.1:$AMPORT/metrics)
	[ "$(awk '/^aiot_ausf_contexts /{print $2}' <<<"$M")" == 0 ] && break; sleep 0.1
done
check "metrics: confirmations success/failure" "1 1" "$(awk '/^aiot_ausf_confirmations_total\{result="success"/{a=$2} /^aiot_ausf_confirmations_total\{result="failure"/{b=$2} END{print a" "b}' <<<"$M")"
check "metrics: the 2 contexts never confirmed expired; one AKMA registration" "2 1" "$(awk '/^aiot_ausf_contexts_expired_total/{a=$2} /^aiot_ausf_akma_registrations_total\{result="ok"/{b=$2} END{print a" "b}' <<<"$M")"
if grep -qi -e "$UE_KAUSF" -e "$KAKMA" $W/ausf.log; then bad "a key in the AUSF's log"; else ok "no key in the AUSF's log"; fi
finish
