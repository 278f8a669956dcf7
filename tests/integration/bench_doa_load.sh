#!/usr/bin/env bash
# bench/bench_doa_load (make bench, part doa) against the real aiot-adm: each request a fresh
# RAND_d, so every answer is a 200 the ADM counted as issued; the premise that makes the tool
# necessary (h2load's one body: one 200, then 403 RAND_d reused); its summary lines read like
# h2load's; devices the ADM does not know give 404s and exit 1.
source "$(dirname "$0")/lib.bash"
LOAD=$B/bench_doa_load
[ -x "$LOAD" ] || { bad "bench_doa_load not built"; finish; exit 1; }

"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 20 --out $W/d.jsonl 2>$W/prov.log
"$AIOT" provision --store sqlite:$W/other.db --kek-file $W/kek2 --count 3 --out $W/other.jsonl 2>>$W/prov.log
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek \
	--workers 2 --metrics 127.0.0.1:0
U=http://127.0.0.1:$PORT/nadm-sec/v1/get-doa-authentication
metric() { curl -s http://127.0.0.1:$MPORT/metrics | awk -v k="$1" '$1==k {print $2}'; }
issued() { metric 'aiot_adm_doa_total{result="issued"}'; }

rc=0
"$LOAD" -n 2000 -c 2 -m 8 --devices $W/d.jsonl $U >$W/load.txt 2>&1 || rc=$?
check "bench_doa_load: exit 0" 0 $rc
check "bench_doa_load: every request a 200" "2000 2xx, 0 3xx, 0 4xx, 0 5xx" \
	"$(sed -n 's/^status codes: //p' $W/load.txt)"
grep -Eq '^finished in [0-9.]+s, [0-9.]+ req/s' $W/load.txt && ok "summary line as h2load's" || bad "summary: $(head -1 $W/load.txt)"
check "the ADM issued 2000 MAC_N (fresh RAND_d each)" 2000 "$(issued)"

# h2load repeats one body: the first is answered, the rest refused as a reused RAND_d
ID=$(head -1 $W/d.jsonl | jq -r .aiotDevPermId)
printf '{"aiotDevPermId":"%s","randD":"%s"}' $ID $(openssl rand -hex 16) >$W/one.json
h2load -n 50 -c 2 -m 4 -d $W/one.json -H 'content-type: application/json' $U >$W/h2.txt 2>&1
check "h2load, one body: one 200, then 403" "1 2xx, 0 3xx, 49 4xx, 0 5xx" \
	"$(sed -n 's/.*status codes: //p' $W/h2.txt)"
check "the 403s issued nothing" 2001 "$(issued)"

rc=0
"$LOAD" -n 30 -c 1 -m 4 --devices $W/other.jsonl $U >$W/unknown.txt 2>&1 || rc=$?
check "unknown devices: exit 1" 1 $rc
check "unknown devices: 404 each" "0 2xx, 0 3xx, 30 4xx, 0 5xx" "$(sed -n 's/^status codes: //p' $W/unknown.txt)"
rc=0
"$LOAD" -n 10 http://127.0.0.1 >/dev/null 2>&1 || rc=$?
check "bad URL: usage, exit 2" 2 $rc
finish
