#!/usr/bin/env bash
# Abuse of the SBI server, against a real aiot-adm (300 devices) and a real aiot-aiotf: bad
# JSON, wrong types, missing and extra fields, oversized bodies and headers, an HPACK bomb,
# CONTINUATION / SETTINGS / PING / RST floods, WINDOW_UPDATE overflow, a body that trickles,
# many streams and many connections (h2load), clients that read nothing, idle connections,
# overload (503 + Retry-After), clients holding their window at 0 while pinging (memory budget,
# stalled answers), TLS handshakes trickled or left half-open. Every case gets the right ProblemDetails or a closed stream;
# after every case a normal request still succeeds; RSS growth over the battery is bounded.
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf; do [ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }; done
command -v h2load >/dev/null || { echo "h2load not installed: skipped"; exit 0; }
RSS_BOUND_KB=${RSS_BOUND_KB:-20480}
H2A=$B/h2_abuse
if [ ! -x "$H2A" ]; then
	H2A=$W/h2_abuse
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -o "$H2A" "$S/tests/tools/h2_abuse.c"
fi
abuse() { timeout 60 "$H2A" 127.0.0.1 "$@" || echo "h2_abuse exit $?"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
rss() { awk '/^VmRSS/ {print $2}' /proc/$1/status; }

"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 300 --group shelf --out $W/a.jsonl 2>$W/prov.log
ID=$(sed -n 3p $W/a.jsonl | jq -r .aiotDevPermId)
RN=$(rand16); D1=$(rand16)

# The AF's authorization data at the ADM (Nadm_DM af-authorization-data): every operation; and
# 2,000 more AFs, so that GET af-authorization-data is a large answer (214 KB).
jq -n '{afAuthData: ([range(2000) | {key: "af-\(.)", value: {afId: "af-\(.)", allowedServiceOperations: ["READ"]}}]
	| from_entries + {"af-abuse": {afId: "af-abuse", allowedServiceOperations: ["INVENTORY","READ","WRITE","PERMANENT_DISABLE"]}})}' >$W/af.json
# The server limits, when the ADM exposes them (limits.max-pending ...): small, so that the
# overload, connection-limit and idle cases run in seconds.
cat >$W/adm.yaml <<YAML
listen: 127.0.0.1:0
store: sqlite:$W/adm.db
kek-file: $W/kek
workers: 2
af-authorization-data: $W/af.json
metrics: 127.0.0.1:0
limits:
  max-body: 65536
YAML
cp $W/adm.yaml $W/adm-lim.yaml
cat >>$W/adm-lim.yaml <<YAML
  max-pending: 4
  max-connections: 300
  idle-timeout-ms: 3000
  body-timeout-ms: 2000
  max-conn-memory: 1048576
  max-memory: 8388608
YAML
LIM=0
if start_daemon $W/adm.log "$B/aiot-adm" -c $W/adm-lim.yaml 2>/dev/null; then
	LIM=1
else
	echo "     aiot-adm has no limits.max-pending etc.: the server defaults apply (body timeout 10 s)"
	start_daemon $W/adm.log "$B/aiot-adm" -c $W/adm.yaml
fi
ADMPID=$LASTPID; AP=$PORT; AMP=$MPORT
SEC=http://127.0.0.1:$AP/nadm-sec/v1
ok "aiot-adm on $AP (limits from config: $LIM)"
GOOD="{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randDlist\":[\"$D1\"]}"
XRES=$("$AIOT" crypto res --suite 3gpp --key "$(sed -n 3p $W/a.jsonl | jq -r .key)" --rand-n $RN --rand-d $D1)

# After every case: the process is up and a normal request is answered correctly.
alive_adm() {
	local r
	kill -0 $ADMPID 2>/dev/null || { bad "$1: aiot-adm died"; return; }
	r=$(h2post $SEC/get-authentication "$GOOD")
	[ "${r%% *}" = 200 ] && [ "$(echo "${r#* }" | jq -r '.authDataSets[0].authDataSet[0].xres')" = "$XRES" ] ||
		bad "$1: then a normal request failed: ${r:0:200}"
}
pd() { # name status cause url body [content-type]
	local c
	c=$(curl -sS --max-time 20 --http2-prior-knowledge -o $W/e.json -D $W/h.txt -w '%{http_code}' -X POST \
		-H "content-type: ${6:-application/json}" --data-binary "$5" "$4" 2>/dev/null) || true
	check "$1" "$2 $3" "$c $(jq -r '.cause // "-"' $W/e.json 2>/dev/null | head -1)"
	alive_adm "$1"
}
metric() { curl -s http://127.0.0.1:$1/metrics | awk -v k="$2" '$1==k {print $2}'; }
rejected() { metric $1 "aiot_sbi_streams_rejected_total{reason=\"$2\"}"; }

# warm-up, then the baseline
echo "$GOOD" >$W/good.json
h2load -n 2000 -c 4 -m 32 -d $W/good.json -H 'content-type: application/json' $SEC/get-authentication >/dev/null 2>&1 || true
RSS0=$(rss $ADMPID)

# --- JSON ----------------------------------------------------------------------------------
pd "malformed JSON -> 400" 400 INVALID_MSG_FORMAT $SEC/get-authentication '{"randN":"'
pd "truncated UTF-8 -> 400" 400 INVALID_MSG_FORMAT $SEC/get-authentication $'{"randN":"\xc3'
pd "deep nesting -> 400" 400 INVALID_MSG_FORMAT $SEC/get-authentication "$(printf '[%.0s' $(seq 5000))"
pd "randDlist wrong type -> 400" 400 MANDATORY_IE_INCORRECT $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randDlist\":\"$D1\"}"
pd "aiotDevPermId wrong type -> 400" 400 OPTIONAL_IE_INCORRECT $SEC/get-authentication "{\"aiotDevPermId\":7,\"randN\":\"$RN\",\"randDlist\":[\"$D1\"]}"
pd "randDlist missing -> 400" 400 MANDATORY_IE_MISSING $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\"}"
pd "empty object -> 400" 400 MANDATORY_IE_MISSING $SEC/get-session-key '{}'
pd "extra fields are ignored -> 200" 200 - $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randDlist\":[\"$D1\"],\"x-extra\":{\"a\":[1,2,3]},\"zz\":null}"
pd "body over max-body -> 413" 413 - $SEC/get-authentication "{\"pad\":\"$(head -c 70000 /dev/zero | tr '\0' a)\"}"

# --- headers -------------------------------------------------------------------------------
c=$(curl -sS --max-time 10 --http2-prior-knowledge -o $W/e.json -w '%{http_code}' -X POST -H 'content-type: application/json' \
	-H "x-big: $(head -c 20000 /dev/zero | tr '\0' h)" --data "$GOOD" $SEC/get-authentication 2>/dev/null) || c="reset"
[ "$c" = 431 ] || [ "$c" = reset ] && ok "20 KB header -> $c $(jq -r '.cause // ""' $W/e.json 2>/dev/null)" || bad "20 KB header: $c"
alive_adm "20 KB header"
hdrs=(); for i in $(seq 200); do hdrs+=(-H "x-h$i: $(head -c 200 /dev/zero | tr '\0' v)"); done
c=$(curl -sS --max-time 10 --http2-prior-knowledge -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' \
	"${hdrs[@]}" --data "$GOOD" $SEC/get-authentication 2>/dev/null) || c="reset"
[ "$c" = 431 ] || [ "$c" = reset ] && ok "200 headers of 200 bytes -> $c" || bad "200 headers: $c"
alive_adm "many headers"

# --- raw HTTP/2 abuse (tests/tools/h2_abuse) ---------------------------------------------------
P=/nadm-sec/v1/get-rand
declare -A GOT
run() { # name expect-regex args...
	local name=$1 re=$2 out; shift 2
	out=$(abuse "$@")
	GOT[$name]=$out
	[[ $out =~ $re ]] && ok "$name: ${out#*: }" || bad "$name: expected /$re/, got: $out"
	alive_adm "$name"
}
run "HPACK bomb (4 KB header referenced 10000 times)" 'status=431|rst=[A-Z_]+|closed=1' $AP hpack-bomb $P 10000 2
run "20 KB header (CONTINUATION)" 'status=431|rst=[A-Z_]+' $AP big-header $P 20000 2
run "100 KB header" 'status=431|rst=[A-Z_]+|goaway=[A-Z_]+' $AP big-header $P 100000 2
run "CONTINUATION flood (header block never ends)" 'closed=1|goaway=[A-Z_]+' $AP continuation-flood $P 100000 3
run "content-length 1 GB, trickled" 'status=413' $AP trickle /nadm-sec/v1/get-session-key 0 5
BT=$([ $LIM = 1 ] && echo 2 || echo 10)
run "body that never ends (slowloris) -> 408 after ${BT} s" 'status=408' $AP slow-body /nadm-sec/v1/get-session-key 0 $((BT * 2 + 5))
run "SETTINGS flood" 'sent=[0-9]+' $AP settings-flood / 200000 2
run "PING flood" 'sent=[0-9]+' $AP ping-flood / 200000 2
run "RST_STREAM flood (rapid reset)" 'goaway=ENHANCE_YOUR_CALM|closed=1' $AP rst-flood $P 20000 3
run "WINDOW_UPDATE overflow" 'goaway=FLOW_CONTROL_ERROR' $AP window-overflow / 0 2
r=$(rejected $AMP reset_flood); [ "${r:-0}" -ge 1 ] && ok "metrics: reset_flood $r" || bad "metrics: reset_flood ${r:-none}"
r=$(rejected $AMP body_timeout); [ "${r:-0}" -ge 1 ] && ok "metrics: body_timeout $r" || bad "metrics: body_timeout ${r:-none}"

# --- many streams, many connections -----------------------------------------------------------
h2load -n 20000 -c 4 -m 1000 -d $W/good.json -H 'content-type: application/json' $SEC/get-authentication >$W/h1.txt 2>&1 || true
check "h2load -m 1000: every request 2xx (the server caps at max-streams)" 20000 "$(sed -n 's/.*status codes: \([0-9]*\) 2xx.*/\1/p' $W/h1.txt)"
alive_adm "h2load -m 1000"
h2load -n 5000 -c 500 -m 4 -d $W/good.json -H 'content-type: application/json' $SEC/get-authentication >$W/h2.txt 2>&1 || true
echo "     h2load -c 500: $(grep -E '^requests:' $W/h2.txt)"
if [ $LIM = 1 ]; then
	r=$(rejected $AMP connection_limit)
	[ "${r:-0}" -ge 1 ] && ok "-c 500 over max-connections 300: $r connections refused (GOAWAY)" || bad "connection_limit: ${r:-none}"
	n2=$(sed -n 's/.*status codes: \([0-9]*\) 2xx.*/\1/p' $W/h2.txt)
	[ "${n2:-0}" -ge 1 ] && ok "-c 500: the admitted connections were served ($n2 2xx)" || bad "-c 500: nothing served"
else
	check "h2load -c 500: every request 2xx" 5000 "$(sed -n 's/.*status codes: \([0-9]*\) 2xx.*/\1/p' $W/h2.txt)"
fi
alive_adm "h2load -c 500"

# --- clients that read nothing, idle connections -----------------------------------------------
# SETTINGS_INITIAL_WINDOW_SIZE 0 and 120 requests: every response waits on the client.
HOLD=$([ $LIM = 1 ] && echo 6 || echo 4)
SLOW=()
for i in 1 2 3 4 5 6 7 8; do abuse $AP slow-read $P 120 $HOLD >$W/slow$i.txt & SLOW+=($!); done
sleep 1
RSSM=$(rss $ADMPID)
for p in "${SLOW[@]}"; do wait $p 2>/dev/null || true; done
out=$(cat $W/slow1.txt)
if [ $LIM = 1 ]; then
	[[ $out =~ closed=1 ]] && ok "client reading nothing: closed after idle-timeout ($out)" || bad "slow reader not closed: $out"
	out=$(abuse $AP idle / 0 6)
	[[ $out =~ goaway=NO_ERROR.*closed=1 ]] && ok "idle connection: GOAWAY(NO_ERROR) + close ($out)" || bad "idle: $out"
else
	ok "8 clients reading nothing, 120 streams each: RSS $RSSM kB while held ($out)"
fi
alive_adm "slow readers"

# --- overload: 503 NF_CONGESTION + Retry-After, the handler not called ----------------------------
if [ $LIM = 1 ]; then
	echo "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randD\":\"$D1\"}" >$W/sk.json
	h2load -n 20000 -c 16 -m 64 -d $W/sk.json -H 'content-type: application/json' $SEC/get-session-key >$W/h3.txt 2>&1 &
	HL=$!
	got=""
	for _ in $(seq 1 200); do
		c=$(curl -sS --max-time 5 --http2-prior-knowledge -o $W/o.json -D $W/oh.txt -w '%{http_code}' -X POST \
			-H 'content-type: application/json' --data-binary @$W/sk.json $SEC/get-session-key 2>/dev/null) || true
		if [ "$c" = 503 ]; then got=$c; break; fi
	done
	wait $HL || true
	n5=$(sed -n 's/.*status codes: .* \([0-9]*\) 5xx.*/\1/p' $W/h3.txt)
	echo "     overload: $(grep -E '^status codes' $W/h3.txt)"
	[ "${n5:-0}" -ge 1 ] && ok "overload (max-pending 4): $n5 answers 503" || bad "overload: no 503 ($(grep 'status codes' $W/h3.txt))"
	if [ "$got" = 503 ]; then
		check "503 cause" NF_CONGESTION "$(jq -r .cause $W/o.json)"
		ra=$(grep -i '^retry-after:' $W/oh.txt | tr -d '\r' | awk '{print $2}')
		[[ $ra =~ ^[0-9]+$ ]] && ok "503 Retry-After: $ra s" || bad "503 without Retry-After"
	else
		bad "no 503 seen by a probe during the overload"
	fi
	r=$(rejected $AMP overload); [ "${r:-0}" -ge 1 ] && ok "metrics: overload $r" || bad "metrics: overload ${r:-none}"
	check "no request left pending" 0 "$(metric $AMP aiot_sbi_requests_pending)"
	alive_adm "overload"
else
	echo "     overload case skipped: needs limits.max-pending in aiot-adm"
fi

# --- memory ------------------------------------------------------------------------------------
sleep 1
RSS1=$(rss $ADMPID)
echo "     aiot-adm RSS: before $RSS0 kB, peak-ish $RSSM kB, after $RSS1 kB, growth $((RSS1 - RSS0)) kB (bound $RSS_BOUND_KB kB)"
# Under AddressSanitizer RSS is no measure of leaks: its allocator quarantine keeps up to
# 256 MB of freed memory by design (LeakSanitizer checks leaks at exit instead). The bound is
# asserted on the release build.
if [ $SANITIZED = 1 ]; then
	ok "aiot-adm RSS +$((RSS1 - RSS0)) kB under ASan (quarantine; bound asserted in the release build)"
else
	[ $((RSS1 - RSS0)) -lt $RSS_BOUND_KB ] && ok "aiot-adm memory bounded: +$((RSS1 - RSS0)) kB" || bad "aiot-adm RSS grew $((RSS1 - RSS0)) kB"
fi
curl -s http://127.0.0.1:$AMP/metrics | grep '^aiot_sbi_streams_rejected_total' | sed 's/^/     /'

# --- memory budget and stalled answers (zero window + PING), TLS handshakes ---------------------
if [ $LIM = 1 ]; then
	# 8 clients hold their stream windows at 0 and PING every 0.5 s, with 100 requests each for
	# the 214 KB AF authorization data (160 MB of answers): beyond max-conn-memory 1 MiB per
	# connection / max-memory 8 MiB in all the requests get 503, and an answer that cannot
	# move for idle-timeout (3 s) closes its connection, PINGs or not.
	AF=/nadm-dm/v1/af-authorization-data
	SLACK=$([ $SANITIZED = 1 ] && echo 5 || echo 0) # seconds more under ASan, for the deadlines
	asz=$(curl -sS --max-time 10 --http2-prior-knowledge -o /dev/null -w '%{size_download}' http://127.0.0.1:$AP$AF)
	R0=$(rss $ADMPID); RMAX=$R0; BMAX=0; ZW=()
	for i in 1 2 3 4 5 6 7 8; do abuse $AP zero-window $AF 100 15 >$W/zw$i.txt & ZW+=($!); done
	while :; do
		n=0; for p in "${ZW[@]}"; do kill -0 $p 2>/dev/null && n=$((n + 1)); done
		[ $n = 0 ] && break
		r=$(rss $ADMPID); [ "$r" -gt $RMAX ] && RMAX=$r
		b=$(metric $AMP aiot_sbi_buffered_bytes); [ "${b:-0}" -gt $BMAX ] && BMAX=${b:-0}
		sleep 0.1
	done
	nc=0; tmax=0
	for i in 1 2 3 4 5 6 7 8; do
		out=$(cat $W/zw$i.txt); t=$(echo "$out" | field t)
		[[ $out =~ closed=1 ]] && nc=$((nc + 1))
		tmax=$(awk -v a="$tmax" -v b="${t:-99}" 'BEGIN {print (b > a ? b : a)}')
	done
	echo "     zero window + PING: $(cat $W/zw1.txt); answers of $asz B; buffered peak $BMAX B; RSS $R0 -> peak $RMAX kB"
	check "zero window + PING: the 8 connections closed" 8 $nc
	awk -v t="$tmax" -v s=$SLACK 'BEGIN {exit !(t < 7 + s)}' && ok "zero window + PING: closed within $tmax s (idle-timeout 3 s)" ||
		bad "zero window + PING: closed only after $tmax s"
	# the bound: max-memory, plus one answer per worker admitted just under it, plus the 503
	# ProblemDetails (under 400 B each), which wait behind the zero window too
	[ $BMAX -le $((8388608 + 2 * asz + 800 * 400)) ] && ok "zero window: buffered answers peak $BMAX B <= max-memory + 2 answers + the 503s" ||
		bad "zero window: buffered answers $BMAX B over the budget"
	if [ $SANITIZED = 1 ]; then
		ok "zero window: RSS +$((RMAX - R0)) kB under ASan (bound asserted in the release build)"
	else
		[ $((RMAX - R0)) -lt 24576 ] && ok "zero window: ADM RSS +$((RMAX - R0)) kB at the peak (bound 24 MB)" ||
			bad "zero window: ADM RSS grew $((RMAX - R0)) kB"
	fi
	r=$(rejected $AMP memory_budget); [ "${r:-0}" -ge 1 ] && ok "metrics: memory_budget $r" || bad "metrics: memory_budget ${r:-none}"
	r=$(rejected $AMP stalled); [ "${r:-0}" -ge 1 ] && ok "metrics: stalled $r" || bad "metrics: stalled ${r:-none}"
	for _ in $(seq 50); do [ "$(metric $AMP aiot_sbi_buffered_bytes)" = 0 ] && break; sleep 0.1; done
	check "no answer left buffered" 0 "$(metric $AMP aiot_sbi_buffered_bytes)"
	alive_adm "zero window + PING"

	# TLS: a handshake deadline from accept (handshake-timeout-ms 2 s) that a ClientHello
	# trickled at a byte per 0.5 s does not move, and 20 half-open handshakes against
	# max-connections 8: the oldest give way to new connections, a genuine client is served.
	"$AIOT" provision --store sqlite:$W/tls.db --kek-file $W/kek2 --count 3 --group shelf --out $W/t.jsonl 2>>$W/prov.log
	"$AIOT" pki --out $W/pki --names adm >/dev/null 2>&1
	# the configuration above, on its own store, with one worker (the cap is per worker)
	sed -e "s|sqlite:.*|sqlite:$W/tls.db|" -e "s|^kek-file: .*|kek-file: $W/kek2|" -e 's/^workers: .*/workers: 1/' \
		-e '/^limits:/,$d' $W/adm.yaml >$W/adm-tls.yaml
	cat >>$W/adm-tls.yaml <<YAML
tls:
  cert: $W/pki/adm.crt
  key: $W/pki/adm.key
limits:
  max-connections: 8
  handshake-timeout-ms: 2000
YAML
	start_daemon $W/adm-tls.log "$B/aiot-adm" -c $W/adm-tls.yaml
	TPID=$LASTPID; TP=$PORT; TMP=$MPORT
	tget() { curl -sS --max-time 5 --cacert $W/pki/ca.crt -o /dev/null -w '%{http_code} %{http_version}' \
		https://localhost:$TP$AF 2>/dev/null || true; }
	TS="/usr/bin/python3 $S/tests/tools/tls_slow.py"
	check "TLS: a genuine client (curl, TLS 1.3, h2)" "200 2" "$(tget)"
	out=$($TS 127.0.0.1 $TP trickle 0.5 12); t=$(echo "$out" | field t)
	[[ $out =~ closed=1 ]] && awk -v t="$t" -v s=$SLACK 'BEGIN {exit !(t < 4.5 + s)}' &&
		ok "TLS: ClientHello trickled a byte per 0.5 s: closed at $t s (deadline 2 s; $out)" ||
		bad "TLS: trickled ClientHello not closed at the deadline: $out"
	$TS 127.0.0.1 $TP halfopen 20 12 >$W/ho.txt &
	HO=$!
	for _ in $(seq 100); do grep -q opened $W/ho.txt && break; sleep 0.1; done
	check "TLS: 20 half-open handshakes over max-connections 8: a genuine client is served" "200 2" "$(tget)"
	wait $HO || true
	out=$(tail -1 $W/ho.txt); t=$(echo "$out" | field t)
	[[ $out =~ closed=20 ]] && awk -v t="$t" -v s=$SLACK 'BEGIN {exit !(t < 4.5 + s)}' &&
		ok "TLS: the 20 half-open handshakes closed within $t s ($out)" || bad "TLS: half-open handshakes held: $out"
	r=$(rejected $TMP connection_limit); [ "${r:-0}" -ge 12 ] && ok "metrics: connection_limit $r (oldest handshakes closed)" ||
		bad "metrics: connection_limit ${r:-none}"
	r=$(rejected $TMP handshake_timeout); [ "${r:-0}" -ge 2 ] && ok "metrics: handshake_timeout $r" ||
		bad "metrics: handshake_timeout ${r:-none}"
	check "TLS: a genuine client after the attack" "200 2" "$(tget)"
	kill $TPID; wait $TPID 2>/dev/null; check "TLS aiot-adm exits 0" 0 $?
fi

# --- the AIOTF ---------------------------------------------------------------------------------
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$AP --metrics 127.0.0.1:0
FP=$PORT; FMP=$MPORT; FPID=$LASTPID
N=http://127.0.0.1:$FP/naiotf-aiot/v1
U="\"afId\":\"af-abuse\",\"notifUri\":\"http://127.0.0.1:9/cb\""
AREA='"targetArea":{"areaIds":[{"plmnId":{"mcc":"001","mnc":"01"},"aiotAreaCode":"00ab12"}]}'
alive_aiotf() {
	local r
	kill -0 $FPID 2>/dev/null || { bad "$1: aiot-aiotf died"; return; }
	r=$(h2post $N/request-inv "{$U,$AREA}")
	[ "${r%% *}" = 200 ] && [ "$(echo "${r#* }" | jq -r .transId)" != null ] || bad "$1: then a normal request-inv failed: ${r:0:200}"
}
fpd() { # name status cause body
	local c
	c=$(curl -sS --max-time 20 --http2-prior-knowledge -o $W/e.json -w '%{http_code}' -X POST \
		-H 'content-type: application/json' --data-binary "$4" $N/request-inv 2>/dev/null) || true
	check "AIOTF: $1" "$2 $3" "$c $(jq -r '.cause // "-"' $W/e.json 2>/dev/null | head -1)"
	alive_aiotf "$1"
}
for _ in 1 2 3; do h2post $N/request-inv "{$U,$AREA}" >/dev/null; done
FRSS0=$(rss $FPID)
fpd "malformed JSON -> 400" 400 INVALID_MSG_FORMAT '{"afId":'
r=$(h2post $N/request-inv "{\"afId\":5,\"notifUri\":\"http://127.0.0.1:9/cb\",$AREA}")
check "AIOTF: afId wrong type -> 400 ProblemDetails" "400 400" "${r%% *} $(echo "${r#* }" | jq -r .status)"
alive_aiotf "wrong type"
fpd "extra field ignored -> 200" 200 - "{$U,$AREA,\"x-extra\":[1,{\"b\":2}]}"
head -c 5000000 /dev/zero | tr '\0' a | sed 's/^/{"pad":"/; s/$/"}/' >$W/big.json
c=$(curl -sS --max-time 20 --http2-prior-knowledge -o $W/e.json -w '%{http_code}' -X POST -H 'content-type: application/json' \
	--data-binary @$W/big.json $N/request-inv 2>/dev/null) || true
check "AIOTF: 5 MB body -> 413" "413 -" "$c $(jq -r '.cause // "-"' $W/e.json 2>/dev/null)"
alive_aiotf "5 MB body"
NP=/naiotf-aiot/v1/request-inv
frun() { local name=$1 re=$2 out; shift 2; out=$(abuse $FP "$@"); [[ $out =~ $re ]] && ok "AIOTF $name: ${out#*: }" || bad "AIOTF $name: $out"; alive_aiotf "$name"; }
frun "HPACK bomb" 'status=431|rst=[A-Z_]+|closed=1' hpack-bomb $NP 10000 2
frun "CONTINUATION flood" 'closed=1|goaway=[A-Z_]+' continuation-flood $NP 100000 3
frun "RST flood" 'goaway=ENHANCE_YOUR_CALM|closed=1' rst-flood $NP 20000 3
frun "content-length 1 GB" 'status=413' trickle $NP 0 5
frun "WINDOW_UPDATE overflow" 'goaway=FLOW_CONTROL_ERROR' window-overflow / 0 2
echo '{"afId":' >$W/badf.json
h2load -n 10000 -c 4 -m 1000 -d $W/badf.json -H 'content-type: application/json' $N/request-inv >$W/h4.txt 2>&1 || true
check "AIOTF h2load -m 1000 of bad requests: every one answered 400" 10000 "$(sed -n 's/.*status codes: .* \([0-9]*\) 4xx.*/\1/p' $W/h4.txt)"
alive_aiotf "h2load"
sleep 1
FRSS1=$(rss $FPID)
echo "     aiot-aiotf RSS: before $FRSS0 kB, after $FRSS1 kB, growth $((FRSS1 - FRSS0)) kB"
if [ $SANITIZED = 1 ]; then
	ok "aiot-aiotf RSS +$((FRSS1 - FRSS0)) kB under ASan (quarantine; bound asserted in the release build)"
else
	[ $((FRSS1 - FRSS0)) -lt $RSS_BOUND_KB ] && ok "aiot-aiotf memory bounded: +$((FRSS1 - FRSS0)) kB" || bad "aiot-aiotf RSS grew $((FRSS1 - FRSS0)) kB"
fi

kill $FPID; wait $FPID 2>/dev/null; check "aiot-aiotf exits 0 after the battery" 0 $?
kill $ADMPID; wait $ADMPID 2>/dev/null; check "aiot-adm exits 0 after the battery" 0 $?
finish
