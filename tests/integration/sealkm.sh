#!/usr/bin/env bash
# aiot-sealkm, the SEAL key-management server (solution #5, non-normative), with real
# processes: certificates from `aiot pki`, curl with and without a client certificate. A KM
# client gets {keyId, psk, expiry} for itself; the MSGin5G server's identity (allowed by
# --retrievers) gets {psk, owner, expiry} by key id, anyone else 403; an unknown or expired
# key is 404; the PSK is sealed at rest (not in the database file) and survives a restart.
# Then aiot-msgin5g (with a real AAnF for its AKMA side) with --seal-km: OpenSSL's s_client
# completes a TLS 1.3 handshake under the identity SEAL-KM<keyId> with the KM's PSK; a wrong
# PSK, an unknown, malformed or expired key id fail; the key's owner is the UE ID of the
# bindings (TS 33.501 Y.2): a REG for the owner's UE service ID passes, another is refused.
source "$(dirname "$0")/lib.bash"
P=$W/pki
U1=imsi-001010000000001 U2=imsi-001010000000002 # KM clients: the CN is the owner, a SUPI
"$AIOT" pki --out $P --names km,$U1,$U2,msgin5g >/dev/null 2>&1
start_km() {
	start_daemon $W/km.log "$B/aiot-sealkm" --listen 127.0.0.1:${KPORT:-0} --tls-cert $P/km.crt \
		--tls-key $P/km.key --tls-ca $P/ca.crt --store sqlite:$W/km.db --kek-file $W/km.kek \
		--retrievers msgin5g --psk-lifetime-s 600 "$@"
	KPORT=$PORT KPID=$LASTPID
}
# km AS METHOD PATH [BODY]: "STATUS BODY" as client certificate AS ("-" none)
km() {
	local who=() data=()
	[ "$1" != - ] && who=(--cert $P/$1.crt --key $P/$1.key)
	[ -n "${4:-}" ] && data=(-H 'content-type: application/json' --data-binary "$4")
	curl -sS --http2 --cacert $P/ca.crt "${who[@]}" -o $W/body -w '%{http_code}' -X "$2" \
		"${data[@]}" "https://127.0.0.1:$KPORT/seal-km/v1/psk$3" 2>$W/curl.err || true
	echo " $(cat $W/body 2>/dev/null)"
	rm -f $W/body
}
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

"$B/aiot-sealkm" --listen 127.0.0.1:0 --store sqlite:$W/x.db --kek-file $W/x.kek 2>$W/usage.log \
	&& bad "started without mutual TLS" || check "no mutual TLS: usage error (2)" 2 "$?"
start_km
ok "aiot-sealkm listening on $KPORT"

R=$(km $U1 POST "")
check "KM client $U1: POST psk -> 201" 201 "${R%% *}"
ID=$(echo "$R" | field keyId) PSK=$(echo "$R" | field psk) EXP=$(echo "$R" | field expiry)
[[ $ID =~ ^[0-9a-f]{32}$ && $PSK =~ ^[0-9a-f]{64}$ ]] && ok "keyId and psk: 16 and 32 octets" || bad "answer: $R"
[[ $EXP =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]] && ok "expiry $EXP" || bad "expiry: $R"
echo "$R" | grep -q owner && bad "the owner echoed to the client" || ok "no owner in the client's answer"
R2=$(km $U2 POST "" '{"lifetime": 60}')
check "KM client $U2 with lifetime 60: 201" 201 "${R2%% *}"
[ "$(echo "$R2" | field keyId)" != "$ID" ] && ok "another key id" || bad "same key id"

G=$(km msgin5g GET /$ID)
check "MSGin5G server: GET psk/{keyId} -> 200" 200 "${G%% *}"
check "retrieved psk = issued psk" "$PSK" "$(echo "$G" | field psk)"
check "owner = the client certificate's identity (CN)" $U1 "$(echo "$G" | field owner)"
check "retrieved expiry" "$EXP" "$(echo "$G" | field expiry)"
check "a KM client may not retrieve: 403" 403 "$(km $U2 GET /$ID | cut -d' ' -f1)"
check "unknown key id: 404" 404 "$(km msgin5g GET /$(openssl rand -hex 16) | cut -d' ' -f1)"
check "a malformed key id: 404" 404 "$(km msgin5g GET /XYZ | cut -d' ' -f1)"
check "GET on psk: 405" 405 "$(km $U1 GET "" | cut -d' ' -f1)"
check "lifetime beyond the maximum: 400" 400 "$(km $U1 POST "" '{"lifetime": 601}' | cut -d' ' -f1)"
check "lifetime not an integer: 400" 400 "$(km $U1 POST "" '{"lifetime": 1.5}' | cut -d' ' -f1)"
check "a body not JSON: 400" 400 "$(km $U1 POST "" '{"lifetime":' | cut -d' ' -f1)"
check "a client without a certificate: refused in the handshake" 000 "$(km - POST "" | cut -d' ' -f1)"
check "... and for a retrieval" 000 "$(km - GET /$ID | cut -d' ' -f1)"
"$AIOT" pki --out $W/other --names $U1 >/dev/null 2>&1
check "a certificate of another CA: refused" 000 "$(curl -sS --http2 --cacert $P/ca.crt --cert $W/other/$U1.crt \
	--key $W/other/$U1.key -o /dev/null -w '%{http_code}' -X POST https://127.0.0.1:$KPORT/seal-km/v1/psk 2>/dev/null || true)"

R3=$(km $U1 POST "" '{"lifetime": 1}')
ID3=$(echo "$R3" | field keyId)
sleep 2.1
check "expired key: 404" 404 "$(km msgin5g GET /$ID3 | cut -d' ' -f1)"

grep -qi "$PSK" $W/km.db* $W/km.log && bad "the PSK in clear in the store or the log" || ok "the PSK sealed at rest, not logged"
kill $KPID; wait $KPID 2>/dev/null || true
start_km
check "after a restart: the key still there" "$PSK" "$(km msgin5g GET /$ID | field psk)"

# --- aiot-msgin5g with the SEAL KM as a second key source -------------------------------------
AF=msgin5g.example.org
start_daemon $W/aanf.log "$B/aiot-aanf" --listen 127.0.0.1:0 --store sqlite:$W/aanf.db \
	--kek-file $W/aanf.kek
APORT=$PORT
echo "{\"ue1@$AF\": \"$U1\", \"ue2@$AF\": \"$U2\"}" >$W/bindings.json
start_daemon $W/m5.log "$B/aiot-msgin5g" --listen 127.0.0.1:0 --aanf http://127.0.0.1:$APORT \
	--af-fqdn $AF --bindings $W/bindings.json --metrics 127.0.0.1:0 \
	--seal-km https://127.0.0.1:$KPORT --seal-km-ca $P/ca.crt --seal-km-cert $P/msgin5g.crt \
	--seal-km-key $P/msgin5g.key
SPORT=$PORT M5MPORT=$MPORT
# s_client IDENTITY KEY: the negotiated suite, or "(NONE)"
s_client() {
	echo Q | timeout 10 openssl s_client -connect 127.0.0.1:$SPORT -tls1_3 \
		-ciphersuites TLS_AES_128_GCM_SHA256 -psk_identity "$1" -psk "$2" >$W/s_client.out 2>&1 || true
	sed -n 's/.*Cipher is \([^ ]*\).*/\1/p' $W/s_client.out | head -1
}
check "s_client SEAL-KM<keyId> with the KM's PSK: TLS 1.3 handshake" TLS_AES_128_GCM_SHA256 \
	"$(s_client SEAL-KM$ID $PSK)"
grep -q '^Reused, TLSv1.3' $W/s_client.out && ok "the external PSK was used" || bad "PSK not used"
check "again, from the cache" TLS_AES_128_GCM_SHA256 "$(s_client SEAL-KM$ID $PSK)"
check "a wrong PSK: refused" "(NONE)" "$(s_client SEAL-KM$ID $(openssl rand -hex 32))"
check "an unknown key id: refused" "(NONE)" "$(s_client SEAL-KM$(openssl rand -hex 16) $PSK)"
check "a malformed key id: refused" "(NONE)" "$(s_client SEAL-KMxyz $PSK)"
check "the expired key: refused" "(NONE)" "$(s_client SEAL-KM$ID3 $(echo "$R3" | field psk))"
M=$(curl -s http://127.0.0.1:$M5MPORT/metrics)
check "metric: one key fetched from the KM per key id asked (3)" 3 \
	"$(echo "$M" | awk '$1 == "aiot_msgin5g_seal_km_fetches_total" {print $2}')"
check "metric: unknown key ids (2)" 2 \
	"$(echo "$M" | awk '$1 == "aiot_msgin5g_handshake_unknown_akid_total" {print $2}')"
# a key cached, then past its expiry: fetched again, and the KM says 404
R4=$(km $U2 POST "" '{"lifetime": 3}')
ID4=$(echo "$R4" | field keyId) PSK4=$(echo "$R4" | field psk)
check "a 3 s key: handshake" TLS_AES_128_GCM_SHA256 "$(s_client SEAL-KM$ID4 $PSK4)"
for _ in $(seq 1 50); do [ "$(date -u +%s)" -gt "$(date -u -d "$(echo "$R4" | field expiry)" +%s)" ] && break; sleep 0.1; done
check "... past its expiry: refused (the cached key dropped)" "(NONE)" "$(s_client SEAL-KM$ID4 $PSK4)"

# TS 33.501 Y.2 with the owner as the UE ID
UE=$B/msgin5g_ue
R5=$(km $U1 POST "")
ID5=$(echo "$R5" | field keyId) PSK5=$(echo "$R5" | field psk)
check "REG of the owner's UE service ID: accepted" "reg 2.01 SUCCESS" \
	"$("$UE" --server 127.0.0.1:$SPORT --seal-key-id $ID5 --kaf $PSK5 reg ue1@$AF | grep ^reg)"
check "REG of another UE's service ID: refused" "reg 4.03 FAILURE NOT_AUTHORIZED" \
	"$("$UE" --server 127.0.0.1:$SPORT --seal-key-id $ID5 --kaf $PSK5 reg ue2@$AF | grep ^reg)"
grep -qi "$PSK" $W/m5.log && bad "a PSK in the MSGin5G log" || ok "no PSK in the MSGin5G log"
finish
