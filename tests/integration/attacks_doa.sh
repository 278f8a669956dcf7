#!/usr/bin/env bash
# The attack suite's DO-A part (docs/security.md, seed 002): real aiot-adm, aiot-aiotf,
# aiot-reader (DO-A rounds) and aiot-devsim whose medium carries, beside the genuine DO-A
# devices, the attackers of docs/protocol.md §5.7.3: a rogue network forging M2s and M4s
# (--rogue-network), clones with a wrong key (--doa-clones) and a replayer of M3s and Uplink
# Data (--doa-replay); an AF subscribed to DO-A (aiot af-sink). Asserted: every genuine device
# registered and its data delivered, no datum delivered twice; nothing forged accepted
# (doa_rogue_network_accepted, doa_clone_registered, doa_replays_answered = 0); and the
# refusals counted where they happen, the AIOTF's /metrics consistent with the simulator's
# counts (lower bounds: genuine retransmissions add to the same counters).
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf aiot-reader aiot-devsim; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done
N=30 CLONES=3
DEADLINE=40; [ "$SANITIZED" = 1 ] && DEADLINE=100

"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 20 --out $W/a.jsonl 2>$W/prov.log
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 5 --suite aes --res-bits 32 --out $W/b.jsonl 2>>$W/prov.log
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 5 --privacy --out $W/c.jsonl 2>>$W/prov.log
cat $W/a.jsonl $W/b.jsonl $W/c.jsonl >$W/dev.jsonl

echo '{"afAuthData":{"af-doa":{"afId":"af-doa","allowedServiceOperations":["DOA"]}}}' >$W/af.json
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek \
	--workers 2 --af-auth $W/af.json
APORT=$PORT
start_daemon $W/sink.log "$AIOT" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT
# The attackers' M1s name genuine identifiers: the per-identifier window is raised so that
# they do not crowd the genuine M1s out (a trade-off of that limit, docs/security.md).
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$APORT --metrics 127.0.0.1:0 --doa-m1-rate 1000 --doa-m1-burst 1000 \
	--doa-id-m1-max 64
SBI=$PORT; AMP=$MPORT
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf.log)
r=$(h2post http://127.0.0.1:$SBI/naiotf-aiot/v1/doa-subscriptions \
	"{\"afId\":\"af-doa\",\"notifUri\":\"http://127.0.0.1:$AFPORT/doa\",\"regInd\":true}")
check "the AF subscribed to DO-A registrations and data" 201 "${r%% *}"
SUB=$(echo "${r#* }" | jq -r .subscriptionId)

"$B/aiot-devsim" --devices $W/dev.jsonl --stats $W/sim.json --doa 100% --doa-period-ms 300 \
	--doa-timeout-ms 1500 --rogue-network 0.5 --doa-clones $CLONES --doa-replay 0.3 2>$W/sim.log &
SIMPID=$!; PIDS+=("$SIMPID")
for _ in $(seq 1 100); do grep -q "air on" $W/sim.log && break; sleep 0.1; done
AIR=$(sed -n 's/.*air on \([0-9.]*:[0-9]*\).*/\1/p' $W/sim.log | head -1)
"$B/aiot-reader" --aiotf 127.0.0.1:$NG --ng-transport tcp --air $AIR --doa-interval-ms 20 \
	--metrics 127.0.0.1:0 2>$W/reader.log &
PIDS+=("$!")

am() { curl -s http://127.0.0.1:$AMP/metrics | awk -v k="$1" '$1==k {print $2}'; }
sim() { # the simulator's stats now (SIGUSR1 writes them)
	rm -f $W/sim.json
	kill -USR1 $SIMPID
	for _ in $(seq 1 50); do [ -s $W/sim.json ] && break; sleep 0.02; done
	cp $W/sim.json $W/snap.json
}
s() { jq -r ".$1" $W/snap.json; }
# Until every device registered and reported, the clones' M3s (3 per clone and DO-A session,
# fewer if one is not answered in time), the rogue network's M4s and every kind of replay went
# out.
t0=$(date +%s.%N)
for _ in $(seq 1 $((DEADLINE * 5))); do
	sim
	[ "$(s doa_registered)" = $N ] && [ "$(s doa_uplink_sent)" -ge $((N * 3)) ] &&
		[ "$(s doa_clone_m3_sent)" -ge $((CLONES * 2)) ] && [ "$(s doa_rogue_m4_sent)" -gt 0 ] &&
		[ "$(s doa_replays_own_m3)" -gt 0 ] && [ "$(s doa_replays_own_data)" -gt 0 ] &&
		[ "$(s doa_replays_fresh)" -gt 0 ] && [ "$(s doa_replays_after_m1)" -gt 0 ] && break
	sleep 0.2
done
echo "   attacks ran for $(echo "$(date +%s.%N) - $t0" | bc) s"
sim
sleep 0.5 # what the reader relayed before the snapshot has reached the AIOTF
jq -c . $W/snap.json | sed 's/,"clone_ids".*//'
curl -s http://127.0.0.1:$AMP/metrics | grep '^aiot_aiotf_doa' | grep -v ' 0$' | tr '\n' ' '; echo

# --- the genuine devices: registered, data delivered ------------------------------------------
check "every genuine DO-A device registered (devsim: REGISTERED)" $N "$(s doa_registered)"
up=$(s doa_uplink_sent)
[ "$up" -ge $((N * 3)) ] && ok "$up Uplink Data sent by the genuine devices" || bad "Uplink Data sent: $up"

# --- rogue network: every forged M2 / M4 reached a device and was dropped ----------------------
m2=$(s doa_rogue_m2_sent); m4=$(s doa_rogue_m4_sent)
[ "$m2" -gt 0 ] && [ "$m4" -gt 0 ] && ok "rogue network: $m2 forged M2s, $m4 forged M4s handed to devices" ||
	bad "rogue network: m2 $m2, m4 $m4"
check "rogue network: none accepted" 0 "$(s doa_rogue_network_accepted)"
[ "$(s doa_m2_dropped)" -ge "$m2" ] && [ "$(s doa_m4_dropped)" -ge "$m4" ] &&
	ok "the devices dropped and counted them all ($(s doa_m2_dropped) M2s, $(s doa_m4_dropped) M4s)" ||
	bad "dropped: M2 $(s doa_m2_dropped) < $m2 or M4 $(s doa_m4_dropped) < $m4"

# --- clones and replays: refused by the AIOTF ---------------------------------------------------
cm3=$(s doa_clone_m3_sent); am1=$(s doa_replays_after_m1)
check "clones: $CLONES, none registered" "$CLONES 0" "$(s doa_clones) $(s doa_clone_registered)"
check "replays: none answered with an M4" 0 "$(s doa_replays_answered)"
resd=$(am aiot_aiotf_doa_resd_failures_total)
[ "$resd" -ge $((cm3 + am1)) ] &&
	ok "AIOTF: $resd wrong RES_D >= $cm3 clone M3s + $am1 old M3s after a fresh M1" ||
	bad "AIOTF: resd_failures $resd < $cm3 + $am1"
check "AIOTF: exchanges ended on a wrong RES_D = RES_D failures" "$resd" \
	"$(am 'aiot_aiotf_doa_exchanges_total{end="res_d_wrong"}')"
own3=$(s doa_replays_own_m3); ownd=$(s doa_replays_own_data); fresh=$(s doa_replays_fresh)
unexp=$(am aiot_aiotf_doa_unexpected_total)
rep=$(am 'aiot_aiotf_doa_uplink_data_total{result="replayed"}')
badmac=$(am 'aiot_aiotf_doa_uplink_data_total{result="bad_mac"}')
[ "$unexp" -ge $((own3 + fresh)) ] &&
	ok "AIOTF: $unexp unexpected >= $own3 M3s under the victim's handle + $fresh PDUs under a fresh handle" ||
	bad "AIOTF: unexpected $unexp < $own3 + $fresh"
[ "$rep" -gt 0 ] && [ $((rep + badmac + unexp - own3 - fresh)) -ge "$ownd" ] &&
	ok "AIOTF: $rep replayed Uplink Data refused ($ownd replayed under the victim's handle)" ||
	bad "AIOTF: replayed $rep, bad_mac $badmac for $ownd"
check "replays: sent = the sum of their kinds" "$(s doa_replays_sent)" "$((own3 + ownd + fresh + am1))"

# --- the AF: every genuine device's registration and data, each datum once --------------------
items() { jq -c --arg s "$SUB" 'select(.transId == $s) | .devicesRepData[]' $W/notifs.jsonl 2>/dev/null; }
dlv=$(am 'aiot_aiotf_doa_uplink_data_total{result="delivered"}')
for _ in $(seq 1 50); do
	[ "$(items | jq -s 'map(select(.readCmdRep != null)) | length')" -ge "$dlv" ] && break
	sleep 0.1
done
items | jq -r 'select(.readCmdRep != null) | .readCmdRep' >$W/data.txt
# application data: (line, seq) big-endian; a clone's carries seq ffffffff
/usr/bin/python3 -c 'import base64, sys
d = [base64.b64decode(l) for l in open(sys.argv[1]).read().split()]
print(len(d), len(d) - len(set(d)), len({x[:4] for x in d}), sum(x[4:] == b"\xff" * 4 for x in d))' \
	$W/data.txt >$W/data.sum
read -r ndata dups lines cdata <$W/data.sum
check "AF: no application datum delivered twice (of $ndata)" 0 "$dups"
check "AF: data from every genuine device" $N "$lines"
check "AF: no datum of a clone (sequence ffffffff)" 0 "$cdata"
regs=$(items | jq -r 'select(.readCmdRep == null) | .deviceId' | sort -u | wc -l)
check "AF: a registration of every genuine device" $N "$regs"
finish
