#!/usr/bin/env bash
# The device store on Redis Cluster (docs/redis-cluster.md), on a cluster that
# scripts/redis-cluster.sh starts once: the store's unit tests against it
# (AIOT_TEST_STORE_URL), then the ADM on it: aiot provision, the layout in the cluster (one
# hash per device, keys sealed), aiot-adm serving get-authentication, T-ID rotation and a
# profile PATCH over h2c, a write WAIT does not confirm refused, kill -9 and restart with the
# state there, a wrong KEK refused at open.
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
for t in test_store_backend test_store_doa test_store_basic; do
	if AIOT_TEST_STORE_URL=$URL CMOCKA_MESSAGE_OUTPUT=stdout "$B/$t" >"$W/$t.out" 2>&1; then
		ok "$t on the cluster: $(grep -o 'PASSED  \] [0-9]*' "$W/$t.out" | grep -o '[0-9]*$') passed (the rest read SQLite's files)"
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
resp=$(h2post "$SEC/get-tid" "{\"aiotDevPermId\":\"$PID_\"}")
check "... the ADM still serves the committed state" "$NEXT" "$(echo "${resp#* }" | jq -r .tid)"
kill "$LASTPID"; wait "$LASTPID" 2>/dev/null || true

# refused at open
head -c 32 /dev/urandom >"$W/kek2"; chmod 600 "$W/kek2"
if "$ADM" --listen 127.0.0.1:0 --store "$STORE" --kek-file "$W/kek2" 2>"$W/wrongkek.log"; then bad "a wrong KEK"; else
	check "a wrong KEK is refused at open" 1 "$(grep -c 'wrong key-encryption key' "$W/wrongkek.log")"
fi
if "$ADM" --listen 127.0.0.1:0 --store "$URL?ns=nothing" --kek-file "$KEK" 2>"$W/nostore.log"; then bad "no store"; else
	check "the ADM does not create a store" 1 "$(grep -c 'not an aiot device store' "$W/nostore.log")"
fi
finish
