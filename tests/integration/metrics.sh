#!/usr/bin/env bash
# /metrics of the real aiot-adm and aiot-aiotf after real traffic (curl, and the AIOTF's own
# ADM client driven by an inventory through aiot-reader and aiot-devsim): the exposition
# format checked by promtool and by a strict checker (every family typed, no series twice,
# histograms cumulative and ending in +Inf = _count), aiot_build_info, and a latency histogram
# per SBI operation whose counts follow the requests sent. Then hostile clients of the ADM's
# /metrics listener (issue 11 item 5): an endless request head, a body, 200 idle connections and
# accept() at EMFILE, each bounded while a normal scrape is still answered.
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf aiot-reader aiot-devsim; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done

# strict_check < page: prints the problems found, nothing when the page is valid.
strict_check() {
	awk '
	function fail(m) { print "line " NR ": " m; bad = 1 }
	/^# TYPE / { if ($3 in type) fail("second TYPE for " $3); type[$3] = $4; next }
	/^#/ || /^$/ { next }
	{
		series = $1; name = series; sub(/\{.*/, "", name)
		if (series in seen) fail("series twice: " series); seen[series] = 1
		fam = name
		if (!(fam in type)) {
			sub(/_(bucket|sum|count)$/, "", fam)
			if (type[fam] != "histogram" && type[fam] != "summary") { fail("no TYPE for " name); next }
		}
		if ($2 !~ /^[0-9.e+-]+$/ && $2 != "+Inf" && $2 != "NaN") fail("bad value: " $0)
		if (type[fam] != "histogram") next
		key = series; sub(/,?le="[^"]*"/, "", key); sub(/_(bucket|sum|count)(\{\})?/, "", key)
		sub(/\{\}$/, "", key)
		if (name ~ /_bucket$/) {
			if (series !~ /le="/) fail("bucket without le: " series)
			if ((key in last) && $2 + 0 < last[key]) fail("bucket decreases: " series)
			last[key] = $2 + 0; lastle[key] = series
		} else if (name ~ /_count$/) {
			if (lastle[key] !~ /le="\+Inf"/) fail("buckets do not end with +Inf: " key)
			else if ($2 + 0 != last[key]) fail("+Inf " last[key] " != _count " $2 " for " key)
			counted[key] = 1
		} else if (name ~ /_sum$/) {
			summed[key] = 1
		}
	}
	END {
		for (k in last) if (!(k in counted) || !(k in summed)) { print "histogram without _sum/_count: " k; bad = 1 }
		exit bad
	}'
}
# the checker itself must refuse what it is meant to find
bad_pages=(
	$'# TYPE a counter\na 1\na 1'
	$'b 1'
	$'# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1'
	$'# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1'
	$'# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1'
	$'# TYPE x counter\nx_sum 1'
)
n=0
for p in "${bad_pages[@]}"; do
	echo "$p" | strict_check >/dev/null && bad "checker accepts: $(echo "$p" | tr '\n' '|')" || n=$((n + 1))
done
check "the strict checker refuses every invalid page" ${#bad_pages[@]} $n

# page PORT FILE: fetch, and check with promtool and the strict checker
page() {
	curl -sf http://127.0.0.1:$1/metrics >"$2" || { bad "GET /metrics on $1"; return; }
	if command -v promtool >/dev/null; then
		promtool check metrics <"$2" >$W/promtool.out 2>&1 && ok "promtool check metrics: $(basename "$2")" ||
			bad "promtool on $(basename "$2"): $(head -c 600 $W/promtool.out)"
	else
		echo "promtool not installed (scripts/deps.sh installs it): strict checker only"
	fi
	local out; out=$(strict_check <"$2") && ok "strict format check: $(basename "$2")" ||
		bad "format of $(basename "$2"): $out"
}
val() { awk -v k="$2" '$1==k {print $2}' "$1"; }
opcount() { val "$1" "aiot_sbi_request_duration_seconds_count{op=\"$2\"}"; }

"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 5 --group shelf-m --out $W/d.jsonl 2>$W/prov.log
ID=$(head -1 $W/d.jsonl | jq -r .aiotDevPermId)
echo '{"afAuthData":{"af-m":{"afId":"af-m","allowedServiceOperations":["INVENTORY","READ","WRITE"]}}}' >$W/af.json
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek \
	--workers 2 --metrics 127.0.0.1:0 --af-auth $W/af.json
APORT=$PORT; AM=$MPORT; APID=$LASTPID
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$APORT --metrics 127.0.0.1:0 --inventory-timeout-ms 3000
FPORT=$PORT; FM=$MPORT
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf.log)

# --- ADM: a few requests of known operations ----------------------------------------------
page $AM $W/adm0.txt
SEC=http://127.0.0.1:$APORT/nadm-sec/v1
for _ in 1 2 3; do h2post $SEC/get-rand "" >/dev/null; done
RN=$(rand16); D=$(rand16)
h2post $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randDlist\":[\"$D\"]}" >/dev/null
h2post $SEC/get-authentication "{\"aiotDevPermId\":\"AAAAAAAAAAAAAAAA\",\"randN\":\"$RN\",\"randDlist\":[\"$D\"]}" >/dev/null
curl -s --http2-prior-knowledge -o /dev/null \
	"http://127.0.0.1:$APORT/nadm-dm/v1/aiot-device-profile-data/$(urlenc "$ID")"
h2post $SEC/get-nothing "{}" >/dev/null
page $AM $W/adm1.txt
d() { echo $(( $(opcount $2 $3) - $(opcount $1 $3) )); }
check "ADM: get-rand histogram counts 3" 3 "$(d $W/adm0.txt $W/adm1.txt get-rand)"
check "ADM: get-authentication counts 2 (200 and 404)" 2 "$(d $W/adm0.txt $W/adm1.txt get-authentication)"
check "ADM: dm-profile-get counts 1" 1 "$(d $W/adm0.txt $W/adm1.txt dm-profile-get)"
check "ADM: an unknown path counts as other" 1 "$(d $W/adm0.txt $W/adm1.txt other)"
check "ADM: get-rand +Inf bucket = _count" "$(opcount $W/adm1.txt get-rand)" \
	"$(val $W/adm1.txt 'aiot_sbi_request_duration_seconds_bucket{op="get-rand",le="+Inf"}')"
check "ADM: every operation has its histogram (10 operations and other)" 11 \
	"$(grep -c '^aiot_sbi_request_duration_seconds_count{op=' $W/adm1.txt)"
grep -q '^aiot_build_info{version="[0-9][^"]*",openssl="[^"]*",nghttp2="[^"]*",libevent="[^"]*"} 1$' $W/adm1.txt &&
	ok "ADM: aiot_build_info" || bad "ADM: no aiot_build_info: $(grep build_info $W/adm1.txt)"

# --- AIOTF: Naiotf requests, and an inventory through a reader (the ADM client at work) ----
"$B/aiot-devsim" --devices $W/d.jsonl --air-listen 127.0.0.1:0 2>$W/sim.log &
PIDS+=("$!")
for _ in $(seq 1 100); do grep -q "air on" $W/sim.log && break; sleep 0.1; done
AIR=$(sed -n 's/.*air on \([0-9.]*:[0-9]*\).*/\1/p' $W/sim.log | head -1)
"$B/aiot-reader" --aiotf 127.0.0.1:$NG --ng-transport tcp --air $AIR --round-timeout-ms 300 2>$W/reader.log &
PIDS+=("$!")
fm() { curl -s http://127.0.0.1:$FM/metrics | awk -v k="$1" '$1==k {print $2}'; }
for _ in $(seq 1 100); do [ "$(fm aiot_aiotf_readers_connected)" = 1 ] && break; sleep 0.1; done
check "reader connected" 1 "$(fm aiot_aiotf_readers_connected)"
page $FM $W/f0.txt
NAIOTF=http://127.0.0.1:$FPORT/naiotf-aiot/v1
AREA='"targetArea":{"areaIds":[{"plmnId":{"mcc":"001","mnc":"01"},"aiotAreaCode":"00ab12"}]}'
for _ in 1 2; do
	h2post $NAIOTF/request-inv "{\"afId\":\"af-m\",\"notifUri\":\"http://127.0.0.1:9/cb\",$AREA}" >/dev/null
done
h2post $NAIOTF/request-cmd "{\"afId\":\"af-m\"}" >/dev/null
h2post $NAIOTF/request-xyz "{}" >/dev/null
# the ADM client's histogram moves with the inventories (poll: they run asynchronously)
for _ in $(seq 1 100); do [ "$(fm aiot_aiotf_adm_request_duration_seconds_count)" -gt 0 ] && break; sleep 0.1; done
page $FM $W/f1.txt
check "AIOTF: request-inv counts 2" 2 "$(d $W/f0.txt $W/f1.txt request-inv)"
check "AIOTF: request-cmd counts 1 (a 400)" 1 "$(d $W/f0.txt $W/f1.txt request-cmd)"
check "AIOTF: an unknown operation counts as other" 1 "$(d $W/f0.txt $W/f1.txt other)"
n=$(val $W/f1.txt aiot_aiotf_adm_request_duration_seconds_count)
[ "${n:-0}" -gt 0 ] && ok "AIOTF: ADM client latency histogram counts $n requests" ||
	bad "AIOTF: ADM client histogram empty: $(grep adm_request $W/f1.txt | tr '\n' '|')"
grep -q '^aiot_build_info{version=' $W/f1.txt && ok "AIOTF: aiot_build_info" || bad "AIOTF: no aiot_build_info"
grep -q 'latency_seconds_sum' $W/f1.txt && bad "AIOTF: a _sum without its histogram" || ok "AIOTF: no lone _sum"
# --- hostile clients of the ADM's /metrics (issue 11 item 5) --------------------------------
MA="/usr/bin/python3 $S/tests/tools/metrics_abuse.py $AM $APID"
scrape() { curl -s -m 10 -o /dev/null -w '%{http_code}' "$@"; }
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
r=$($MA head); echo "     endless head: $r"
[ "$(kv rss_growth_kb "$r")" -lt 2048 ] && ok "a 16 MiB request head is not buffered (RSS +$(kv rss_growth_kb "$r") KB)" ||
	bad "a 16 MiB request head: $r"
case $(kv answer "$r") in 431* | HTTP/1.1_431* | closed) ok "the endless head is refused ($(kv answer "$r"))" ;;
*) bad "the endless head: $r" ;; esac
check "a 9 KiB header: 431" 431 "$(scrape -H "X-Big: $(head -c 9216 /dev/zero | tr '\0' a)" http://127.0.0.1:$AM/metrics)"
check "a request body: 413" 413 "$(scrape -X GET --data-binary x=1 http://127.0.0.1:$AM/metrics)"
check "a chunked body: 413" 413 "$(scrape -X GET -H 'Transfer-Encoding: chunked' --data-binary x=1 http://127.0.0.1:$AM/metrics)"
check "POST: 405" 405 "$(scrape -X POST --data-binary x=1 http://127.0.0.1:$AM/metrics)"
check "another path: 404" 404 "$(scrape http://127.0.0.1:$AM/other)"
check "HEAD: 200" 200 "$(scrape -I http://127.0.0.1:$AM/metrics)"
nfd() { ls /proc/$APID/fd | wc -l; }
NFD0=$(nfd)
r=$($MA conns); echo "     200 idle connections: $r"
[ "$(kv closed "$r")" -ge 136 ] && [ "$(kv fds_held "$r")" -le 64 ] &&
	ok "200 idle connections: $(kv closed "$r") closed, $(kv fds_held "$r") descriptors held" ||
	bad "200 idle connections not capped at 64: $r"
check "a scrape during 200 idle connections" 200 "$(kv scrape "$r")"
# accept() at EMFILE: the listener pauses (one log line) instead of spinning on the backlog
cpu() { awk '{print $14 + $15}' /proc/$APID/stat; }
# (the connections above closed on the daemon's side first, so that the limit leaves no room)
for _ in $(seq 1 100); do [ "$(nfd)" -le "$NFD0" ] && break; sleep 0.1; done
NOFILE=$(prlimit --pid $APID --nofile --output SOFT --noheadings)
prlimit --pid $APID --nofile=$(nfd):
for _ in 1 2 3 4 5 6 7 8; do exec {fd}<>/dev/tcp/127.0.0.1/$AM; FDS+=($fd); done
sleep 0.3
c0=$(cpu); sleep 1; c1=$(cpu)
[ $((c1 - c0)) -le 20 ] && ok "at EMFILE the daemon spends $((c1 - c0)) cs of CPU in 1 s (no spin)" ||
	bad "at EMFILE the daemon spins: $((c1 - c0)) cs of CPU in 1 s"
check "one log line for the EMFILE episode" 1 "$(grep -c 'metrics: accept: .*pausing' $W/adm.log)"
prlimit --pid $APID --nofile=$NOFILE:
for fd in "${FDS[@]}"; do exec {fd}<&-; done
check "a scrape after EMFILE" 200 "$(scrape http://127.0.0.1:$AM/metrics)"
finish
