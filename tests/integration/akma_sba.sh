#!/usr/bin/env bash
# The AKMA NFs in the SBA (issue 15 with issue 14's NRF and OAuth 2.0): aiot-nrf, and
# aiot-udm, aiot-aanf, aiot-ausf, aiot-msgin5g all registered with it (nfType UDM, AANF, AUSF,
# AF), every producer with --oauth2-required. The AUSF is given no URL: it discovers the UDM
# and the AAnF; aiot-msgin5g discovers the AAnF; both see oauth2Required and fetch their
# access tokens from the NRF (its default policy). A request without a token is refused 401 at
# the UDM, the AUSF and the AAnF. Then 5G AKA with the SEAF's token (curl) and `aiot crypto`
# as the UE (and again with `aiot ue`), the K_AKMA registered by the AUSF at the AAnF, and
# OpenSSL's s_client in a TLS 1.3 PSK handshake with aiot-msgin5g using the UE's K_AF (which
# the AF fetched with its token).
# Last, the NRF's key rotated (the NRF and the UDM restarted with the new key): the AUSF's
# cached token is refused 401, it retries once with a new one, and 5G AKA succeeds again.
# And with the NRF down, an AF that has no token yet refuses the handshake cleanly, in time.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/aka_ue.bash"
SNN=5G:mnc001.mcc001.3gppnetwork.org SUPI=imsi-001010000000001 AF=msgin5g.example.org
K1=465b5ce8b199b49faa5f0a2ee238a6bc OPC1=cd63cb71954a9f4e48a5994e37a02baf # TS 35.208 set 1
NRF_ID=0b7c6f3e-1d2a-4c5b-8e9f-a0b1c2d3e4f5 UDM_ID=1b7c6f3e-1d2a-4c5b-8e9f-a0b1c2d3e4f5
AANF_ID=2b7c6f3e-1d2a-4c5b-8e9f-a0b1c2d3e4f5 AUSF_ID=3b7c6f3e-1d2a-4c5b-8e9f-a0b1c2d3e4f5
M5_ID=4b7c6f3e-1d2a-4c5b-8e9f-a0b1c2d3e4f5 SEAF_ID=5b7c6f3e-1d2a-4c5b-8e9f-a0b1c2d3e4f5
echo "{\"supi\":\"$SUPI\",\"k\":\"$K1\",\"opc\":\"$OPC1\",\"akmaInd\":true,\"routingId\":\"12\"}" >$W/subs.jsonl
"$AIOT" provision-ue --store sqlite:$W/udm.db --kek-file $W/kek --import $W/subs.jsonl 2>$W/prov.log

nrf_up() { # KEY [PORT]
	start_daemon $W/nrf.log "$B/aiot-nrf" --listen 127.0.0.1:${2:-0} --signing-key $W/$1.pem \
		--store sqlite:$W/nrf.db --nf-instance-id $NRF_ID --workers 1 --metrics 127.0.0.1:0
	NRFPID=$LASTPID NP=$PORT NMP=$MPORT
}
nrf_up key1
NRF=http://127.0.0.1:$NP
oauth() { echo --nrf $NRF --oauth2-required --nrf-public-key $W/$1.pub.pem --oauth2-issuer $NRF_ID; }
udm_up() { # KEY [PORT]
	start_daemon $W/udm.log "$B/aiot-udm" --listen 127.0.0.1:${2:-0} --store sqlite:$W/udm.db \
		--kek-file $W/kek --workers 1 --nf-instance-id $UDM_ID --metrics 127.0.0.1:0 $(oauth $1)
	UDMPID=$LASTPID UP=$PORT UMP=$MPORT
}
udm_up key1
start_daemon $W/aanf.log "$B/aiot-aanf" --listen 127.0.0.1:0 --store sqlite:$W/aanf.db \
	--kek-file $W/aanf.kek --supi-allowed-afs $AF --workers 1 --nf-instance-id $AANF_ID $(oauth key1)
AAP=$PORT
# no --udm, no --aanf: found through the NRF
start_daemon $W/ausf.log "$B/aiot-ausf" --listen 127.0.0.1:0 --mcc 001 --mnc 01 --workers 1 \
	--nf-instance-id $AUSF_ID $(oauth key1)
AUP=$PORT
# no --aanf: found through the NRF
start_daemon $W/m5.log "$B/aiot-msgin5g" --listen 127.0.0.1:0 --af-fqdn $AF --nrf $NRF \
	--nf-instance-id $M5_ID
SPORT=$PORT
ok "aiot-nrf, aiot-udm, aiot-aanf, aiot-ausf, aiot-msgin5g started"

# --- all registered, every producer's service with oauth2Required --------------------------
profile() { curl -sS --http2-prior-knowledge $NRF/nnrf-nfm/v1/nf-instances/$1; }
summary() { jq -r '[.nfType, .nfStatus, (.nfServiceList // {} | .[] | .serviceName, .oauth2Required)] | join(" ")'; }
for _ in $(seq 1 100); do
	[ "$(profile $M5_ID | jq -r .nfStatus 2>/dev/null)" == REGISTERED ] && break; sleep 0.1
done
check "NRF: the UDM (nudm-ueau, oauth2Required)" "UDM REGISTERED nudm-ueau true" "$(profile $UDM_ID | summary)"
check "NRF: the AAnF (naanf-akma, oauth2Required)" "AANF REGISTERED naanf-akma true" "$(profile $AANF_ID | summary)"
check "NRF: the AUSF (nausf-auth, oauth2Required)" "AUSF REGISTERED nausf-auth true" "$(profile $AUSF_ID | summary)"
check "NRF: aiot-msgin5g as nfType AF" "AF REGISTERED" "$(profile $M5_ID | summary)"
grep -q "UDM http://127.0.0.1:$UP found through the NRF, OAuth 2.0 required" $W/ausf.log &&
	ok "the AUSF discovered the UDM and its oauth2Required" || bad "AUSF: $(grep -i udm $W/ausf.log | head -2)"
grep -q "AANF http://127.0.0.1:$AAP found through the NRF, OAuth 2.0 required" $W/ausf.log &&
	ok "the AUSF discovered the AAnF" || bad "AUSF: $(grep -i aanf $W/ausf.log | head -2)"
grep -q "AANF http://127.0.0.1:$AAP found through the NRF, OAuth 2.0 required" $W/m5.log &&
	ok "aiot-msgin5g discovered the AAnF" || bad "msgin5g: $(grep -i aanf $W/m5.log | head -2)"

# --- no token: 401 at every producer ----------------------------------------------------------
post() { # URL BODY [TOKEN]: status, WWW-Authenticate scheme in $W/hdr
	curl -sS --http2-prior-knowledge -o $W/body -D $W/hdr -w '%{http_code}' -X POST \
		-H 'content-type: application/json' ${3:+-H "authorization: Bearer $3"} --data-binary "$2" "$1"
}
unauth() { echo "$(post "$1" "$2") $(grep -ci '^www-authenticate: Bearer' $W/hdr)"; }
check "UDM generate-auth-data without a token: 401 with WWW-Authenticate" "401 1" \
	"$(unauth http://127.0.0.1:$UP/nudm-ueau/v1/$SUPI/security-information/generate-auth-data \
		"{\"servingNetworkName\":\"$SNN\",\"ausfInstanceId\":\"$SEAF_ID\"}")"
check "AUSF ue-authentications without a token: 401" "401 1" \
	"$(unauth http://127.0.0.1:$AUP/nausf-auth/v1/ue-authentications "{\"supiOrSuci\":\"$SUPI\",\"servingNetworkName\":\"$SNN\"}")"
check "AAnF retrieve-applicationkey without a token: 401" "401 1" \
	"$(unauth http://127.0.0.1:$AAP/naanf-akma/v1/retrieve-applicationkey "{\"afId\":\"$AF\",\"aKId\":\"x@y\"}")"

# --- 5G AKA (the SEAF's token from the NRF), AKMA, the MSGin5G handshake -----------------------
TOK=$(curl -sS --http2-prior-knowledge -H 'content-type: application/x-www-form-urlencoded' \
	-d "grant_type=client_credentials&nfInstanceId=$SEAF_ID&nfType=AMF&targetNfType=AUSF&scope=nausf-auth" \
	$NRF/oauth2/token | jq -r .access_token)
aka() { # one 5G AKA run; prints the confirmation's "status authResult"
	local r b
	r=$(post http://127.0.0.1:$AUP/nausf-auth/v1/ue-authentications "{\"supiOrSuci\":\"$SUPI\",\"servingNetworkName\":\"$SNN\"}" "$TOK")
	b=$(cat $W/body)
	[ "$r" == 201 ] || { echo "ue-authentications $r $b"; return; }
	ue_check $K1 $OPC1 "$(jq -r '.["5gAuthData"].rand' <<<"$b")" "$(jq -r '.["5gAuthData"].autn' <<<"$b")" $SNN ||
		{ echo "MAC-A"; return; }
	r=$(curl -sS --http2-prior-knowledge -o $W/body -w '%{http_code}' -X PUT -H 'content-type: application/json' \
		-H "authorization: Bearer $TOK" --data-binary "{\"resStar\":\"$UE_RES_STAR\"}" "$(jq -r '._links["5g-aka"].href' <<<"$b")")
	echo "$r $(jq -r .authResult $W/body)"
}
aka >$W/aka.out # not in a subshell: it sets UE_KAUSF
check "5G AKA through the AUSF (tokens to the AUSF and, from it, to the UDM)" "200 AUTHENTICATION_SUCCESS" "$(cat $W/aka.out)"
KAKMA=$("$AIOT" crypto kakma --kausf $UE_KAUSF --supi $SUPI)
AKID=$("$AIOT" crypto akid --kausf $UE_KAUSF --supi $SUPI --rid 12 --mcc 001 --mnc 01)
KAF=$("$AIOT" crypto kaf --kakma $KAKMA --af-fqdn $AF)
s_client() { # ID KEY: the negotiated suite, or "(NONE)"
	echo Q | timeout 10 openssl s_client -connect 127.0.0.1:$SPORT -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 \
		-psk_identity "3GPP-AKMA$1" -psk "$2" >$W/s_client.out 2>&1 || true
	sed -n 's/.*Cipher is \([^ ]*\).*/\1/p' $W/s_client.out | head -1
}
# the AUSF registers the anchor key after answering the SEAF: wait for it
for _ in $(seq 1 50); do
	[ "$(s_client $AKID $KAF)" == TLS_AES_128_GCM_SHA256 ] && break; sleep 0.2
done
check "s_client with the UE's K_AF: TLS 1.3 PSK handshake with aiot-msgin5g" TLS_AES_128_GCM_SHA256 "$(s_client $AKID $KAF)"
check "s_client with another key: refused" "(NONE)" "$(s_client $AKID $(openssl rand -hex 32))"
# the same with `aiot ue` as the UE and its serving network (the SEAF's token)
"$AIOT" ue kaf --ausf http://127.0.0.1:$AUP --supi $SUPI --k $K1 --opc $OPC1 --mcc 001 --mnc 01 --rid 12 \
	--af-fqdn $AF --token "$TOK" --show-keys >$W/ue.out 2>$W/ue.err || bad "aiot ue: $(cat $W/ue.err)"
UAKID=$(awk '$1=="akid" {print $2}' $W/ue.out) UKAF=$(awk '$1=="kaf" {print $2}' $W/ue.out)
for _ in $(seq 1 50); do
	[ "$(s_client $UAKID $UKAF)" == TLS_AES_128_GCM_SHA256 ] && break; sleep 0.2
done
check "aiot ue kaf, then s_client with its K_AF: handshake" TLS_AES_128_GCM_SHA256 "$(s_client $UAKID $UKAF)"
nm() { curl -s http://127.0.0.1:$NMP/metrics | awk -v k="$1" '$1==k {print $2}'; }
# SEAF -> AUSF, AUSF -> UDM, AUSF -> AAnF, AF -> AAnF
check "the NRF issued the four tokens" 4 "$(nm 'aiot_nrf_tokens_total{result="issued"}')"
refused() { curl -s http://127.0.0.1:$1/metrics | awk '/^aiot_oauth2_refused_total/ {n += $2} END {print n + 0}'; }
check "the UDM refused only the token-less request" 1 "$(refused $UMP)"

# --- key rotation: the AUSF's cached UDM token refused (401), one retry with a new one -------
kill -TERM $NRFPID; wait $NRFPID 2>/dev/null || true
nrf_up key2 $NP
kill -TERM $UDMPID; wait $UDMPID 2>/dev/null || true
udm_up key2 $UP
# the SEAF's token is still good: the AUSF keeps the old key
check "after the rotation, 5G AKA again (the AUSF re-fetched its UDM token)" "200 AUTHENTICATION_SUCCESS" "$(aka)"
check "the AUSF retried once after a 401" 1 "$(grep -c '401, retrying with a new access token' $W/ausf.log)"
check "the UDM refused the old-key token once (bad_kid)" 1 \
	"$(curl -s http://127.0.0.1:$UMP/metrics | awk '$1=="aiot_oauth2_refused_total{reason=\"bad_kid\"}" {print $2}')"

# --- the NRF down: no token, the handshake refused in time, the AF still serving --------------
kill -TERM $NRFPID; wait $NRFPID 2>/dev/null || true
start_daemon $W/m5b.log "$B/aiot-msgin5g" --listen 127.0.0.1:0 --af-fqdn $AF --nrf $NRF \
	--aanf http://127.0.0.1:$AAP --aanf-oauth2 --nf-instance-id $SEAF_ID
M5B=$LASTPID SPORT=$PORT
check "no NRF to get a token from: handshake refused" "(NONE)" "$(s_client $AKID $KAF)"
grep -q "no access token from the NRF" $W/m5b.log && ok "the AF says why (no access token)" ||
	bad "msgin5g: $(tail -3 $W/m5b.log)"
kill -0 $M5B && ok "aiot-msgin5g still running" || bad "aiot-msgin5g exited"
finish
