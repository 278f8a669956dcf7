#!/usr/bin/env bash
# The AIOTF's NG listener against peers that connect and do nothing useful
# (docs/security.md T15): links per peer address and in all, the NG Setup deadline, the idle
# timeout, partial frames (before NG Setup and after it: the budget over all links, with the
# AIOTF's RSS measured), and silent set-up links that never acknowledge a paging: the
# genuine aiot-reader keeps being served, on correlation identifiers of its own, and the
# inventory does not wait the inventory timeout for them. tests/tools/ng_abuse plays the
# peers (--bind: source addresses on 127/8).
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf aiot-reader aiot-devsim ng_abuse; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done
ABUSE=$B/ng_abuse
ngport() { sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' "$1"; }
mget() { curl -s http://127.0.0.1:$1/metrics | awk -v k="$2" '$1==k {print $2}'; }
closed() { mget $1 "aiot_aiotf_readers_closed_total{reason=\"$2\"}"; }
wait_metric() { # MPORT NAME VALUE [seconds]
	for _ in $(seq 1 $((${4:-20} * 10))); do [ "$(mget $1 "$2")" = "$3" ] && return 0; sleep 0.1; done
	return 1
}
wait_line() { # FILE PATTERN [seconds]
	for _ in $(seq 1 $((${3:-30} * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
js() { jq -r "select(.event==\"$2\").$3" "$1"; }

# --- a small AIOTF: caps, deadlines (no ADM needed: nothing is paged) -----------------------
start_daemon $W/small.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:9 --metrics 127.0.0.1:0 --ng-max-links 10 --ng-max-links-per-peer 6 \
	--ng-setup-timeout-ms 1500 --ng-idle-timeout-ms 6000
SM=$MPORT; SNG=$(ngport $W/small.log)
echo "# per peer address: 8 links from 127.0.0.2, at most 6"
"$ABUSE" --aiotf 127.0.0.1:$SNG --links 8 --setup --bind 127.0.0.2 --hold-ms 30000 >$W/peer.out 2>$W/peer.err &
APID=$!; PIDS+=("$APID")
wait_line $W/peer.out ready || bad "peer cap: ng_abuse not ready"
check "peer cap: 6 links set up, 2 refused" "6 2" "$(js $W/peer.out ready setup) $(js $W/peer.out ready refused)"
check "peer cap: counted (readers_closed_total{reason=\"peer_cap\"})" 2 "$(closed $SM peer_cap)"
echo "# in all: 12 more links (4 addresses), none sets up; at most 10 links"
t0=$(date +%s%N)
"$ABUSE" --aiotf 127.0.0.1:$SNG --links 12 --bind 127.0.0.3 --per-address 3 --hold-ms 20000 >$W/cap.out 2>$W/cap.err
check "link cap: the 6 set-up links stay" 6 "$(mget $SM aiot_aiotf_readers_connected)"
check "link cap: 8 links without NG Setup made room (reason=\"link_cap\")" 8 "$(closed $SM link_cap)"
check "setup deadline: the last 4 closed (reason=\"setup_timeout\")" 4 "$(closed $SM setup_timeout)"
check "setup deadline: every link closed by the AIOTF" 12 "$(js $W/cap.out summary closed_by_peer)"
ms=$(js $W/cap.out summary last_close_ms)
echo "     the last link without NG Setup closed ${ms} ms after the links were open (deadline 1500 ms)"
[ "$ms" -ge 1000 ] && [ "$ms" -le 10000 ] && ok "setup deadline: closed after ~1.5 s ($ms ms)" || bad "setup deadline: $ms ms"
echo "# idle timeout (6 s here, off by default): the 6 set-up links are closed"
wait $APID || true
check "idle: the 6 links closed by the AIOTF" 6 "$(js $W/peer.out summary closed_by_peer)"
check "idle: counted (reason=\"idle_timeout\")" 6 "$(closed $SM idle_timeout)"
check "idle: no link left" 0 "$(mget $SM aiot_aiotf_ng_links)"

# --- the real system: ADM, AIOTF, devsim, genuine reader -------------------------------------
N=100 # devices, each paged by name: N pagings on every link
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count $N --group shelf-a --out $W/dev.jsonl 2>$W/prov.log
echo '{"afAuthData":{"af-ng":{"afId":"af-ng","allowedServiceOperations":["INVENTORY"]}}}' >$W/af.json
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek \
	--workers 2 --af-auth $W/af.json
APORT=$PORT
start_daemon $W/af.log "$B/aiot" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT
BUDGET=$((16 << 20))
# ms a reader has to acknowledge a paging; the reader's air rounds (100 single-device
# inventories at once are slow under ASan: short rounds there make the tags answer over and over)
ACK=1500 ROUNDTO=300; [ $SANITIZED = 1 ] && ACK=5000 ROUNDTO=3000
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$APORT --metrics 127.0.0.1:0 --inventory-timeout-ms 30000 \
	--ng-buffer-max $BUDGET --ng-ack-timeout-ms $ACK --ng-max-links-per-peer 64
SP=$PORT; MP=$MPORT; AIOTFPID=$LASTPID; NG=$(ngport $W/aiotf.log)
"$B/aiot-devsim" --devices $W/dev.jsonl --air-listen 127.0.0.1:0 2>$W/sim.log &
PIDS+=("$!")
wait_line $W/sim.log "air on" 10 || bad "devsim did not start"
AIR=$(sed -n 's/.*air on \([0-9.]*:[0-9]*\).*/\1/p' $W/sim.log | head -1)
"$B/aiot-reader" --aiotf 127.0.0.1:$NG --ng-transport tcp --air $AIR --round-timeout-ms $ROUNDTO --max-sessions 128 2>$W/reader.log &
PIDS+=("$!")
wait_metric $MP aiot_aiotf_readers_connected 1 || bad "reader did not connect"
rss() { awk '/^VmRSS/ {print $2}' /proc/$AIOTFPID/status; } # kB
# RSS bound (kB): ASan's quarantine keeps freed memory, so there it is measured, not asserted.
rss_le() { # NAME GROWTH_KB BOUND_KB
	if [ $SANITIZED = 1 ]; then echo "     $1: RSS grew $(($2 / 1024)) MiB (ASan: not asserted)"
	elif [ "$2" -le "$3" ]; then ok "$1: RSS grew $(($2 / 1024)) MiB (<= $(($3 / 1024)))"
	else bad "$1: RSS grew $2 kB (bound $3)"; fi
}

echo "# 40 links announce a 4 MiB frame and send 4 000 000 octets of it, before NG Setup"
r0=$(rss)
"$ABUSE" --aiotf 127.0.0.1:$NG --links 40 --half-frame 4000000 --bind 127.0.1.1 --per-address 10 \
	--hold-ms 10000 >$W/half0.out 2>$W/half0.err
check "before NG Setup: every link closed at its frame prefix (> 64 KiB)" 40 \
	"$(( $(js $W/half0.out ready refused) + $(js $W/half0.out summary closed_by_peer) ))"
r1=$(rss)
echo "     RSS $r0 kB -> $r1 kB"
rss_le "before NG Setup" $((r1 - r0)) 8192

echo "# 40 links complete NG Setup, then announce a 4 MiB frame and send 4 000 000 octets of it"
b0=$(closed $MP buffer)
"$ABUSE" --aiotf 127.0.0.1:$NG --links 40 --setup --half-frame 4000000 --bind 127.0.2.1 --per-address 10 \
	--hold-ms 60000 >$W/half1.out 2>$W/half1.err &
HPID=$!; PIDS+=("$HPID")
wait_line $W/half1.out ready 60 || bad "half frames: ng_abuse not ready"
peak=$(rss)
for _ in $(seq 1 10); do r=$(rss); [ "$r" -gt "$peak" ] && peak=$r; sleep 0.1; done
nb=$(( $(closed $MP buffer) - b0 ))
echo "     RSS $r0 kB -> $peak kB with the links held; $nb links closed over the $((BUDGET >> 20)) MiB budget"
[ "$nb" -ge 34 ] && [ "$nb" -le 37 ] && ok "budget: $nb of 40 links closed (reason=\"buffer\"), 3 to 6 fit in 16 MiB" \
	|| bad "budget: $nb links closed"
rss_le "budget (16 MiB + 16 MiB)" $((peak - r0)) $(( (BUDGET >> 10) + 16384 ))
kill $HPID 2>/dev/null || true; wait $HPID 2>/dev/null || true
check "budget: the genuine reader kept its link" 1 "$(mget $MP aiot_aiotf_readers_connected)"

echo "# 700 links complete NG Setup and stay silent: an inventory of $N devices named (70 000 pagings)"
wait_metric $MP aiot_aiotf_ng_links 1 || bad "links of the previous attack still open"
u0=$(closed $MP unacknowledged)
"$ABUSE" --aiotf 127.0.0.1:$NG --links 700 --setup --bind 127.0.3.1 --per-address 50 --hold-ms 120000 \
	>$W/silent.out 2>$W/silent.err &
SPID=$!; PIDS+=("$SPID")
wait_line $W/silent.out ready 60 || bad "silent: ng_abuse not ready"
check "silent: 700 links set up beside the genuine reader" 701 "$(mget $MP aiot_aiotf_readers_connected)"
DEVS=$(jq -s -c '[.[].aiotDevPermId]' $W/dev.jsonl)
t0=$(date +%s%N)
r=$(h2post http://127.0.0.1:$SP/naiotf-aiot/v1/request-inv \
	"{\"afId\":\"af-ng\",\"notifUri\":\"http://127.0.0.1:$AFPORT/cb\",\"targetDevices\":{\"devices\":$DEVS}}")
TID=$(echo "${r#* }" | jq -r .transId)
check "silent: inventory accepted" 200 "${r%% *}"
wait_line $W/notifs.jsonl "\"transId\":\"$TID\".*\"lastRepInd\":true" 120 || bad "silent: no last notification"
el=$(( ($(date +%s%N) - t0) / 1000000 ))
nd=$(grep "\"transId\":\"$TID\"" $W/notifs.jsonl | jq -s '[.[].devicesRepData // [] | .[].deviceId] | unique | length')
echo "     inventory of $N named devices with 700 silent links: $nd reported in $el ms (inventory timeout 30 000 ms)"
check "silent: the genuine reader served every device" $N "$nd"
if [ $SANITIZED = 1 ]; then echo "     (ASan: the inventory's time is measured, not asserted)"
else [ "$el" -lt 20000 ] && ok "silent: the inventory did not wait the inventory timeout ($el ms)" || bad "silent: $el ms"; fi
wait_metric $MP aiot_aiotf_readers_connected 1 30 || bad "silent links not closed"
check "silent: the 700 links closed after 3 unacknowledged pagings (reason=\"unacknowledged\")" 700 \
	$(( $(closed $MP unacknowledged) - u0 ))
wait $SPID 2>/dev/null || true
ms=$(js $W/silent.out summary last_close_ms)
echo "     the last silent link closed $ms ms after the links were set up"
[ "$ms" -gt 0 ] && [ "$ms" -lt 20000 ] && ok "silent: every silent link closed well before the inventory timeout" \
	|| bad "silent: last silent link closed after $ms ms"
kill -0 $AIOTFPID && ok "aiot-aiotf survived" || bad "aiot-aiotf died"
finish
