#!/usr/bin/env bash
# aiot-sealkm, the SEAL key-management server (solution #5, non-normative), with real
# processes: certificates from `aiot pki`, curl with and without a client certificate. A KM
# client gets {keyId, psk, expiry} for itself; the MSGin5G server's identity (allowed by
# --retrievers) gets {psk, owner, expiry} by key id, anyone else 403; an unknown or expired
# key is 404; the PSK is sealed at rest (not in the database file) and survives a restart.
source "$(dirname "$0")/lib.bash"
P=$W/pki
"$AIOT" pki --out $P --names km,ue1,ue2,msgin5g >/dev/null 2>&1
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

R=$(km ue1 POST "")
check "KM client ue1: POST psk -> 201" 201 "${R%% *}"
ID=$(echo "$R" | field keyId) PSK=$(echo "$R" | field psk) EXP=$(echo "$R" | field expiry)
[[ $ID =~ ^[0-9a-f]{32}$ && $PSK =~ ^[0-9a-f]{64}$ ]] && ok "keyId and psk: 16 and 32 octets" || bad "answer: $R"
[[ $EXP =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]] && ok "expiry $EXP" || bad "expiry: $R"
echo "$R" | grep -q owner && bad "the owner echoed to the client" || ok "no owner in the client's answer"
R2=$(km ue2 POST "" '{"lifetime": 60}')
check "KM client ue2 with lifetime 60: 201" 201 "${R2%% *}"
[ "$(echo "$R2" | field keyId)" != "$ID" ] && ok "another key id" || bad "same key id"

G=$(km msgin5g GET /$ID)
check "MSGin5G server: GET psk/{keyId} -> 200" 200 "${G%% *}"
check "retrieved psk = issued psk" "$PSK" "$(echo "$G" | field psk)"
check "owner = the client certificate's identity (CN)" ue1 "$(echo "$G" | field owner)"
check "retrieved expiry" "$EXP" "$(echo "$G" | field expiry)"
check "a KM client may not retrieve: 403" 403 "$(km ue2 GET /$ID | cut -d' ' -f1)"
check "unknown key id: 404" 404 "$(km msgin5g GET /$(openssl rand -hex 16) | cut -d' ' -f1)"
check "a malformed key id: 404" 404 "$(km msgin5g GET /XYZ | cut -d' ' -f1)"
check "GET on psk: 405" 405 "$(km ue1 GET "" | cut -d' ' -f1)"
check "lifetime beyond the maximum: 400" 400 "$(km ue1 POST "" '{"lifetime": 601}' | cut -d' ' -f1)"
check "lifetime not an integer: 400" 400 "$(km ue1 POST "" '{"lifetime": 1.5}' | cut -d' ' -f1)"
check "a body not JSON: 400" 400 "$(km ue1 POST "" '{"lifetime":' | cut -d' ' -f1)"
check "a client without a certificate: refused in the handshake" 000 "$(km - POST "" | cut -d' ' -f1)"
check "... and for a retrieval" 000 "$(km - GET /$ID | cut -d' ' -f1)"
"$AIOT" pki --out $W/other --names ue1 >/dev/null 2>&1
check "a certificate of another CA: refused" 000 "$(curl -sS --http2 --cacert $P/ca.crt --cert $W/other/ue1.crt \
	--key $W/other/ue1.key -o /dev/null -w '%{http_code}' -X POST https://127.0.0.1:$KPORT/seal-km/v1/psk 2>/dev/null || true)"

R3=$(km ue1 POST "" '{"lifetime": 1}')
ID3=$(echo "$R3" | field keyId)
sleep 2.1
check "expired key: 404" 404 "$(km msgin5g GET /$ID3 | cut -d' ' -f1)"

grep -qi "$PSK" $W/km.db* $W/km.log && bad "the PSK in clear in the store or the log" || ok "the PSK sealed at rest, not logged"
kill $KPID; wait $KPID 2>/dev/null || true
start_km
check "after a restart: the key still there" "$PSK" "$(km msgin5g GET /$ID | field psk)"
finish
