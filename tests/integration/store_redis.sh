#!/usr/bin/env bash
# The device store on Redis Cluster (docs/redis-cluster.md), on a cluster that
# scripts/redis-cluster.sh starts once: the store's unit tests against it
# (AIOT_TEST_STORE_URL), then the ADM on it: aiot provision, the layout in the cluster (one
# hash per device, keys sealed), aiot-adm serving get-authentication, T-ID rotation and a
# profile PATCH over h2c, a write WAIT does not confirm refused, kill -9 and restart with the
# state there; two aiot-adm on one store (a rotation through one seen by the other, a DO-A
# RAND_d accepted once across both, a device provisioned while they run); a wrong KEK
# refused at open.
source "$(dirname "$0")/lib.bash"
RC=$S/scripts/redis-cluster.sh
ADM=$B/aiot-adm
export AIOT_REDIS_DIR=$W/redis
trap '"$RC" stop 2>/dev/null || true; cleanup' EXIT
"$RC" start >"$W/start.out" 2>"$W/start.err" || { cat "$W/start.err" >&2; exit 1; }
URL=$(tail -1 "$W/start.out")
read -r -a PORTS <"$AIOT_REDIS_DIR/ports"
P0=${PORTS[0]}
ok "cluster started: $URL"

# --- the store's unit tests, on the cluster ------------------------------------------------
for t in test_store_backend test_store_doa test_store_basic test_store_shared; do
	if AIOT_TEST_STORE_URL=$URL CMOCKA_MESSAGE_OUTPUT=stdout "$B/$t" >"$W/$t.out" 2>&1; then
		ok "$t on the cluster: $(grep -o 'PASSED  \] [0-9]*' "$W/$t.out" | grep -o '[0-9]*$') passed (the rest read SQLite's files)"
		grep -E '^(DO-A|per lookup)' "$W/$t.out" || true
	else
		cat "$W/$t.out" >&2
		bad "$t on the cluster"
	fi
done

# --- provisioning ------------------------------------------------------------------------
STORE="$URL?ns=adm"
KEK=$W/kek
"$AIOT" provision --store "$STORE" --kek-file "$KEK" --count 50 --group shelf-a --out "$W/a.jsonl" 2>"$W/prov.log"
"$AIOT" provision --store "$STORE" --kek-file "$KEK" --count 5 --privacy --group private --out "$W/priv.jsonl" 2>>"$W/prov.log"
masters() { redis-cli -p "$P0" cluster nodes | awk '/master/ && !/fail/ {split($2, a, "@"); print a[1]}'; }
count_keys() { # pattern: over every master
	local n=0 m
	for m in $(masters); do n=$((n + $(redis-cli -h "${m%:*}" -p "${m#*:}" --scan --pattern "$1" | wc -l))); done
	echo $n
}
check "55 devices, one hash each" 55 "$(count_keys 'adm:dev:*')"
check "and the meta key" 1 "$(count_keys 'adm:meta')"
if "$AIOT" provision --store "$STORE" --kek-file "$KEK" --import "$W/a.jsonl" 2>"$W/dup.log"; then
	bad "a second import of the same devices"
else
	check "a second import is refused, nothing inserted" "55 1" "$(count_keys 'adm:dev:*') $(grep -c 'already exists' "$W/dup.log")"
fi
dev() { sed -n "${2}p" "$1" | jq -r "$3"; } # file line field
hexid() { echo -n "$1" | base64 -d | od -An -tx1 | tr -d ' \n'; }
rhex() { redis-cli -c -p "$P0" hget "$1" "$2" | head -c -1 | od -An -tx1 | tr -d ' \n'; }
ID=$(dev "$W/a.jsonl" 7 .aiotDevPermId); KEY=$(dev "$W/a.jsonl" 7 .key)
DKEY="adm:dev:{$(hexid "$ID")}"
BLOB=$(rhex "$DKEY" k)
check "the key sealed: nonce + 16 + tag bytes" 88 "${#BLOB}"
case "$BLOB" in *"$KEY"*) bad "the key in the clear in the cluster" ;; *) ok "no key in the clear in the cluster" ;; esac
check "the device's fields in one hash" "g k p r s tt" "$(redis-cli -c -p "$P0" hkeys "$DKEY" | grep -v ins | sort | tr '\n' ' ' | sed 's/ $//')"

# --- the ADM on the cluster ------------------------------------------------------------------
adm() { start_daemon "$W/adm$1.log" "$ADM" --listen 127.0.0.1:0 --store "$2" --kek-file "$KEK" --workers 2; }
adm 1 "$STORE"
SEC=http://127.0.0.1:$PORT/nadm-sec/v1
DM=http://127.0.0.1:$PORT/nadm-dm/v1
ok "aiot-adm started on redis-cluster:// (port $PORT)"
RN=$(rand16); D1=$(rand16); D3=$(rand16)
resp=$(h2post "$SEC/get-authentication" "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randDlist\":[\"$D1\"]}")
check "get-authentication: XRES = aiot crypto res" "200 $("$AIOT" crypto res --suite 3gpp --key "$KEY" --rand-n "$RN" --rand-d "$D1" --bits 64)" \
	"${resp%% *} $(echo "${resp#* }" | jq -r '.authDataSets[0].authDataSet[0].xres')"
PID_=$(dev "$W/priv.jsonl" 2 .aiotDevPermId); PKEY=$(dev "$W/priv.jsonl" 2 .key); PTID=$(dev "$W/priv.jsonl" 2 .tid)
PKEYN="adm:dev:{$(hexid "$PID_")}"
h2post "$SEC/get-session-key" "{\"aiotDevPermId\":\"$PID_\",\"randN\":\"$RN\",\"randD\":\"$D3\"}" >/dev/null
check "session RANDs in the device's hash" "$RN $D3" "$(rhex "$PKEYN" rn) $(rhex "$PKEYN" rd)"
NEXT=$("$AIOT" crypto tid --suite 3gpp --key "$PKEY" --rand-n "$RN" --rand-d "$D3")
resp=$(h2post "$SEC/get-tid" "{\"aiotDevPermId\":\"$PID_\"}")
check "get-tid rotates (tid, tidPrevious)" "$NEXT $PTID" "$(echo "${resp#* }" | jq -r '.tid + " " + .tidPrevious')"
check "the rotation in the cluster (t, tp)" "$NEXT $PTID" "$(rhex "$PKEYN" t) $(rhex "$PKEYN" tp)"
code=$(curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' -X PATCH -H 'content-type: application/merge-patch+json' \
	--data '{"lastKnownAiotfInfo":{"lastKnownAiotfInfoInd":true,"lastKnownAiotfFqdn":"aiotf1.example.org"}}' "$DM/aiot-device-profile-data/$(urlenc "$ID")")
check "profile PATCH" 204 "$code"

# kill -9, restart: every acknowledged write is there
kill -9 "$LASTPID"; wait "$LASTPID" 2>/dev/null || true
adm 2 "$STORE"
SEC=http://127.0.0.1:$PORT/nadm-sec/v1
DM=http://127.0.0.1:$PORT/nadm-dm/v1
resp=$(h2post "$SEC/get-tid" "{\"aiotDevPermId\":\"$PID_\"}")
check "after kill -9 and restart: the rotated T-ID (idempotent in the session)" "$NEXT $PTID" "$(echo "${resp#* }" | jq -r '.tid + " " + .tidPrevious')"
check "after restart: the PATCHed profile" aiotf1.example.org \
	"$(curl -sS --http2-prior-knowledge "$DM/aiot-device-profile-data/$(urlenc "$ID")" | jq -r .lastKnownAiotfInfo.lastKnownAiotfFqdn)"
check "after restart: the device is found by its new T-ID" "$NEXT" \
	"$(curl -sS --http2-prior-knowledge "$DM/aiot-device-profile-data/$(urlenc "$PID_")" | jq -r .tidCurrent)"
kill "$LASTPID"; wait "$LASTPID" 2>/dev/null || true

# WAIT: a write no replica set of that size can confirm is an error, and not applied
adm 3 "$STORE&wait=5&wait-ms=100"
SEC=http://127.0.0.1:$PORT/nadm-sec/v1
h2post "$SEC/get-session-key" "{\"aiotDevPermId\":\"$PID_\",\"randN\":\"$(rand16)\",\"randD\":\"$(rand16)\"}" >"$W/w5.out"
check "wait=5 (one replica each): the session write refused" 500 "$(cut -d' ' -f1 "$W/w5.out")"
check "... and the store said why" 1 "$(grep -c 'not confirmed by WAIT: 1 of 5 replicas' "$W/adm3.log")"
# A write WAIT did not confirm stays on the master (Redis does not roll it back): the ADMs,
# which read mutable state from the cluster, may see it; it is never acknowledged.
resp=$(h2post "$SEC/get-tid" "{\"aiotDevPermId\":\"$PID_\"}")
check "... a T-ID rotation (a write) is refused too" 500 "${resp%% *}"
resp=$(h2post "$SEC/get-authentication" "{\"randN\":\"$RN\",\"randDlist\":[\"$D1\"],\"vendorSpecific-032473\":{\"tid\":\"$NEXT\"}}")
check "... the device is still found by the T-ID it was given (no write needed)" \
	"200 $("$AIOT" crypto res --suite 3gpp --key "$PKEY" --rand-n "$RN" --rand-d "$D1" --bits 64)" \
	"${resp%% *} $(echo "${resp#* }" | jq -r '.authDataSets[0].authDataSet[0].xres')"
kill "$LASTPID"; wait "$LASTPID" 2>/dev/null || true

# --- two ADMs on one store: each change decided in the cluster, nothing cached that changes ---
adm 4 "$STORE"; PA=$PORT; PIDA=$LASTPID
adm 5 "$STORE"; PB=$PORT; PIDB=$LASTPID
SA=http://127.0.0.1:$PA/nadm-sec/v1; SB=http://127.0.0.1:$PB/nadm-sec/v1
ok "two aiot-adm on one store (ports $PA, $PB)"
QID=$(dev "$W/priv.jsonl" 3 .aiotDevPermId); QKEY=$(dev "$W/priv.jsonl" 3 .key); QT0=$(dev "$W/priv.jsonl" 3 .tid)
RN=$(rand16); RD=$(rand16)
h2post "$SA/get-session-key" "{\"aiotDevPermId\":\"$QID\",\"randN\":\"$RN\",\"randD\":\"$RD\"}" >/dev/null
QT1=$("$AIOT" crypto tid --suite 3gpp --key "$QKEY" --rand-n "$RN" --rand-d "$RD")
resp=$(h2post "$SA/get-tid" "{\"aiotDevPermId\":\"$QID\"}")
check "T-ID rotated through ADM 1" "$QT1 $QT0" "$(echo "${resp#* }" | jq -r '.tid + " " + .tidPrevious')"
auth_tid() { # url tid: status and XRES of get-authentication by T-ID (vendor extension)
	local r
	r=$(h2post "$1/get-authentication" "{\"randN\":\"$RN\",\"randDlist\":[\"$RD\"],\"vendorSpecific-032473\":{\"tid\":\"$2\"}}")
	echo "${r%% *} $(echo "${r#* }" | jq -r '.authDataSets[0].authDataSet[0].xres // .detail')"
}
XQ=$("$AIOT" crypto res --suite 3gpp --key "$QKEY" --rand-n "$RN" --rand-d "$RD" --bits 64)
check "ADM 2: get-authentication by the new T-ID" "200 $XQ" "$(auth_tid "$SB" "$QT1")"
check "ADM 2: ... and by the previous one" "200 $XQ" "$(auth_tid "$SB" "$QT0")"
resp=$(h2post "$SB/get-tid" "{\"aiotDevPermId\":\"$QID\"}")
check "ADM 2: get-tid answers the rotation ADM 1 made (idempotent in the session)" "$QT1 $QT0" "$(echo "${resp#* }" | jq -r '.tid + " " + .tidPrevious')"
DRD=$(rand16)
check "DO-A RAND_d on ADM 1: 200" 200 "$(h2post "$SA/get-doa-authentication" "{\"aiotDevPermId\":\"$QID\",\"randD\":\"$DRD\"}" | cut -d' ' -f1)"
check "... the same RAND_d on ADM 2: refused" 403 "$(h2post "$SB/get-doa-authentication" "{\"aiotDevPermId\":\"$QID\",\"randD\":\"$DRD\"}" | cut -d' ' -f1)"
# the same RAND_d at once on both, 10 times: exactly one 200 each time
wins=0
for _ in $(seq 1 10); do
	DRD=$(rand16)
	h2post "$SA/get-doa-authentication" "{\"aiotDevPermId\":\"$QID\",\"randD\":\"$DRD\"}" >"$W/da" &
	h2post "$SB/get-doa-authentication" "{\"aiotDevPermId\":\"$QID\",\"randD\":\"$DRD\"}" >"$W/db"
	wait $!
	wins=$((wins + $(cat "$W/da" "$W/db" | cut -d' ' -f1 | grep -c '^200$')))
done
check "one RAND_d sent to both ADMs at once, 10 times: one 200 each time" 10 "$wins"
"$AIOT" provision --store "$STORE" --kek-file "$KEK" --count 1 --group late --out "$W/late.jsonl" 2>>"$W/prov.log"
LID=$(dev "$W/late.jsonl" 1 .aiotDevPermId); LKEY=$(dev "$W/late.jsonl" 1 .key)
resp=$(h2post "$SB/get-authentication" "{\"aiotDevPermId\":\"$LID\",\"randN\":\"$RN\",\"randDlist\":[\"$RD\"]}")
check "a device provisioned while the ADMs run: found by ADM 2" "200 $("$AIOT" crypto res --suite 3gpp --key "$LKEY" --rand-n "$RN" --rand-d "$RD" --bits 64)" \
	"${resp%% *} $(echo "${resp#* }" | jq -r '.authDataSets[0].authDataSet[0].xres')"
kill "$PIDA" "$PIDB"; wait "$PIDA" "$PIDB" 2>/dev/null || true

# refused at open
head -c 32 /dev/urandom >"$W/kek2"; chmod 600 "$W/kek2"
if "$ADM" --listen 127.0.0.1:0 --store "$STORE" --kek-file "$W/kek2" 2>"$W/wrongkek.log"; then bad "a wrong KEK"; else
	check "a wrong KEK is refused at open" 1 "$(grep -c 'wrong key-encryption key' "$W/wrongkek.log")"
fi
if "$ADM" --listen 127.0.0.1:0 --store "$URL?ns=nothing" --kek-file "$KEK" 2>"$W/nostore.log"; then bad "no store"; else
	check "the ADM does not create a store" 1 "$(grep -c 'not an aiot device store' "$W/nostore.log")"
fi
finish
