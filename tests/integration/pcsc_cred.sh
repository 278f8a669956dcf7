#!/usr/bin/env bash
# The device's credential ops on a card through the real PC/SC stack (pcscd + vpcd, virtual
# cards build/aiot-uicc; src/pcsc/cred_uicc.c over pcsc.c): RES_AIOT with K_AIOTF, the next
# T-ID, RES_D with K_AIOTF once MAC_N verified, each equal to what `aiot crypto` derives from
# the card's key, over T=0 (answers fetched with GET RESPONSE) and T=1, for both suites; a
# wrong MAC_N is the card's '9862'; a card without the AIoT application is refused. Under
# `scripts/pcsc.sh run` (a private pcscd, see pcsc_ue.sh).
if [ -z "${AIOT_PCSC_SLOTS:-}" ]; then
	exec bash "$(cd "$2" && pwd)/scripts/pcsc.sh" run -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.bash"
mapfile -t SLOTS <"$AIOT_PCSC_SLOTS"
port() { cut -f1 <<<"${SLOTS[$1]}"; }
reader() { cut -f2 <<<"${SLOTS[$1]}"; }
present() { opensc-tool -l 2>/dev/null | grep -F "$(reader $1)" | grep -q Yes; }
CARD=()
card() { # SLOT PERSO PROTOCOL [aiot-uicc options]
	"$B/aiot-uicc" --perso "$2" --vpcd 127.0.0.1:"$(port $1)" --protocol "$3" "${@:4}" 2>>$W/card$1.log &
	CARD[$1]=$!
	PIDS+=("${CARD[$1]}")
	for _ in $(seq 1 150); do present $1 && return 0; sleep 0.1; done
	bad "the card in slot $1 never showed up: $(cat $W/card$1.log)"
}
eject() {
	kill "${CARD[$1]}"
	wait "${CARD[$1]}" 2>/dev/null || true
	for _ in $(seq 1 150); do present $1 || return 0; sleep 0.1; done
}
ID=c35a960f1122334455667788 # the permanent ID, as M1 sends it
RN=000102030405060708090a0b0c0d0e0f RD=f0e1d2c3b4a5968778695a4b3c2d1e0f
crypto() { "$AIOT" crypto "$@" --suite $SUITE --key $KEY --rand-n $RN --rand-d $RD; }

for SUITE in 3gpp aes; do
	KEY=$([ $SUITE = 3gpp ] && echo 2b7e151628aed2a6abf7158809cf4f3c2b7e151628aed2a6abf7158809cf4f3c || echo 000102030405060708090a0b0c0d0e0f)
	echo "{\"aiot\":{\"aiotDevPermId\":\"$(xxd -r -p <<<$ID | base64)\",\"key\":\"$KEY\",\"suite\":\"$SUITE\"}}" >$W/p.json
	chmod 600 $W/p.json
	MACN=$(crypto macn --id $ID)
	for i in 0 1; do
		PROTO=$([ $i = 0 ] && echo t0 || echo t1)
		card $i $W/p.json $PROTO
		RC=0
		"$B/cred_probe" "$(reader $i)" $RN $RD 64 $ID $MACN >$W/probe.out 2>$W/probe.err || RC=$?
		check "$SUITE over $PROTO: exit 0 ($(cat $W/probe.err))" "0 protocol T=$i" "$RC $(head -1 $W/probe.out)"
		check "$SUITE/$PROTO inventory: RES_AIOT and K_AIOTF = aiot crypto res, kaiotf" \
			"inventory $(crypto res --bits 64) $(crypto kaiotf)" "$(grep ^inventory $W/probe.out)"
		check "$SUITE/$PROTO next T-ID = aiot crypto tid" "tid $(crypto tid)" "$(grep ^tid $W/probe.out)"
		check "$SUITE/$PROTO DO-A: RES_D and K_AIOTF once MAC_N verified" \
			"doa $(crypto resd --id $ID --bits 64) $(crypto kaiotf)" "$(grep ^doa $W/probe.out)"
		"$B/cred_probe" "$(reader $i)" $RN $RD 32 $ID 0000000000000000 >$W/probe.out 2>&1 || true
		check "$SUITE/$PROTO a wrong MAC_N: the card refuses ('9862')" "doa mac" "$(grep ^doa $W/probe.out)"
		eject $i
	done
done

# a card with only a USIM: no AIoT application
echo '{"usim":{"imsi":"001010000000001","k":"465b5ce8b199b49faa5f0a2ee238a6bc","opc":"cd63cb71954a9f4e48a5994e37a02baf"}}' >$W/u.json
chmod 600 $W/u.json
card 0 $W/u.json both
RC=0
"$B/cred_probe" "$(reader 0)" $RN $RD 64 $ID 0000000000000000 >$W/probe.out 2>$W/probe.err || RC=$?
check "a card without the AIoT application: exit 1, said so" "1 1" "$RC $(grep -c 'no such application' $W/probe.err)"

# how fast: INVENTORY ops through pcscd (a number for the report, not a pass/fail)
card 1 $W/p.json both --log-level debug
"$B/cred_probe" "$(reader 1)" $RN $RD 64 $ID 0000000000000000 50 >$W/probe.out 2>&1 || true
grep ^ops $W/probe.out | awk '{printf "# %d INVENTORY ops through pcscd in %s s: %.0f/s\n", $2, $4, $2 / $4}'

# another host (opensc-tool) probes the card (its SELECTs leave our application) and resets it
# in the middle of a run of ops: the link reconnects, selects the AIoT application again and
# goes on, every op answered
L0=$(wc -l <$W/card1.log)
"$B/cred_probe" "$(reader 1)" $RN $RD 64 $ID 0000000000000000 0 >$W/probe.out 2>$W/probe.err &
PROBE=$!
PIDS+=("$PROBE")
timeout 60 opensc-tool -r 1 --reset >$W/reset.out 2>&1 && ok "opensc-tool reset the card" || bad "opensc-tool --reset: $(cat $W/reset.out)"
after_reset() { tail -n +$L0 $W/card1.log | sed -n '/vpcd control 0x00/,$p' | grep -c 'C-APDU 80 88 08 01.*9000' || true; }
for _ in $(seq 1 200); do [ "$(after_reset)" -ge 3 ] && break; sleep 0.1; done
kill -TERM $PROBE 2>/dev/null || true # (a probe that failed has ended)
RC=0
wait $PROBE || RC=$?
check "a reset mid-run: the run goes on ($(cat $W/probe.err))" "0 1" "$RC $(grep -c '^ops [1-9]' $W/probe.out)"
check "... the card powered off and on, the AIoT application selected again, ops answered" "1 yes" \
	"$(tail -n +$L0 $W/card1.log | sed -n '/vpcd control 0x01/,$p' | grep -c -m1 'C-APDU 00 A4 04 0C, 11 octets -> SW 9000') $([ "$(after_reset)" -ge 3 ] && echo yes)"

# the card pulled in the middle of a run of ops: exit 1 with the reason, in time
"$B/cred_probe" "$(reader 1)" $RN $RD 64 $ID 0000000000000000 1000000 >$W/probe.out 2>$W/probe.err &
PROBE=$!
PIDS+=("$PROBE")
sleep 1
eject 1
RC=0
timeout 20 tail --pid=$PROBE -f /dev/null || RC=$?
wait $PROBE 2>/dev/null || RC=$((RC + $?))
check "card pulled mid-run: exit 1 ($(cat $W/probe.err))" "1 1" \
	"$RC $(grep -c -E 'removed|no card|does not answer' $W/probe.err)"

# no PC/SC service (the client library's socket moved away): said so
RC=0
PCSCLITE_CSOCK_NAME=$W/no-pcscd "$B/cred_probe" x $RN $RD 64 $ID $MACN >/dev/null 2>$W/probe.err || RC=$?
check "no PC/SC service: exit 1, said so" "1 1" "$RC $(grep -c 'no PC/SC service' $W/probe.err)"
finish
