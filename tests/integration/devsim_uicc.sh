#!/usr/bin/env bash
# aiot-devsim --uicc N through the real PC/SC stack (pcscd + vpcd, scripts/pcsc.sh in its own
# namespace) with virtual cards (build/aiot-uicc), behind a real aiot-reader, aiot-aiotf and
# aiot-adm: the two card-backed devices are bound by their EF_AIOT_ID, inventoried and
# authenticated, commanded (WRITE, READ back) like the soft ones; their K_AIOT_root is in
# neither devsim's memory (as hex text nor as bytes, while a soft device's key is found there)
# nor pcscd's APDU trace; --uicc 3 with two cards fails at start naming the device; a card
# stopped mid-run gives card errors, not a crash. Then one card's two applications used by two
# processes at once (a UE's USIM and a device's AIoT application): every answer is right.
if [ -z "${AIOT_PCSC_SLOTS:-}" ]; then
	AIOT_PCSC_FLAGS="-a -d" exec bash "$(cd "$2" && pwd)/scripts/pcsc.sh" run -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.bash"
TRACE=$AIOT_PCSC_DIR/pcscd.log
wait_for() { # seconds command...
	local n=$(($1 * 10)); shift
	for _ in $(seq 1 $n); do "$@" && return 0; sleep 0.1; done
	return 1
}
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 6 --group g --out $W/a.jsonl 2>$W/prov.log
mapfile -t SLOTS <"$AIOT_PCSC_SLOTS"
port() { cut -f1 <<<"${SLOTS[$1]}"; }
reader() { cut -f2 <<<"${SLOTS[$1]}"; }
line() { sed -n "$1p" $W/a.jsonl; }
# perso FILE LINE [IMSI K OPC]: the AIoT application of device LINE (and a USIM)
perso() {
	local usim=""
	[ -z "${3:-}" ] || usim=",\"usim\":{\"imsi\":\"$3\",\"k\":\"$4\",\"opc\":\"$5\"}"
	echo "{\"aiot\":$(line $2 | jq -c '{aiotDevPermId, key, suite}')$usim}" >"$1"
	chmod 600 "$1"
}
CARD=()
present() { opensc-tool -l 2>/dev/null | grep -F "$(reader $1)" | grep -q Yes; }
card() { # SLOT PERSO
	"$B/aiot-uicc" --perso "$2" --vpcd 127.0.0.1:"$(port $1)" 2>>$W/card$1.log &
	CARD[$1]=$!
	PIDS+=("${CARD[$1]}")
	for _ in $(seq 1 150); do
		present $1 && return 0
		sleep 0.1
	done
	bad "the card in slot $1 never showed up: $(cat $W/card$1.log)"
}
K=465b5ce8b199b49faa5f0a2ee238a6bc OPC=cd63cb71954a9f4e48a5994e37a02baf # TS 35.208 set 1
perso $W/p1.json 1
perso $W/p2.json 2 001010000000001 $K $OPC
card 0 $W/p1.json
card 1 $W/p2.json

# --- --uicc 3 with two cards: a clear start-up error --------------------------------------
RC=0
"$B/aiot-devsim" --devices $W/a.jsonl --uicc 3 2>$W/sim3.log || RC=$?
check "--uicc 3, two cards: exit 1, the device named, the two-slot limit said" "1 1 1" \
	"$RC $(grep -c "line 3 .* has no card (2 of 3 bound" $W/sim3.log) $(grep -c 'two card slots' $W/sim3.log)"

# --- the network, devsim --uicc 2, a reader ------------------------------------------------
echo '{"afAuthData":{"af-it":{"afId":"af-it","allowedServiceOperations":["INVENTORY","READ","WRITE"]}}}' >$W/af.json
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek --af-auth $W/af.json
APORT=$PORT
start_daemon $W/af.log "$AIOT" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$APORT --metrics 127.0.0.1:0 --inventory-timeout-ms 20000 --command-timeout-ms 3000
SP=$PORT AMPORT=$MPORT
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf.log)
GLIBC_TUNABLES=glibc.malloc.tcache_count=0 "$B/aiot-devsim" --devices $W/a.jsonl --uicc 2 \
	--uicc-reader "aiot vpcd" --stats $W/sim.json --metrics 127.0.0.1:0 2>$W/sim.log &
SIMPID=$!
PIDS+=("$SIMPID")
wait_for 20 grep -qs "air on" $W/sim.log || bad "devsim did not start: $(cat $W/sim.log)"
AIR=$(sed -n 's/.*air on \([0-9.]*:[0-9]*\).*/\1/p' $W/sim.log | head -1)
SMPORT=$(sed -n 's/.*metrics on port \([0-9]*\).*/\1/p' $W/sim.log | head -1)
grep -q "2 on cards" $W/sim.log && ok "devsim: 6 devices, 2 on cards" || bad "devsim: $(cat $W/sim.log)"
"$B/aiot-reader" --aiotf 127.0.0.1:$NG --ng-transport tcp --air $AIR --round-timeout-ms 300 2>$W/reader.log &
PIDS+=($!)
metric() { curl -s http://127.0.0.1:$1/metrics | awk -v k="$2" '$1==k {print $2}'; }
connected() { [ "$(metric $AMPORT aiot_aiotf_readers_connected)" = 1 ]; }
wait_for 20 connected || bad "the reader did not connect"

NAIOTF=http://127.0.0.1:$SP/naiotf-aiot/v1
U="\"afId\":\"af-it\",\"notifUri\":\"http://127.0.0.1:$AFPORT/cb\""
submit() {
	local r
	r=$(h2post $NAIOTF/$1 "$2")
	TID=$(jq -r .transId <<<"${r#* }" 2>/dev/null || true)
	[ "${r%% *}" = 200 ] || bad "$1 not accepted: $r"
}
last() { grep -q "\"transId\":\"$TID\".*\"lastRepInd\":true" $W/notifs.jsonl 2>/dev/null; }
reported() { grep "\"transId\":\"$TID\"" $W/notifs.jsonl | jq -rs '[.[].devicesRepData // [] | .[].deviceId] | sort | join(",")'; }
ID1=$(line 1 | jq -r .aiotDevPermId) ID2=$(line 2 | jq -r .aiotDevPermId)
stat() { kill -USR1 $SIMPID; sleep 0.2; jq -r ".$1" $W/sim.json; }

# --- inventory: card-backed and soft devices authenticated alike ----------------------------
f0=$(metric $AMPORT aiot_aiotf_auth_failures_total)
submit request-inv "{$U,\"targetArea\":{\"areaIds\":[{\"plmnId\":{\"mcc\":\"001\",\"mnc\":\"01\"},\"aiotAreaCode\":\"00ab12\"}]},\"numDevices\":6}"
wait_for 30 last || bad "inventory: no last notification"
check "inventory: the 6 devices reported (authenticated), the 2 card-backed among them" \
	"$(jq -rs '[.[].aiotDevPermId] | sort | join(",")' $W/a.jsonl)" "$(reported)"
check "no authentication failure at the AIOTF" "${f0:-0}" "$(metric $AMPORT aiot_aiotf_auth_failures_total)"
check "devsim stats: uicc_devices 2, card operations done, no card error" "2 1 0" \
	"$(stat uicc_devices) $(( $(jq -r .uicc_ops $W/sim.json) >= 2 )) $(jq -r .uicc_errors $W/sim.json)"
check "devsim metrics: aiot_devsim_uicc_devices 2" 2 "$(metric $SMPORT aiot_devsim_uicc_devices)"

# --- commands to the card-backed devices: WRITE, READ back -----------------------------------
DATA=$(echo -n "card-$RANDOM" | base64)
submit request-cmd "{$U,\"commandType\":\"WRITE\",\"offset\":10,\"data\":\"$DATA\",\"targetDevices\":{\"devices\":[\"$ID1\",\"$ID2\"]}}"
wait_for 20 last || bad "WRITE: no last notification"
submit request-cmd "{$U,\"commandType\":\"READ\",\"offset\":10,\"length\":$(base64 -d <<<"$DATA" | wc -c),\"targetDevices\":{\"devices\":[\"$ID1\",\"$ID2\"]}}"
wait_for 20 last || bad "READ: no last notification"
check "READ back from both card-backed devices" "$DATA $DATA" \
	"$(grep "\"transId\":\"$TID\"" $W/notifs.jsonl | jq -rs '[.[].devicesRepData // [] | .[].readCmdRep] | join(" ")')"

# --- the keys: not in devsim's memory, not in pcscd's APDU trace -----------------------------
if [ "$(id -u)" = 0 ] && [ "$SANITIZED" = 0 ] && command -v python3 >/dev/null; then
	line 1 | jq -r .key >$W/card.keys
	line 2 | jq -r .key >>$W/card.keys
	line 3 | jq -r .key >$W/soft.keys
	read -r TEXT RAW < <(python3 "$S/tests/tools/memscan.py" $SIMPID $W/card.keys)
	check "the card-backed devices' K_AIOT_root in devsim's memory: as text, as bytes" "0 0" "$TEXT $RAW"
	read -r TEXT RAW < <(python3 "$S/tests/tools/memscan.py" $SIMPID $W/soft.keys)
	check "(the scan works: a soft device's key is found as bytes)" 1 "$RAW"
else
	echo "     memory scan skipped (needs root, python3 and the release build)"
fi
TR=$(tr -d ' \n' <"$TRACE" | tr a-f A-F)
PID1=$(base64 -d <<<"$ID1" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
grep -q "$PID1" <<<"$TR" && ok "pcscd's APDU trace holds the cards' answers (EF_AIOT_ID)" ||
	bad "no EF_AIOT_ID in pcscd's trace ($(grep -c APDU "$TRACE") APDU lines)"
leak=0
for key in $(cat $W/card.keys 2>/dev/null || { line 1 | jq -r .key; line 2 | jq -r .key; }); do
	KU=$(tr a-f A-F <<<"$key")
	for ((o = 0; o + 16 <= ${#KU}; o += 8)); do
		grep -q "${KU:$o:16}" <<<"$TR" && leak=$((leak + 1))
	done
done
check "no 8 octets of a card's K_AIOT_root in pcscd's APDU trace" 0 "$leak"

# --- two processes, one card, its two applications at once ---------------------------------
"$B/uicc_hammer" "$(reader 1)" usim 1000 001010000000001 >$W/h1.out 2>$W/h1.err &
H1=$!
"$B/uicc_hammer" "$(reader 1)" aiot 1000 "$ID2" >$W/h2.out 2>$W/h2.err &
H2=$!
R1=0 R2=0
wait $H1 || R1=$?
wait $H2 || R2=$?
check "USIM host on card 1 while the AIoT host works: all right" "0 ok 2000 wrong 0 errors 0" "$R1 $(cat $W/h1.out)"
check "AIoT host on card 1 while the USIM host works: all right" "0 ok 2000 wrong 0 errors 0" "$R2 $(cat $W/h2.out)"
cat $W/h1.err $W/h2.err

# --- a card stopped mid-run: card errors, no crash; the others still answer -----------------
kill "${CARD[0]}"
wait "${CARD[0]}" 2>/dev/null || true
e0=$(stat uicc_errors)
submit request-inv "{$U,\"targetDevices\":{\"devices\":[\"$ID1\",\"$ID2\"]}}"
wait_for 30 last || bad "inventory without card 0: no last notification"
check "card 0 gone: only the device on card 1 reported" "$ID2" "$(reported)"
kill -0 $SIMPID && ok "devsim still runs" || bad "devsim died: $(tail -5 $W/sim.log)"
check "card errors counted" 1 "$(( $(stat uicc_errors) > e0 ))"
grep -q "card in '$(reader 0)'" $W/sim.log && ok "devsim says which card failed" || bad "log: $(tail -3 $W/sim.log)"
finish
