#!/usr/bin/env bash
# `aiot demo` end to end: all four daemons as real processes on loopback, the AF in the demo.
# A small run must authenticate every genuine device, reject every clone and let no command
# reach a clone, and register every DO-A device and deliver its data while the simulator's
# rogue network, DO-A clones and replays get nowhere; two UEs must complete 5G AKA and AKMA,
# register at the MSGin5G server and get every message with its delivery report while every
# attacker is refused; a lossy air interface must still get everyone; nothing may be left
# running. Devices 1 and 2 and the two UEs keep their keys on virtual UICCs (aiot-uicc) behind
# a pcscd of its own (scripts/pcsc.sh run); without pcscd the demo runs with no cards.
if [ -z "${AIOT_PCSC_SLOTS:-}" ]; then
	exec bash "$(cd "$2" && pwd)/scripts/pcsc.sh" run -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.bash"

demo() { # name, then aiot demo args; sets rc and js (stdout: the JSON summary alone)
	local name=$1; shift
	"$AIOT" demo --json --workdir $W/$name "$@" >$W/$name.json 2>$W/$name.out && rc=0 || rc=$?
	js=$(cat $W/$name.json)
}
check_json() { # name json field expected
	check "$1: $3" "$4" "$(echo "$2" | jq -r ".$3")"
}

demo small --devices 300 --clones 4
check "small demo exits 0" 0 $rc
js_small=$js
for f in devices:300 clones:4 authenticated:300 rejected:4 missed:0 read_ok:10 write_ok:1 clone_commands_accepted:0 \
	doa_devices:30 doa_registered:30 doa_data_delivered:30 doa_rogue_network_accepted:0 doa_clone_registered:0 \
	doa_replays_accepted:0 nrf:true oauth2:true unauthorized_rejected:18 unauthorized_accepted:0 \
	akma_ues:2 akma_registered:2 msgin5g_delivered:3 msgin5g_attackers_accepted:0 \
	uicc_devices:2 uicc_authenticated:2 uicc_ues:2; do
	check_json small "$js" "${f%%:*}" "${f#*:}"
done
# The attacks did happen (the simulator's last stats, written for the demo's DO-A count).
for f in doa_rogue_m2_sent doa_rogue_m4_sent doa_clone_m3_sent doa_replays_sent; do
	v=$(jq -r ".$f" $W/small/devsim-stats.json 2>/dev/null)
	[ "${v:-0}" != null ] && [ "${v:-0}" -gt 0 ] && ok "small: DO-A attack $f = $v" || bad "small: $f = ${v:-none}"
done
check "small: DO-A clones = --clones" 4 "$(jq -r .doa_clones $W/small/devsim-stats.json)"
grep -q "OK: every DO-A device registered and delivered its data" $W/small.out && ok "small: DO-A summary" || bad "small: no DO-A summary"
# The AF's notifications followed the DO-A notification schema (the AIOTF sent AIoTNotif with
# the subscription's id): every genuine data block was attributed to its own device.
grep -q "cannot attribute" $W/small.out && bad "small: reports not attributable" || ok "small: every DO-A report attributable"

# SBA security (issue 14): the NRF and the tokens, and the probe's requests refused.
grep -q "OK: every request without a valid token refused" $W/small.out && ok "small: SBA summary" || bad "small: no SBA summary"
grep -q "found through the NRF" $W/small/aiot-aiotf.log && ok "small: the AIOTF found the ADM through the NRF" \
	|| bad "small: no discovery in the AIOTF's log"
for nf in adm aiotf; do
	grep -q "registered with the NRF" $W/small/aiot-$nf.log && ok "small: aiot-$nf registered with the NRF" || bad "small: aiot-$nf did not register"
done

# MSGin5G (issue 15): the phase's summary, and each refusal as the NFs logged it.
grep -q "OK: both UEs authenticated by AKMA" $W/small.out && ok "small: MSGin5G summary" || bad "small: no MSGin5G summary"
check "small: attackers refused 4 of 4" 1 "$(grep -c 'attackers refused 4 of 4, accepted 0' $W/small.out)"
grep -q "AAnF register-anchorkey for" $W/small/aiot-ausf.log && bad "small: an anchor key not registered at the AAnF" \
	|| ok "small: every anchor key registered at the AAnF"
grep -q "REG .* refused: not bound" $W/small/aiot-msgin5g.log && ok "small: the server refused the foreign UE service ID" \
	|| bad "small: no refused REG in aiot-msgin5g.log"
check "small: 2 UEs registered (3 REGs: B again for its stored MSG)" 3 "$(grep -c ': REG ue-.*(SUPI imsi-' $W/small/aiot-msgin5g.log)"
grep -q "TLS 1.3, mutual" $W/small/aiot-udm.log && grep -q "TLS 1.3, mutual" $W/small/aiot-ausf.log \
	&& ok "small: UDM and AUSF under mutual TLS" || bad "small: UDM or AUSF not under mutual TLS"
for nf in udm ausf aanf msgin5g; do
	grep -q "registered with the NRF" $W/small/aiot-$nf.log && ok "small: aiot-$nf registered with the NRF" || bad "small: aiot-$nf did not register"
done
check "small: the AUSF found the UDM and the AAnF, the MSGin5G server the AAnF, through the NRF" 3 \
	"$(cat $W/small/aiot-ausf.log $W/small/aiot-msgin5g.log | grep -c 'found through the NRF, OAuth 2.0 required')"
[ ! -e $W/small/subscribers.jsonl ] && ok "small: the subscribers' keys left only in the UDM's store" \
	|| bad "small: subscribers.jsonl left behind"

# The cards (issue 16): devices 1 and 2 bound, a card-backed one commanded, the UEs on the
# cards' USIMs; the perso files gone once the cards read them.
grep -q "OK: the card-backed devices authenticated with their keys on the cards" $W/small.out &&
	ok "small: UICC summary" || bad "small: no UICC summary"
check "small: WRITE + READ-back on a card-backed device (line 2)" 1 \
	"$(grep -c "WRITE .* of $(sed -n 2p $W/small/devices.jsonl | jq -r .aiotDevPermId), READ back: same bytes" $W/small.out)"
check "small: both UEs ran AKA on a card's USIM" 2 "$(grep -c "5G AKA done (USIM on the card in 'aiot vpcd" $W/small.out)"
check "small: no card error at the simulator" 0 "$(jq -r .uicc_errors $W/small/devsim-stats.json)"
[ ! -e $W/small/uicc-0.json ] && [ ! -e $W/small/uicc-1.json ] && ok "small: the perso files removed once read" ||
	bad "small: a perso file left behind"

# No pcscd here (scripts/pcsc.sh cannot start it): one line, no cards, the rest as usual.
AIOT_PCSC_SLOTS= AIOT_PCSC_SH=/nonexistent/pcsc.sh demo nodoa --devices 50 --clones 2 --no-doa --no-sba --no-msgin5g
check "--no-doa --no-sba exits 0" 0 $rc
grep -q "no cards: pcscd cannot run here" $W/nodoa.out && ok "no pcscd: said in one line" || bad "no pcscd: not said"
check_json nodoa "$js" uicc_devices 0
check_json nodoa "$js" nrf false
check_json nodoa "$js" oauth2 false
for f in authenticated:50 doa_devices:0 doa_registered:0 doa_rogue_network_accepted:0 akma_ues:0 \
	akma_registered:0 msgin5g_delivered:0 msgin5g_attackers_accepted:0; do
	check_json nodoa "$js" "${f%%:*}" "${f#*:}"
done
grep -q '^\[7/10 .*DO-A: skipped' $W/nodoa.out && ok "--no-doa: the DO-A step skipped" || bad "--no-doa: no skipped step"
grep -q '^\[9/10 .*MSGin5G: skipped' $W/nodoa.out && ok "--no-msgin5g: the MSGin5G step skipped" || bad "--no-msgin5g: no skipped step"
[ ! -e $W/nodoa/aiot-msgin5g.log ] && [ ! -e $W/nodoa/aiot-udm.log ] && ok "--no-msgin5g: no AKMA NF started" \
	|| bad "--no-msgin5g: an AKMA NF was started"

grep -q "OK: every genuine device authenticated" $W/small.out && ok "small: readable summary" || bad "small: no summary"
grep -q "^\[10/10" $W/small.out && ok "small: progress through all 10 steps" || bad "small: progress lines missing"
if pgrep -f "$W/small" >/dev/null; then bad "small: a process is still running"; else ok "small: every process stopped"; fi
grep -q "TLS 1.3, mutual" $W/small/aiot-adm.log && ok "ADM ran with mutual TLS" || bad "ADM not on mTLS"
check "--json: stdout is one JSON document (jq . parses it)" "1 0" \
	"$(wc -l <$W/small.json) $(jq . <$W/small.json >/dev/null; echo $?)"

# .gitignore: what the demo and the README's commands leave in the source root holds secrets
# (KEK, keys, stores): every such name must be ignored, so `git add -A` cannot commit it.
if git -C "$S" rev-parse --git-dir >/dev/null 2>&1; then
	left=$(cd $W/small && ls -A | sed 's|^|aiot-demo/|')
	root="kek adm.db adm.db-wal adm.db-shm adm.db.lock devices.jsonl sim.json ca.crt adm.crt adm.key aiotf.crt aiotf.key ca.pem"
	missed=$(for f in $left $root; do git -C "$S" check-ignore -q --no-index "$f" || echo "$f"; done)
	check ".gitignore covers every file the demo and the README leave (${missed:-none missed})" "" "$missed"
fi

# --workdir: a directory the demo did not make is refused untouched; in one it made, a
# foreign file survives the next run.
mkdir $W/foreign; echo keep >$W/foreign/notes.txt
"$AIOT" demo --workdir $W/foreign --devices 11 >$W/foreign.out 2>&1 && bad "foreign workdir accepted" \
	|| ok "foreign non-empty workdir refused: $(grep -o 'was not made by aiot demo' $W/foreign.out)"
check "foreign workdir: its file kept, nothing added" "keep notes.txt" \
	"$(cat $W/foreign/notes.txt) $(ls -A $W/foreign | tr '\n' ' ' | sed 's/ $//')"
echo mine >$W/small/notes.txt
"$AIOT" demo --workdir $W/small --devices 11 --clones 1 >$W/rerun.out 2>&1 && ok "rerun in the demo's own workdir" \
	|| bad "rerun failed: $(tail -3 $W/rerun.out)"
check "rerun: the foreign file in it kept" mine "$(cat $W/small/notes.txt 2>/dev/null)"

# kill -9 of the demo: its children die with it (PR_SET_PDEATHSIG).
"$AIOT" demo --workdir $W/killed --devices 20000 >$W/killed.out 2>&1 &
dp=$!
for _ in $(seq 1000); do pgrep -f "aiot-devsim --devices $W/killed" >/dev/null && break; sleep 0.02; done
pgrep -f "aiot-devsim --devices $W/killed" >/dev/null && ok "kill -9: the simulator was running" || bad "kill -9: no child seen"
kill -9 $dp; wait $dp 2>/dev/null || true
for _ in $(seq 500); do pgrep -f "$W/killed" >/dev/null || break; sleep 0.02; done
if pgrep -f "$W/killed" >/dev/null; then bad "kill -9 of the demo left children: $(pgrep -af "$W/killed")"; pgrep -f "$W/killed" | xargs -r kill -9; else ok "kill -9 of the demo left no child"; fi

demo lossy --devices 500 --clones 5 --loss 0.15
check "lossy air (15% D2R loss): exits 0" 0 $rc
check_json lossy "$js" authenticated 500
check_json lossy "$js" rejected 5
check_json lossy "$js" clone_commands_accepted 0
check_json lossy "$js" doa_registered 50
check_json lossy "$js" doa_data_delivered 50

# --store redis-cluster (issue 17): the demo's own cluster, two ADM instances on it, the AIOTF
# spreading over both; the cluster stopped at the end. The default run said sqlite and 1.
check_json small "$js_small" store sqlite
check_json small "$js_small" adm_instances 1
if command -v redis-server >/dev/null; then
	demo cluster --store redis-cluster --devices 100 --clones 2 --no-msgin5g --uicc 0
	check "--store redis-cluster exits 0" 0 $rc
	for f in store:redis-cluster adm_instances:2 authenticated:100 rejected:2 clone_commands_accepted:0 \
		doa_registered:10 doa_data_delivered:10 doa_replays_accepted:0 unauthorized_accepted:0; do
		check_json cluster "$js" "${f%%:*}" "${f#*:}"
	done
	read -r r1 r2 < <(sed -n "s/.*the AIOTF's requests so far: \([0-9]*\) to ADM 1, \([0-9]*\) to ADM 2/\1 \2/p" $W/cluster.out)
	[ "${r1:-0}" -gt 0 ] && [ "${r2:-0}" -gt 0 ] && ok "cluster: both ADM instances served the AIOTF ($r1 and $r2 requests)" ||
		bad "cluster: requests to the ADMs: '${r1:-} ${r2:-}'"
	ports=$(grep -o 'redis-cluster://[0-9.:,]*' $W/cluster.out | head -1 | grep -o ':[0-9]*' | tr -d :)
	check "cluster: 6 nodes, none listening after the demo" "6 " \
		"$(echo $ports | wc -w) $(for p in $ports; do ss -Htln "sport = :$p"; done)"
fi
PATH=/nonexistent "$AIOT" demo --store redis-cluster --workdir $W/noredis >$W/noredis.out 2>&1 && bad "no redis-server: accepted" ||
	check "no redis-server: one line, nothing made" "1 no" "$(wc -l <$W/noredis.out) $([ -e $W/noredis ] && echo yes || echo no)"
"$AIOT" demo --devices 5 >$W/bad.out 2>&1 && bad "too few devices accepted" || ok "bad arguments refused: $(tail -1 $W/bad.out)"
finish
