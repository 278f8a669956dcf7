#!/usr/bin/env bash
# The ADM's data (issue 10 items 2, 3, 5): a failed commit changes nothing, concurrent get-tid
# calls never lose the previous T-ID, and Nadm_DM PATCH (one device and bundled) takes only
# what TS29369_Nadm_DM.yaml allows, atomically, and survives a restart.
source "$(dirname "$0")/lib.bash"
ADM=$B/aiot-adm
DB=$W/adm.db
"$AIOT" provision --store sqlite:$DB --kek-file $W/kek --count 4 --privacy --group p --out $W/p.jsonl 2>$W/prov.log
dev() { sed -n "${1}p" $W/p.jsonl | jq -r "$2"; }
ID=$(dev 1 .aiotDevPermId); KEY=$(dev 1 .key); TID0=$(dev 1 .tid); ID2=$(dev 2 .aiotDevPermId)
start_daemon $W/adm.log "$ADM" --listen 127.0.0.1:0 --store sqlite:$DB --kek-file $W/kek --workers 2 --metrics 127.0.0.1:0
SEC=http://127.0.0.1:$PORT/nadm-sec/v1
DM=http://127.0.0.1:$PORT/nadm-dm/v1
P1=$DM/aiot-device-profile-data/$(urlenc "$ID")
hold_db() { # a second writer takes the database's write lock (sqlite3 through a FIFO)
	rm -f $W/hold; mkfifo $W/hold
	(sqlite3 $DB <$W/hold >/dev/null 2>&1) & HOLDER=$!
	exec 9>$W/hold
	echo 'BEGIN EXCLUSIVE; SELECT 1;' >&9
	for _ in $(seq 1 100); do # until a writer is refused
		sqlite3 -cmd '.timeout 1' $DB 'BEGIN IMMEDIATE; ROLLBACK;' 2>/dev/null || return 0
		sleep 0.1
	done
	bad "the second writer never got the lock"
}
release_db() { echo 'ROLLBACK;' >&9; exec 9>&-; wait $HOLDER 2>/dev/null || true; }
patch() { # url body [content-type] -> "STATUS CAUSE PARAM"
	curl -sS --http2-prior-knowledge -o $W/e.json -w '%{http_code}' -X PATCH \
		-H "content-type: ${3:-application/merge-patch+json}" --data-binary "$2" "$1"
	echo " $(jq -r '(.cause // "-") + " " + (.invalidParams[0].param // "-")' $W/e.json 2>/dev/null)"
}

# --- item 3: concurrent get-tid on one device across workers -------------------------------
RN=$(rand16); RD=$(rand16)
h2post $SEC/get-session-key "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randD\":\"$RD\"}" >/dev/null
NEXT=$("$AIOT" crypto tid --suite 3gpp --key $KEY --rand-n $RN --rand-d $RD)
# A second writer holds the database for a moment, so that every call reads the same T-ID and
# queues its rotation before the first one commits: all but one lose the compare-and-set and
# decide again.
hold_db
jobs_=()
for i in $(seq 1 16); do
	curl -sS --http2-prior-knowledge -o $W/tid$i -H 'content-type: application/json' \
		--data "{\"aiotDevPermId\":\"$ID\"}" -w '%{http_code}\n' $SEC/get-tid >$W/code$i & jobs_+=($!)
done
sleep 1
release_db
wait "${jobs_[@]}"
check "16 concurrent get-tid: all 200" 16 "$(cat $W/code* | grep -c '^200$')"
check "all answer the derived T-ID" "$NEXT" "$(jq -r .tid $W/tid* | sort -u)"
check "all answer the T-ID before as previous" "$TID0" "$(jq -r .tidPrevious $W/tid* | sort -u)"
P=$(curl -sS --http2-prior-knowledge $P1)
check "stored: current = derived" "$NEXT" "$(echo "$P" | jq -r .tidCurrent)"
check "stored: previous = the T-ID before (not lost)" "$TID0" "$(echo "$P" | jq -r .tidPrevious)"
check "one rotation written for 16 calls" 1 "$(curl -sS http://127.0.0.1:$MPORT/metrics | sed -n 's/^aiot_adm_tid_rotations_total //p')"

# --- item 5: PATCH validated per the YAML -------------------------------------------------------
good='{"lastKnownAiotfInfo":{"lastKnownAiotfInfoInd":true,"lastKnownAiotfId":"3fa85f64-5717-4562-b3fc-2c963f66afa6","lastKnownAiotfAddress":{"ipv4Addr":"192.0.2.1"},"lastKnownAiotfFqdn":"aiotf1.example.org"},"tidHandlingInformation":{"tidType":"STORED","tidHandlingInformation":true}}'
check "valid PATCH" 204 "$(patch $P1 "$good" | cut -d' ' -f1)"
lk() { echo "{\"lastKnownAiotfInfo\":{\"lastKnownAiotfInfoInd\":true,$1}}"; }
check "IPv4 300.1.1.1 refused" "400 OPTIONAL_IE_INCORRECT /lastKnownAiotfInfo/lastKnownAiotfAddress/ipv4Addr" "$(patch $P1 "$(lk '"lastKnownAiotfAddress":{"ipv4Addr":"300.1.1.1"}')")"
check "IPv6 with uppercase refused (RFC 5952)" "400 OPTIONAL_IE_INCORRECT /lastKnownAiotfInfo/lastKnownAiotfAddress/ipv6Addr" "$(patch $P1 "$(lk '"lastKnownAiotfAddress":{"ipv4Addr":null,"ipv6Addr":"2001:DB8::1"}')")"
check "two IpAddr members refused" "400 OPTIONAL_IE_INCORRECT /lastKnownAiotfInfo/lastKnownAiotfAddress" "$(patch $P1 "$(lk '"lastKnownAiotfAddress":{"ipv4Addr":"192.0.2.1","ipv6Addr":"::1"}')")"
check "non-UUID lastKnownAiotfId refused" "400 OPTIONAL_IE_INCORRECT /lastKnownAiotfInfo/lastKnownAiotfId" "$(patch $P1 "$(lk '"lastKnownAiotfId":"aiotf-1"')")"
check "FQDN -x- refused" "400 OPTIONAL_IE_INCORRECT /lastKnownAiotfInfo/lastKnownAiotfFqdn" "$(patch $P1 "$(lk '"lastKnownAiotfFqdn":"-x-"')")"
check "unknown top-level member refused" "400 INVALID_MSG_FORMAT /junk" "$(patch $P1 '{"junk":1}')"
check "unknown nested member refused" "400 INVALID_MSG_FORMAT /lastKnownAiotfInfo/x" "$(patch $P1 "$(lk '"x":1')")"
check "removing the required lastKnownAiotfInfoInd refused" "400 MANDATORY_IE_MISSING /lastKnownAiotfInfo/lastKnownAiotfInfoInd" "$(patch $P1 '{"lastKnownAiotfInfo":{"lastKnownAiotfInfoInd":null}}')"
check "tidType change refused (not applied)" "403 MODIFICATION_NOT_ALLOWED /tidHandlingInformation/tidType" "$(patch $P1 '{"tidHandlingInformation":{"tidType":"CONCEALED"}}')"
check "tidCurrent refused" "403 MODIFICATION_NOT_ALLOWED /tidCurrent" "$(patch $P1 "{\"tidCurrent\":\"$(rand16)\"}")"
big="{\"lastKnownAiotfInfo\":{\"lastKnownAiotfInfoInd\":true,\"lastKnownAiotfFqdn\":\"$(head -c 5000 /dev/zero | tr '\0' a)\"}}"
check "oversized PATCH: 413" "413" "$(patch $P1 "$big" | cut -d' ' -f1)"
check "415 for application/json" "415" "$(patch $P1 "$good" application/json | cut -d' ' -f1)"
P=$(curl -sS --http2-prior-knowledge $P1)
check "served profile unchanged by the refusals" "aiotf1.example.org 192.0.2.1 true STORED" \
	"$(echo "$P" | jq -r '[.lastKnownAiotfInfo.lastKnownAiotfFqdn, .lastKnownAiotfInfo.lastKnownAiotfAddress.ipv4Addr, .tidHandlingInformation.tidHandlingInformation, .tidHandlingInformation.tidType]|join(" ")')"
check "served profile has only schema members" '["aiotDevPermId","lastKnownAiotfInfo","tidCurrent","tidHandlingInformation","tidPrevious"]' "$(echo "$P" | jq -c 'keys')"
check "merge patch null removes an optional member" 204 "$(patch $P1 '{"lastKnownAiotfInfo":{"lastKnownAiotfAddress":null}}' | cut -d' ' -f1)"
check "  and it is gone" null "$(curl -sS --http2-prior-knowledge $P1 | jq -c .lastKnownAiotfInfo.lastKnownAiotfAddress)"

# --- bundled PATCH (PatchItem array, media type as the YAML declares) ---------------------------
E1=$(printf %s "$ID" | sed 's/~/~0/g; s#/#~1#g'); E2=$(printf %s "$ID2" | sed 's/~/~0/g; s#/#~1#g')
BP=$DM/aiot-device-profile-data
check "bundled PATCH of two devices" 204 "$(patch $BP "[{\"op\":\"replace\",\"path\":\"/$E1/lastKnownAiotfInfo/lastKnownAiotfFqdn\",\"value\":\"aiotf2.example.org\"},{\"op\":\"add\",\"path\":\"/$E2/lastKnownAiotfInfo\",\"value\":{\"lastKnownAiotfInfoInd\":true,\"lastKnownAiotfAddress\":{\"ipv6Prefix\":\"2001:db8:abcd:12::0/64\"}}}]" | cut -d' ' -f1)"
check "  device 1 changed" aiotf2.example.org "$(curl -sS --http2-prior-knowledge $P1 | jq -r .lastKnownAiotfInfo.lastKnownAiotfFqdn)"
check "  device 2 changed" "2001:db8:abcd:12::0/64" "$(curl -sS --http2-prior-knowledge $BP/$(urlenc "$ID2") | jq -r .lastKnownAiotfInfo.lastKnownAiotfAddress.ipv6Prefix)"
check "bundled PATCH with one bad value: refused whole" "400 OPTIONAL_IE_INCORRECT /$ID2/lastKnownAiotfInfo/lastKnownAiotfAddress/ipv4Addr" \
	"$(patch $BP "[{\"op\":\"replace\",\"path\":\"/$E1/lastKnownAiotfInfo/lastKnownAiotfFqdn\",\"value\":\"aiotf3.example.org\"},{\"op\":\"replace\",\"path\":\"/$E2/lastKnownAiotfInfo/lastKnownAiotfAddress\",\"value\":{\"ipv4Addr\":\"300.1.1.1\"}}]")"
check "  nothing applied" aiotf2.example.org "$(curl -sS --http2-prior-knowledge $P1 | jq -r .lastKnownAiotfInfo.lastKnownAiotfFqdn)"
check "bundled PATCH of tidCurrent refused" "400 MANDATORY_IE_INCORRECT /0/path" "$(patch $BP "[{\"op\":\"replace\",\"path\":\"/$E1/tidCurrent\",\"value\":\"$(rand16)\"}]")"
check "bundled PATCH: failed test op refuses all" "400 INVALID_MSG_FORMAT /0" "$(patch $BP "[{\"op\":\"test\",\"path\":\"/$E1/lastKnownAiotfInfo/lastKnownAiotfFqdn\",\"value\":\"other\"}]")"

# --- restart: what was acknowledged is what is served -------------------------------------------
kill -9 $LASTPID; wait $LASTPID 2>/dev/null || true
start_daemon $W/adm2.log "$ADM" --listen 127.0.0.1:0 --store sqlite:$DB --kek-file $W/kek --workers 2
SEC=http://127.0.0.1:$PORT/nadm-sec/v1
P1=http://127.0.0.1:$PORT/nadm-dm/v1/aiot-device-profile-data/$(urlenc "$ID")
P=$(curl -sS --http2-prior-knowledge $P1)
check "after kill -9: PATCHes persisted" "aiotf2.example.org true $NEXT $TID0" \
	"$(echo "$P" | jq -r '[.lastKnownAiotfInfo.lastKnownAiotfFqdn, .tidHandlingInformation.tidHandlingInformation, .tidCurrent, .tidPrevious]|join(" ")')"

# --- item 2: a failed commit changes nothing (a second writer holds the database) ---------------
RN=$(rand16); RD=$(rand16)
h2post $SEC/get-session-key "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randD\":\"$RD\"}" >/dev/null
N2=$("$AIOT" crypto tid --suite 3gpp --key $KEY --rand-n $RN --rand-d $RD)
hold_db
check "get-tid while the database is locked: 5xx" 500 "$(h2post $SEC/get-tid "{\"aiotDevPermId\":\"$ID\"}" | cut -d' ' -f1)"
release_db
P=$(curl -sS --http2-prior-knowledge $P1)
check "the cache did not take the failed rotation" "$NEXT" "$(echo "$P" | jq -r .tidCurrent)"
resp=$(h2post $SEC/get-tid "{\"aiotDevPermId\":\"$ID\"}")
check "the retry rotates for real" "200 $N2 $NEXT" "${resp%% *} $(echo "${resp#* }" | jq -r '.tid + " " + .tidPrevious')"
kill -9 $LASTPID; wait $LASTPID 2>/dev/null || true
start_daemon $W/adm3.log "$ADM" --listen 127.0.0.1:0 --store sqlite:$DB --kek-file $W/kek --workers 2
check "after restart: the acknowledged T-ID" "$N2" "$(curl -sS --http2-prior-knowledge http://127.0.0.1:$PORT/nadm-dm/v1/aiot-device-profile-data/$(urlenc "$ID") | jq -r .tidCurrent)"
finish
