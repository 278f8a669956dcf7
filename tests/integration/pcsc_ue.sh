#!/usr/bin/env bash
# `aiot ue --usim pcsc[:READER]` through the real PC/SC stack (pcscd + vpcd, scripts/pcsc.sh)
# with virtual cards (build/aiot-uicc), against a real aiot-udm, aiot-ausf and aiot-aanf on
# loopback, as ue.sh does with the soft USIM: 5G AKA and AKMA with the card's USIM (the SUPI
# read from its EF_IMSI; the A-KID and K_AF the AAnF's), over T=0 and T=1; a card whose SQN is
# ahead of the UDM answers AUTS and the UE re-synchronises through it; a card with another K
# is the USIM's MAC failure ('9862'); no such reader (listed), an empty reader, a card
# removed: exit 1 with the reason; keys on the command line with a card: exit 2.
# It runs under `scripts/pcsc.sh run` (its own pcscd in a private namespace where unshare can
# make one), so it shares /run/pcscd and the slot ports with nobody.
if [ -z "${AIOT_PCSC_SLOTS:-}" ]; then
	exec bash "$(cd "$2" && pwd)/scripts/pcsc.sh" run -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.bash"
K1=465b5ce8b199b49faa5f0a2ee238a6bc OPC1=cd63cb71954a9f4e48a5994e37a02baf # TS 35.208 set 1
K2=fec86ba6eb707ed08905757b1bb44b8f OPC2=1006020f0a478bf6b699f15c062e42b3 # set 2
AF=msgin5g.example.org
cat >$W/subs.jsonl <<JSON
{"supi":"imsi-001010000000001","k":"$K1","opc":"$OPC1","akmaInd":true,"routingId":"12"}
{"supi":"imsi-001010000000002","k":"$K2","opc":"$OPC2","akmaInd":true}
{"supi":"imsi-001010000000003","k":"$K1","opc":"$OPC1","akmaInd":true}
JSON
"$AIOT" provision-ue --store sqlite:$W/udm.db --kek-file $W/kek --import $W/subs.jsonl 2>$W/prov.log
start_daemon $W/udm.log "$B/aiot-udm" --listen 127.0.0.1:0 --store sqlite:$W/udm.db --kek-file $W/kek
UPORT=$PORT
start_daemon $W/aanf.log "$B/aiot-aanf" --listen 127.0.0.1:0 --store sqlite:$W/aanf.db \
	--kek-file $W/aanf.kek --supi-allowed-afs $AF
APORT=$PORT
start_daemon $W/ausf.log "$B/aiot-ausf" --listen 127.0.0.1:0 --udm http://127.0.0.1:$UPORT \
	--aanf http://127.0.0.1:$APORT --mcc 001 --mnc 01
AUSF=http://127.0.0.1:$PORT
ok "aiot-udm, aiot-aanf, aiot-ausf started"

# pcscd's reader slots: one line each, "PORT<TAB>READER".
mapfile -t SLOTS <"$AIOT_PCSC_SLOTS"
[ "${#SLOTS[@]}" -ge 2 ] && ok "pcscd with ${#SLOTS[@]} reader slots" || { bad "slots: ${SLOTS[*]:-none}"; finish; }
port() { cut -f1 <<<"${SLOTS[$1]}"; }
reader() { cut -f2 <<<"${SLOTS[$1]}"; }

perso() { # FILE IMSI K OPC [SQN]
	local sqn=${5:+,\"sqn\":\"$5\"}
	echo "{\"usim\":{\"imsi\":\"$2\",\"k\":\"$3\",\"opc\":\"$4\"$sqn}}" >"$1"
	chmod 600 "$1"
}
CARD=()
present() { opensc-tool -l 2>/dev/null | grep -F "$(reader $1)" | grep -q Yes; }
card() { # SLOT PERSO PROTOCOL: a card in the slot's reader, once pcscd sees it
	"$B/aiot-uicc" --perso "$2" --vpcd 127.0.0.1:"$(port $1)" --protocol "$3" 2>>$W/card$1.log &
	CARD[$1]=$!
	PIDS+=("${CARD[$1]}")
	for _ in $(seq 1 150); do
		present $1 && return 0
		sleep 0.1
	done
	bad "the card in slot $1 never showed up: $(cat $W/card$1.log)"
}
eject() { # SLOT: the card's process ended, once pcscd sees the reader empty
	kill "${CARD[$1]}"
	wait "${CARD[$1]}" 2>/dev/null || true
	for _ in $(seq 1 150); do
		present $1 || return 0
		sleep 0.1
	done
	bad "the reader of slot $1 still shows a card"
}
ue() { # MODE [options]: stdout in $W/ue.out, stderr in $W/ue.err, the exit code in RC
	local mode=$1
	shift
	RC=0
	"$AIOT" ue "$mode" --ausf "$AUSF" --mcc 001 --mnc 01 "$@" >$W/ue.out 2>$W/ue.err || RC=$?
}
val() { awk -v k="$1" '$1 == k {print $2}' $W/ue.out; }
kaf_at_aanf() { # AKID: the K_AF the AAnF serves the AF, once the AUSF has registered it
	local r
	for _ in $(seq 1 50); do
		r=$(h2post http://127.0.0.1:$APORT/naanf-akma/v1/retrieve-applicationkey "{\"afId\":\"$AF\",\"aKId\":\"$1\"}")
		[ "${r%% *}" == 200 ] && break
		sleep 0.1
	done
	echo "${r%% *} $(jq -r '.kaf' <<<"${r#* }")"
}

# --- 5G AKA + AKMA with the card's USIM, T=0: the SUPI from EF_IMSI -----------------------
perso $W/p1.json 001010000000001 $K1 $OPC1
card 0 $W/p1.json t0
ue kaf --usim "pcsc:$(reader 0)" --rid 12 --af-fqdn $AF --show-keys
check "ue kaf --usim pcsc, no --supi: exit 0, over T=0 ($(head -c 200 $W/ue.err))" "0 1" \
	"$RC $(grep -c "the USIM of the card in '$(reader 0)' (T=0)" $W/ue.err)"
AKID=$(val akid) KAF=$(val kaf)
check "the A-KID is the one of the card's IMSI (imsi-001010000000001)" "$AKID" \
	"$("$AIOT" crypto akid --kausf "$(val kausf)" --supi imsi-001010000000001 --rid 12 --mcc 001 --mnc 01)"
check "retrieve-applicationkey: the AAnF's K_AF for this A-KID = the UE's" "200 $KAF" "$(kaf_at_aanf $AKID)"
ue aka --usim "pcsc:$(reader 0)" --supi imsi-001010000000001 --rid 12
check "again (--supi given): exit 0, a new A-KID, no resynchronisation" "0 1 0" \
	"$RC $([ -n "$(val akid)" ] && [ "$(val akid)" != "$AKID" ] && echo 1) $(val resynced)"

# --- T=1; a card ahead of the UDM: AUTS through the card ----------------------------------
perso $W/p2.json 001010000000002 $K2 $OPC2 00000fff0001 # SEQ 0x7ff80, IND 1: the UDM's first SQN is SEQ 1, IND 1
card 1 $W/p2.json t1
ue aka --usim "pcsc:$(reader 1)"
check "T=1, SQN ahead of the UDM: exit 0 after AUTS re-synchronisation" "0 1 1" \
	"$RC $(val resynced) $(grep -c "(T=1)" $W/ue.err)"
grep -q resynchronised $W/ue.err && ok "stderr says so" || bad "stderr: $(cat $W/ue.err)"
check "the AAnF has the re-synchronised A-KID" 200 "$(kaf_at_aanf "$(val akid)" | cut -d' ' -f1)"
ue aka --usim "pcsc:$(reader 1)"
check "next run: fresh, no re-synchronisation" "0 0" "$RC $(val resynced)"

# --- no card, a card gone; a card with another K than the UDM: the USIM's MAC failure --------
eject 1
ue aka --usim "pcsc:$(reader 1)"
check "the card gone, the reader empty: exit 1 ($(head -c 120 $W/ue.err))" "1 1" "$RC $(grep -c 'no card' $W/ue.err)"
eject 0
ue aka --usim pcsc
check "no card in any reader: exit 1, the readers listed" "1 1" "$RC $(grep -c "no card in any reader (readers: .*$(reader 1)" $W/ue.err)"
perso $W/p3.json 001010000000003 $K2 $OPC2
card 0 $W/p3.json both
ue aka --usim pcsc
check "another K on the card (the first reader with a card): exit 1, the USIM's MAC failure" "1 1" \
	"$RC $(grep -c "MAC failure" $W/ue.err)"
grep -q 9862 $W/ue.err && ok "the card's 9862 is reported" || bad "stderr: $(cat $W/ue.err)"

# --- no such reader; usage -------------------------------------------------------------------
ue aka --usim pcsc:no-such-reader
check "no reader of that name: exit 1, the readers listed" "1 1" \
	"$RC $(grep -c "no reader named 'no-such-reader' (readers: .*$(reader 0)" $W/ue.err)"
ue aka --usim pcsc --k $K1 --opc $OPC1
check "--usim pcsc with --k: usage, exit 2" 2 "$RC"
ue aka --usim pcsc --usim-state $W/state
check "--usim pcsc with --usim-state: usage, exit 2" 2 "$RC"

finish
