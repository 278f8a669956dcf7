#!/usr/bin/env bash
# Device-originated access (DO-A) through real aiot-reader + aiot-devsim, no AIOTF:
# tests/tools/doa_aiotf_peer plays the AIOTF's DO-A side with the device keys (OpenSSL, the
# crypto and NAS codecs only: an independent check of the device library). A share of the
# devices (--doa 80%) registers in contended access rounds (collisions retried after a random
# back-off), each delivers its first data in M3 and then two Uplink Data on its period, all
# under one RAN-AIOT-Device-NGAP-ID per device; then a DO-A session rotation makes every
# device register again under new RAN IDs (docs/protocol.md §5.7). Last, end to end with the
# real aiot-aiotf and aiot-adm: 40 DO-A devices (10 privacy, their T-IDs rotated by M4)
# register and their data is delivered.
source "$(dirname "$0")/lib.bash"
SIM=$B/aiot-devsim
READER=$B/aiot-reader
PEER=$B/doa_aiotf_peer
KEK=$W/kek

"$AIOT" provision --store sqlite:$W/dev.db --kek-file $KEK --count 100 --out $W/a.jsonl 2>$W/prov.log
"$AIOT" provision --store sqlite:$W/dev.db --kek-file $KEK --count 30 --suite aes --res-bits 32 --out $W/b.jsonl 2>>$W/prov.log
"$AIOT" provision --store sqlite:$W/dev.db --kek-file $KEK --count 20 --privacy --out $W/c.jsonl 2>>$W/prov.log
cat $W/a.jsonl $W/b.jsonl $W/c.jsonl >$W/devices.jsonl
N=120 # 80% of 150
TIMEOUT=60
[ "$SANITIZED" = 1 ] && TIMEOUT=180

# usage: run NAME "devsim args" "reader args" "peer args"; peer output in $W/NAME.json
run() {
	local name=$1
	"$SIM" --devices $W/devices.jsonl --stats $W/$name.stats.json $2 2>$W/$name.sim.log &
	local spid=$!
	PIDS+=("$spid")
	local aport=""
	for _ in $(seq 1 100); do
		aport=$(sed -n 's/.*air on [^ ]*:\([0-9]*\).*/\1/p' $W/$name.sim.log 2>/dev/null | head -1 || true)
		[ -n "$aport" ] && break
		sleep 0.1
	done
	"$PEER" --keys $W/devices.jsonl --timeout-s $TIMEOUT $4 >$W/$name.json 2>$W/$name.peer.log &
	local ppid=$!
	PIDS+=("$ppid")
	local nport=""
	for _ in $(seq 1 100); do
		nport=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\).*/\1/p' $W/$name.peer.log 2>/dev/null | head -1 || true)
		[ -n "$nport" ] && break
		sleep 0.05
	done
	"$READER" --aiotf 127.0.0.1:$nport --ng-transport tcp --air 127.0.0.1:$aport \
		--metrics 127.0.0.1:0 $3 2>$W/$name.reader.log &
	local rpid=$!
	PIDS+=("$rpid")
	local rc=0
	wait $ppid || rc=$?
	local mport
	mport=$(sed -n 's/.*metrics on port \([0-9]*\).*/\1/p' $W/$name.reader.log | head -1)
	curl -sf http://127.0.0.1:$mport/metrics >$W/$name.reader.prom || true
	kill $rpid $spid 2>/dev/null || true
	wait $rpid $spid 2>/dev/null || true
	check "$name: doa_aiotf_peer finished" 0 $rc
}
metric() { sed -n "s/^$2 \([0-9]*\)$/\1/p" "$1"; }
peer() { jq -r ".$2" $W/$1.json; }
stat() { jq -r ".$2" $W/$1.stats.json; }

# --- 1. every genuine DO-A device registers and reports, in contention ---------------------
run doa "--doa 80% --doa-period-ms 300 --doa-timeout-ms 1500 --seed 11" \
	"--doa-interval-ms 20 --doa-session-s 300" "--expect $N --data 2"
check "doa: devices registered (peer)" $N "$(peer doa registered)"
check "doa: devices with 2 Uplink Data (peer)" $N "$(peer doa with_data)"
check "doa: no bad M3, bad Uplink Data or unknown M1" "0 0 0" \
	"$(peer doa m3_bad) $(peer doa uplink_bad) $(peer doa m1_unknown)"
echo "   $(peer doa duplicates) PDUs sent again after a late ACK, delivered once"
check "doa: devsim runs $N DO-A devices" $N "$(stat doa doa_devices)"
# (at exit the reader has lost its NG link, which starts a new DO-A session: count the M4s)
regs=$(stat doa doa_registrations) # more if a slow answer timed out and a device began again
if [ "$regs" -ge $N ]; then ok "doa: devsim: $regs Registration Accepts verified"; else bad "doa: devsim: $regs Registration Accepts"; fi
check "doa: devsim: no M2 dropped" 0 "$(stat doa doa_m2_dropped)"
col=$(stat doa doa_collisions)
ret=$(stat doa doa_retries)
if [ "$col" -gt 0 ] && [ "$ret" -ge "$col" ]; then ok "doa: $col collided slots, $ret retries"; else bad "doa: collisions $col, retries $ret"; fi
up=$(metric $W/doa.reader.prom aiot_reader_doa_uplink_total)
if [ "${up:-0}" -ge $((N * 4)) ]; then ok "doa: reader relayed $up uplink PDUs (M1, M3, data)"; else bad "doa: reader relayed '$up'"; fi
check "doa: reader: no unknown RAN ID, no full table" "0 0" \
	"$(metric $W/doa.reader.prom aiot_reader_doa_unknown_ran_total) $(metric $W/doa.reader.prom aiot_reader_doa_table_full_total)"
rcol=$(metric $W/doa.reader.prom aiot_reader_doa_collided_slots_total)
if [ "${rcol:-0}" -gt 0 ]; then ok "doa: reader saw $rcol collided slots"; else bad "doa: reader collided slots '$rcol'"; fi

# --- 2. DO-A session rotation: new air id, new RAN IDs, every device registers again -------
run rotate "--doa 20 --doa-period-ms 200 --seed 12" \
	"--doa-interval-ms 20 --doa-session-s 1" "--expect 20 --data 12"
check "rotate: devices with 12 Uplink Data" 20 "$(peer rotate with_data)"
reb=$(peer rotate ran_rebound)
regs=$(peer rotate registrations)
if [ "$reb" -ge 20 ] && [ "$regs" -ge 40 ]; then ok "rotate: $regs registrations, $reb under a new RAN ID"; else bad "rotate: registrations $regs, rebound $reb"; fi
ses=$(metric $W/rotate.reader.prom aiot_reader_doa_sessions_total)
if [ "${ses:-0}" -ge 2 ]; then ok "rotate: $ses DO-A sessions"; else bad "rotate: sessions '$ses'"; fi
check "rotate: no bad PDU" "0 0" "$(peer rotate m3_bad) $(peer rotate uplink_bad)"

# --- 3. end to end with the real AIOTF and ADM: 40 DO-A devices register, report -------------
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek2 --count 30 --out $W/e.jsonl 2>>$W/prov.log
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek2 --count 10 --privacy --out $W/f.jsonl 2>>$W/prov.log
cat $W/e.jsonl $W/f.jsonl >$W/e2e.jsonl
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek2
ADMP=$PORT
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$ADMP --metrics 127.0.0.1:0 --doa-m1-rate 1000 --doa-m1-burst 1000
AMP=$MPORT
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf.log)
"$SIM" --devices $W/e2e.jsonl --stats $W/e2e.stats.json --doa 100% --doa-period-ms 300 2>$W/e2e.sim.log &
ESIM=$!
PIDS+=("$ESIM")
for _ in $(seq 1 100); do
	EAP=$(sed -n 's/.*air on [^ ]*:\([0-9]*\).*/\1/p' $W/e2e.sim.log 2>/dev/null | head -1 || true)
	[ -n "$EAP" ] && break
	sleep 0.1
done
"$READER" --aiotf 127.0.0.1:$NG --ng-transport tcp --air 127.0.0.1:$EAP --doa-interval-ms 20 2>$W/e2e.reader.log &
PIDS+=("$!")
am() { curl -s http://127.0.0.1:$AMP/metrics | awk -v k="$1" '$1==k {print $2}'; }
# devsim's own count (SIGUSR1: --stats): every device REGISTERED, having verified MAC_N and M4
eregd() {
	rm -f $W/e2e.stats.json
	kill -USR1 $ESIM
	for _ in $(seq 1 50); do [ -f $W/e2e.stats.json ] && break; sleep 0.02; done
	jq -r .doa_registered $W/e2e.stats.json 2>/dev/null
}
for _ in $(seq 1 $((TIMEOUT * 4))); do
	[ "$(eregd)" = 40 ] &&
		[ "$(am 'aiot_aiotf_doa_uplink_data_total{result="delivered"}')" -ge 120 ] 2>/dev/null && break
	sleep 0.2
done
check "e2e: every device registered with the real AIOTF (devsim: REGISTERED)" 40 "$(eregd)"
check "e2e: no M2 dropped by a device" 0 "$(jq -r .doa_m2_dropped $W/e2e.stats.json)"
r=$(am aiot_aiotf_doa_registrations_total)
if [ "${r:-0}" -ge 40 ]; then ok "e2e: the AIOTF counted $r registrations"; else bad "e2e: registrations '$r'"; fi
d=$(am 'aiot_aiotf_doa_uplink_data_total{result="delivered"}')
if [ "${d:-0}" -ge 120 ]; then ok "e2e: $d Uplink Data delivered (first block in M3, then periodic)"; else bad "e2e: delivered '$d'"; fi
check "e2e: no wrong RES_D" 0 "$(am aiot_aiotf_doa_resd_failures_total)"
finish
