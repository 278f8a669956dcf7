#!/usr/bin/env bash
# get-doa-authentication (device-originated access, docs/protocol.md) end to end: a real
# aiot-adm on a real SQLite store provisioned by `aiot provision`, driven with curl over h2c.
# MAC_N and XRES_D checked against `aiot crypto macn/resd` for both suites and every RES
# length, by permanent ID and by T-ID (current and previous, P2 = the T-ID as sent);
# get-session-key then gives K_AIOTF as `aiot crypto kaiotf`; 404 for unknown identifiers;
# 403 for a RAND_d the device used in its last 8 exchanges, also after kill -9 and a restart,
# and for exactly all but one of concurrent requests with one RAND_d; the 400s; the metrics.
source "$(dirname "$0")/lib.bash"
ADM=$B/aiot-adm
it_store
KEK=$W/kek
"$AIOT" provision --store "$STORE" --kek-file $KEK --count 2 --group doa-3gpp --out $W/g.jsonl 2>$W/prov.log
"$AIOT" provision --store "$STORE" --kek-file $KEK --count 2 --suite aes --res-bits 32 --group doa-aes --out $W/a.jsonl 2>>$W/prov.log
"$AIOT" provision --store "$STORE" --kek-file $KEK --count 2 --res-bits 128 --key-bits 256 --group doa-256 --out $W/k.jsonl 2>>$W/prov.log
"$AIOT" provision --store "$STORE" --kek-file $KEK --count 2 --privacy --res-bits 96 --group doa-priv --out $W/p.jsonl 2>>$W/prov.log

start_adm() {
	start_daemon $W/adm$1.log "$ADM" --listen 127.0.0.1:0 --store "$STORE" --kek-file $KEK \
		--workers 2 --metrics 127.0.0.1:0
	ADMPID=$LASTPID; SEC=http://127.0.0.1:$PORT/nadm-sec/v1; DOA=$SEC/get-doa-authentication
}
start_adm 1
dev() { sed -n "${2}p" "$1" | jq -r "$3"; } # file line field
b64hex() { echo -n "$1" | base64 -d | od -An -tx1 -v | tr -d ' \n'; }
metric() { curl -s http://127.0.0.1:$MPORT/metrics | awk -v k="$1" '$1==k {print $2}'; }
# doa_ok LABEL FILE LINE IDJSON P2HEX RANDD: a 200 whose every value is what aiot crypto computes
doa_ok() {
	local label=$1 f=$2 n=$3 idj=$4 p2=$5 rd=$6
	local key suite bits id r rn
	key=$(dev $f $n .key); suite=$(dev $f $n .suite); bits=$(dev $f $n .resBits); id=$(dev $f $n .aiotDevPermId)
	r=$(h2post $DOA "{$idj,\"randD\":\"$rd\"}")
	check "$label: status" 200 "${r%% *}"
	r=${r#* }; rn=$(echo "$r" | jq -r .randN)
	[[ $rn =~ ^[0-9a-f]{32}$ ]] && ok "$label: randN is 128 bits" || bad "$label: randN '$rn'"
	check "$label: aiotDevPermId" "$id" "$(echo "$r" | jq -r .aiotDevPermId)"
	check "$label: macN = aiot crypto macn" \
		"$("$AIOT" crypto macn --suite $suite --key $key --rand-n $rn --rand-d $rd --id $p2)" "$(echo "$r" | jq -r .macN)"
	check "$label: xresD ($bits bits) = aiot crypto resd" \
		"$("$AIOT" crypto resd --suite $suite --key $key --rand-n $rn --rand-d $rd --id $p2 --bits $bits)" \
		"$(echo "$r" | jq -r .xresD)"
	LAST_RN=$rn
}

# --- by permanent ID, both suites, RES 32/64/128 bits; then K_AIOTF by get-session-key ------
for f in g a k; do
	ID=$(dev $W/$f.jsonl 1 .aiotDevPermId); RD=$(rand16)
	doa_ok "$f.jsonl by aiotDevPermId" $W/$f.jsonl 1 "\"aiotDevPermId\":\"$ID\"" "$(b64hex "$ID")" $RD
	r=$(h2post $SEC/get-session-key "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$LAST_RN\",\"randD\":\"$RD\"}")
	check "$f.jsonl: get-session-key status" 200 "${r%% *}"
	check "$f.jsonl: K_AIOTF = aiot crypto kaiotf" \
		"$("$AIOT" crypto kaiotf --suite $(dev $W/$f.jsonl 1 .suite) --key $(dev $W/$f.jsonl 1 .key) --rand-n $LAST_RN --rand-d $RD)" \
		"$(echo "${r#* }" | jq -r .kAiotf)"
done

# --- by T-ID: the current one, then (after a rotation) the previous and the new one ---------
PID_=$(dev $W/p.jsonl 1 .aiotDevPermId); T0=$(dev $W/p.jsonl 1 .tid)
RD=$(rand16)
doa_ok "by T-ID (provisioned)" $W/p.jsonl 1 "\"tid\":\"$T0\"" $T0 $RD
r=$(h2post $SEC/get-session-key "{\"aiotDevPermId\":\"$PID_\",\"randN\":\"$LAST_RN\",\"randD\":\"$RD\"}")
check "T-ID device: get-session-key" 200 "${r%% *}"
r=$(h2post $SEC/get-tid "{\"aiotDevPermId\":\"$PID_\"}")
T1=$(echo "${r#* }" | jq -r .tid)
check "T-ID rotated from the DO-A session" \
	"$("$AIOT" crypto tid --suite 3gpp --key $(dev $W/p.jsonl 1 .key) --rand-n $LAST_RN --rand-d $RD) $T0" \
	"$T1 $(echo "${r#* }" | jq -r .tidPrevious)"
doa_ok "by the previous T-ID" $W/p.jsonl 1 "\"tid\":\"$T0\"" $T0 $(rand16)
doa_ok "by the current T-ID" $W/p.jsonl 1 "\"tid\":\"${T1^^}\"" $T1 $(rand16)
ok "T-ID in upper case hex accepted (Tid pattern [A-Fa-f0-9])"

# --- 404 ----------------------------------------------------------------------------------
r=$(h2post $DOA "{\"tid\":\"$(rand16)\",\"randD\":\"$(rand16)\"}")
check "unknown T-ID: 404" 404 "${r%% *}"
check "404 is a ProblemDetails" 404 "$(echo "${r#* }" | jq .status)"
check "unknown aiotDevPermId: 404" 404 "$(h2post $DOA "{\"aiotDevPermId\":\"AAAAAAAAAAA=\",\"randD\":\"$(rand16)\"}" | cut -d' ' -f1)"

# --- 403: a RAND_d of the device's last 8 exchanges, however the device is named -----------
ID=$(dev $W/g.jsonl 2 .aiotDevPermId); RD=$(rand16)
check "first use of RAND_d" 200 "$(h2post $DOA "{\"aiotDevPermId\":\"$ID\",\"randD\":\"$RD\"}" | cut -d' ' -f1)"
r=$(h2post $DOA "{\"aiotDevPermId\":\"$ID\",\"randD\":\"$RD\"}")
check "RAND_d reused: 403" 403 "${r%% *}"
check "403 cause" AUTHENTICATION_REJECTED "$(echo "${r#* }" | jq -r .cause)"
check "another device may use that RAND_d" 200 \
	"$(h2post $DOA "{\"aiotDevPermId\":\"$(dev $W/g.jsonl 1 .aiotDevPermId)\",\"randD\":\"$RD\"}" | cut -d' ' -f1)"
TD=$(rand16)
check "T-ID device: RAND_d by T-ID" 200 "$(h2post $DOA "{\"tid\":\"$T1\",\"randD\":\"$TD\"}" | cut -d' ' -f1)"
check "the same RAND_d by its permanent ID: 403" 403 "$(h2post $DOA "{\"aiotDevPermId\":\"$PID_\",\"randD\":\"$TD\"}" | cut -d' ' -f1)"
check "... and by its previous T-ID: 403" 403 "$(h2post $DOA "{\"tid\":\"$T0\",\"randD\":\"$TD\"}" | cut -d' ' -f1)"
# The window is the last 8: RAND_d leaves it after 8 newer exchanges.
K=$(dev $W/k.jsonl 2 .aiotDevPermId); R0=$(rand16)
h2post $DOA "{\"aiotDevPermId\":\"$K\",\"randD\":\"$R0\"}" >/dev/null
for i in $(seq 1 7); do h2post $DOA "{\"aiotDevPermId\":\"$K\",\"randD\":\"$(rand16)\"}" >/dev/null; done
check "RAND_d 8 exchanges ago: still refused" 403 "$(h2post $DOA "{\"aiotDevPermId\":\"$K\",\"randD\":\"$R0\"}" | cut -d' ' -f1)"
h2post $DOA "{\"aiotDevPermId\":\"$K\",\"randD\":\"$(rand16)\"}" >/dev/null
check "RAND_d 9 exchanges ago: accepted" 200 "$(h2post $DOA "{\"aiotDevPermId\":\"$K\",\"randD\":\"$R0\"}" | cut -d' ' -f1)"

# --- concurrent requests with one RAND_d for one device: exactly one 200 -------------------
A2=$(dev $W/a.jsonl 2 .aiotDevPermId); CD=$(rand16)
CURLS=()
for i in $(seq 1 8); do
	curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}\n' -X POST -H content-type:application/json \
		--data-binary "{\"aiotDevPermId\":\"$A2\",\"randD\":\"$CD\"}" $DOA >$W/conc.$i &
	CURLS+=($!)
done
wait "${CURLS[@]}"
check "8 concurrent, one RAND_d: statuses" "1 7" "$(cat $W/conc.* | grep -c '^200$') $(cat $W/conc.* | grep -c '^403$')"

# --- metrics --------------------------------------------------------------------------------
check "metrics: issued" 20 "$(metric 'aiot_adm_doa_total{result="issued"}')"
check "metrics: unknown" 2 "$(metric 'aiot_adm_doa_total{result="unknown"}')"
check "metrics: rand_d_reused" 11 "$(metric 'aiot_adm_doa_total{result="rand_d_reused"}')"
check "metrics: requests" 33 "$(metric aiot_adm_doa_requests_total)"

# --- the window survives kill -9 and a restart ----------------------------------------------
kill -9 $ADMPID; wait $ADMPID 2>/dev/null || true
start_adm 2
check "after kill -9 and restart: reused RAND_d still 403" 403 "$(h2post $DOA "{\"aiotDevPermId\":\"$ID\",\"randD\":\"$RD\"}" | cut -d' ' -f1)"
check "after restart: the concurrent winner's RAND_d 403" 403 "$(h2post $DOA "{\"aiotDevPermId\":\"$A2\",\"randD\":\"$CD\"}" | cut -d' ' -f1)"
check "after restart: by T-ID too" 403 "$(h2post $DOA "{\"tid\":\"$T1\",\"randD\":\"$TD\"}" | cut -d' ' -f1)"
check "after restart: a fresh RAND_d is served" 200 "$(h2post $DOA "{\"aiotDevPermId\":\"$ID\",\"randD\":\"$(rand16)\"}" | cut -d' ' -f1)"

# --- 400 / 415 --------------------------------------------------------------------------------
bad400() { # LABEL BODY CAUSE
	local r; r=$(h2post $DOA "$2")
	check "$1: 400 $3" "400 $3" "${r%% *} $(echo "${r#* }" | jq -r .cause)"
}
bad400 "neither tid nor aiotDevPermId" "{\"randD\":\"$(rand16)\"}" MANDATORY_IE_MISSING
bad400 "both tid and aiotDevPermId" "{\"tid\":\"$T1\",\"aiotDevPermId\":\"$ID\",\"randD\":\"$(rand16)\"}" OPTIONAL_IE_INCORRECT
bad400 "randD missing" "{\"aiotDevPermId\":\"$ID\"}" MANDATORY_IE_MISSING
bad400 "randD not 32 hex digits" "{\"aiotDevPermId\":\"$ID\",\"randD\":\"abcd\"}" MANDATORY_IE_INCORRECT
bad400 "tid not 32 hex digits" "{\"tid\":\"${T1:0:30}\",\"randD\":\"$(rand16)\"}" OPTIONAL_IE_INCORRECT
bad400 "aiotDevPermId not base64" "{\"aiotDevPermId\":\"**\",\"randD\":\"$(rand16)\"}" OPTIONAL_IE_INCORRECT
bad400 "not JSON" "{\"randD\":" INVALID_MSG_FORMAT
check "text/plain: 415" 415 "$(h2post $DOA "{\"aiotDevPermId\":\"$ID\",\"randD\":\"$(rand16)\"}" text/plain | cut -d' ' -f1)"
check "GET: 405" 405 "$(curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' $DOA)"
check "after restart: metrics count this run (issued, unknown)" "1 0" \
	"$(metric 'aiot_adm_doa_total{result="issued"}') $(metric 'aiot_adm_doa_total{result="unknown"}')"
finish
