#!/usr/bin/env bash
# Hostile notifUris against the real aiot-aiotf (docs/security.md "Notifications"): refused
# schemes, hosts and networks (400 MANDATORY_IE_INCORRECT), a name resolving into a refused
# network; thousands of distinct authorities that never answer (descriptors stay under
# notify.max-destinations, measured in /proc/PID/fd); one destination that never reads
# (queue bounded, drops counted, RSS bounded); a genuine AF served throughout.
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf aiot; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 0; }

"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 1 --group g --out $W/d.jsonl 2>$W/prov.log
echo '{"afAuthData":{"af-good":{"afId":"af-good","allowedServiceOperations":["INVENTORY"]},
 "af-evil":{"afId":"af-evil","allowedServiceOperations":["INVENTORY"]},
 "af-evil2":{"afId":"af-evil2","allowedServiceOperations":["INVENTORY"]}}}' >$W/af.json
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek \
	--workers 1 --af-auth $W/af.json
APORT=$PORT
start_daemon $W/af.log "$B/aiot" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT
# Never reads: a listener whose connections are never accepted (the kernel completes them).
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("0.0.0.0", 0)); s.listen(4096)
print(s.getsockname()[1], flush=True); time.sleep(3600)' >$W/hole.port &
PIDS+=("$!")
for _ in $(seq 1 50); do [ -s $W/hole.port ] && break; sleep 0.1; done
HOLE=$(cat $W/hole.port)

MAXD=24; PERAF=16; DQ=65536; TQ=98304
# A CA for https notifUris, so that https is refused by notify.schemes, not for want of one.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $W/ca.key \
	-out $W/ca.crt -subj /CN=notify-test -days 1 2>/dev/null
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$APORT --metrics 127.0.0.1:0 --af-auth-ttl-ms 600000 \
	--max-transactions 100000 --notif-ca $W/ca.crt --notify-schemes http --notify-networks 127.0.0.0/8 \
	--notify-max-destinations $MAXD --notify-max-destinations-per-af $PERAF --notify-dest-queue-bytes $DQ \
	--notify-queue-bytes $TQ
N=http://127.0.0.1:$PORT/naiotf-aiot/v1; AM=$MPORT; APID=$LASTPID
metric() { curl -s http://127.0.0.1:$AM/metrics | awk -v k="$1" '$1==k {print $2}'; }
AREA='"targetArea":{"areaIds":[{"plmnId":{"mcc":"001","mnc":"01"},"aiotAreaCode":"00ab12"}]}'
inv() { echo "{\"afId\":\"$1\",\"notifUri\":\"$2\",$AREA}"; }
# refused URL [AIOTF] -> "STATUS CAUSE"
refused() { local r; r=$(h2post ${2:-$N}/request-inv "$(inv af-good "$1")"); echo "${r%% *} $(echo "${r#* }" | jq -r .cause)"; }
fds() { ls /proc/$1/fd | wc -l; }
rss() { awk '/VmRSS/ {print $2}' /proc/$1/status; }

# --- policy ------------------------------------------------------------------------------
rc=0; "$B/aiot-aiotf" --adm http://127.0.0.1:1 --notify-networks 10.0.0.0/33 2>$W/bad.log || rc=$?
check "notify.networks 10.0.0.0/33: configuration error (exit 2)" 2 $rc
grep -q "notifUri: schemes http, hosts any, networks listed" $W/aiotf.log && ok "policy logged at start" || bad "policy not logged"
P="400 MANDATORY_IE_INCORRECT"
check "scheme outside notify.schemes" "$P" "$(refused https://127.0.0.1:$AFPORT/cb)"
check "10.0.0.0/8 outside notify.networks" "$P" "$(refused http://10.1.2.3:80/cb)"
check "cloud metadata address" "$P" "$(refused http://169.254.169.254/latest/meta-data)"
check "IPv6 loopback outside 127.0.0.0/8" "$P" "$(refused http://[::1]:$AFPORT/cb)"
check "IPv4-mapped IPv6 of 10.1.2.3" "$P" "$(refused http://[::ffff:10.1.2.3]:80/cb)"
detail=$(h2post $N/request-inv "$(inv af-good http://10.1.2.3/cb)" | cut -d' ' -f2- | jq -r .detail)
check "detail names the rule" 1 "$(echo "$detail" | grep -c 'notify.networks')"
check "refusals counted" 6 "$(metric 'aiot_aiotf_notif_refused_total{reason="policy"}')"

# The default (no notify.* keys) with the SBI on all interfaces: public unicast only. A name
# is resolved once and its address checked: localhost leads to loopback, refused.
start_daemon $W/aiotf2.log "$B/aiot-aiotf" --listen 0.0.0.0:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$APORT --notify-hosts 'localhost,*.example.com,192.0.2.1,127.0.0.1'
N2=http://127.0.0.1:$PORT/naiotf-aiot/v1
grep -q "networks public;" $W/aiotf2.log && ok "default: public networks only" || bad "default policy: $(grep notifUri: $W/aiotf2.log)"
check "default: loopback literal refused" "$P" "$(refused http://127.0.0.1:$AFPORT/cb $N2)"
check "hosts: a name not listed refused" "$P" "$(refused http://evil.example.org:80/cb $N2)"
check "a listed name resolving to loopback refused" "$P" "$(refused http://localhost:$AFPORT/cb $N2)"
detail=$(h2post $N2/request-inv "$(inv af-good http://localhost:$AFPORT/cb)" | cut -d' ' -f2- | jq -r .detail)
check "detail: resolved address" 1 "$(echo "$detail" | grep -c 'resolves to an address outside')"
check "default: documentation network refused (listed host)" "$P" "$(refused http://192.0.2.1/cb $N2)"

# --- genuine AF: delivered ---------------------------------------------------------------
GOOD=$(inv af-good http://127.0.0.1:$AFPORT/good)
good_round() { # -> number of genuine transactions whose last notification arrived
	local ids=() r
	for _ in 1 2 3; do
		r=$(h2post $N/request-inv "$GOOD"); [ "${r%% *}" = 200 ] || { echo "refused: $r" >&2; continue; }
		ids+=("$(echo "${r#* }" | jq -r .transId)")
	done
	for _ in $(seq 1 200); do
		local n=0; for t in "${ids[@]}"; do grep -q "\"transId\":\"$t\".*\"lastRepInd\":true" $W/notifs.jsonl 2>/dev/null && n=$((n + 1)); done
		[ $n = 3 ] && break; sleep 0.1
	done
	echo $n
}
check "genuine AF before the attacks: 3 of 3 delivered" 3 "$(good_round)"
FD0=$(fds $APID); RSS0=$(rss $APID)

# --- thousands of distinct authorities that never answer ---------------------------------
# One curl, 2,000 HTTP/2 requests of af-evil, each naming its own 127.0.x.y:HOLE.
K=2000
AREA="$AREA" awk -v K=$K -v url="$N/request-inv" -v hole=$HOLE 'BEGIN {
	area = ENVIRON["AREA"]; gsub(/"/, "\\\"", area)
	for (i = 1; i <= K; i++) {
		printf "url = \"%s\"\n", url
		printf "data = \"{\\\"afId\\\":\\\"af-evil\\\",\\\"notifUri\\\":\\\"http://127.0.%d.%d:%d/x\\\",%s}\"\n", int(i / 250), i % 250 + 1, hole, area
		print "header = \"content-type: application/json\"\noutput = \"/dev/null\"\nwrite-out = \"%{http_code}\\n\""
		if (i < K) print "next"
	}}' >$W/many.cfg
curl -sS --http2-prior-knowledge -Z --parallel-max 64 -K $W/many.cfg >$W/many.codes 2>$W/many.err || true
ok "$(sort $W/many.codes | uniq -c | tr '\n' ' ')(HTTP status of the $K requests)"
check "attacker AF: $PERAF destinations accepted (notify.max-destinations-per-af)" $PERAF "$(grep -c '^200' $W/many.codes)"
check "the rest refused 503" $((K - PERAF)) "$(grep -c '^503' $W/many.codes)"
FD1=$(fds $APID)
echo "     descriptors of aiot-aiotf: $FD0 before, $FD1 during ($K authorities, cap $MAXD)"
check "descriptors bounded by notify.max-destinations" 1 $((FD1 - FD0 <= MAXD))
check "destinations gauge within the cap" 1 $(($(metric aiot_aiotf_notif_destinations) <= MAXD))
check "genuine AF during the attack: 3 of 3 delivered" 3 "$(good_round)"

# --- one destination that never reads ----------------------------------------------------
# A second hostile AF (af-evil's share is still held by its unanswered POSTs).
inv af-evil2 "http://127.0.0.1:$HOLE/hole" >$W/hole.json
D0=$(metric 'aiot_aiotf_notifications_total{result="dropped"}'); Q0=$(metric aiot_aiotf_notif_queued_bytes)
h2load -n 3000 -c 4 -m 32 -d $W/hole.json -H 'content-type: application/json' $N/request-inv >$W/h2load.log 2>&1 || true
ok "h2load: $(grep -m1 '^requests:' $W/h2load.log) | $(grep -m1 '^status codes:' $W/h2load.log)"
for _ in $(seq 1 100); do [ "$(metric 'aiot_aiotf_notifications_total{result="dropped"}')" -gt "$D0" ] && break; sleep 0.1; done
Q=$(( $(metric aiot_aiotf_notif_queued_bytes) - Q0 )); DR=$(( $(metric 'aiot_aiotf_notifications_total{result="dropped"}') - D0 ))
LDR=$(metric aiot_aiotf_notif_last_dropped_total); RSS1=$(rss $APID)
echo "     never-reading destination: $Q bytes queued (cap $DQ), $DR dropped ($LDR lastRepInd), RSS ${RSS0} -> ${RSS1} kB"
check "queue bounded by notify.dest-queue-bytes" 1 $((Q <= DQ))
check "drops counted" 1 $((DR > 1000))
check "lost lastRepInd counted" 1 $((LDR >= DR))
check "drops logged once per episode" 1 "$(grep -c 'queue full' $W/aiotf.log)"
# (AddressSanitizer keeps freed memory in quarantine: RSS says nothing there.)
[ $SANITIZED = 1 ] || check "RSS grew by less than 16 MB" 1 $((RSS1 - RSS0 < 16384))
# A second one: the total bound (notify.queue-bytes) stops it short of its own.
inv af-evil2 "http://127.0.0.2:$HOLE/hole" >$W/hole2.json
h2load -n 1000 -c 2 -m 32 -d $W/hole2.json -H 'content-type: application/json' $N/request-inv >$W/h2load2.log 2>&1 || true
QT=$(metric aiot_aiotf_notif_queued_bytes)
echo "     two never-reading destinations: $QT bytes queued in all (cap $TQ)"
check "total queue bounded by notify.queue-bytes" 1 $((QT <= TQ && QT > DQ))
check "genuine AF during the never-reading destinations: 3 of 3 delivered" 3 "$(good_round)"
kill -0 $APID && ok "aiot-aiotf survived" || bad "aiot-aiotf died"
finish
