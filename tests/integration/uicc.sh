#!/usr/bin/env bash
# aiot-uicc through the real PC/SC stack (pcscd + vpcd, scripts/pcsc.sh in a private namespace
# when unshare can make one) with Debian's own clients as the host: pcsc_scan sees the card and
# its ATR; opensc-tool gets TS 35.208 sets 1-6's RES, CK, IK through USIM AUTHENTICATE (T=0 and
# T=1 cards); a replayed AUTN gets 'DC' with an AUTS that `aiot crypto milenage` verifies, and
# the network's re-synchronised SQN is then accepted; a wrong MAC-A gets '9862'; the IMSI reads
# as on a USIM; --state keeps the SQN array across a restart (0600); the AIoT application's
# INVENTORY, DOA (right and wrong MAC_N) and NEXT_TID match `aiot crypto`; and no key appears
# in pcscd's APDU trace (pcscd -a), which does carry the answers.
if [ -z "${AIOT_PCSC_SLOTS:-}" ]; then
	AIOT_PCSC_FLAGS="-a -d" exec "$2/scripts/pcsc.sh" run -- bash "$0" "$@"
fi
source "$(dirname "$0")/lib.bash"
mapfile -t SLOT_PORTS < <(cut -f1 "$AIOT_PCSC_SLOTS")
TRACE=$AIOT_PCSC_DIR/pcscd.log
USIM_AID=A0000000871002
AIOT_AID=F041494F5401

# TS 35.208 4.3.1-4.3.6, from the one copy of the sets in the tree (13 fields a set:
# K RAND SQN AMF OP OPc f1 f1* f2 f3 f4 f5 f5*).
mapfile -t V < <(grep -o '"[0-9a-f]*"' "$S/tests/unit/ts35208_sets.h" | tr -d '"')
check "TS 35.208 sets read" 78 "${#V[@]}"
set_field() { echo "${V[$((($1 - 1) * 13 + $2))]}"; } # SET FIELD-INDEX
xor_hex() { python3 -c "import sys; a,b=sys.argv[1:]; print('%0*x' % (len(a), int(a,16)^int(b,16)))" "$1" "$2"; }
add_hex() { python3 -c "import sys; print('%012x' % (int(sys.argv[1],16)+int(sys.argv[2])))" "$1" "$2"; }

CARD_PID=("" "")
# start_card SLOT PERSO [aiot-uicc options]: the card in that slot, once pcscd has powered it.
start_card() {
	local slot=$1 perso=$2 log=$W/card$1.log
	shift 2
	[ -z "${CARD_PID[$slot]}" ] || stop_card "$slot"
	: >"$log"
	"$B/aiot-uicc" --perso "$perso" --vpcd "127.0.0.1:${SLOT_PORTS[$slot]}" --log-level debug "$@" 2>"$log" &
	CARD_PID[$slot]=$!
	PIDS+=("$!")
	for _ in $(seq 1 300); do
		grep -q "vpcd control 0x01" "$log" && return 0
		kill -0 "${CARD_PID[$slot]}" 2>/dev/null || break
		sleep 0.1
	done
	cat "$log" >&2
	return 1
}
stop_card() {
	kill "${CARD_PID[$1]}" 2>/dev/null || true
	wait "${CARD_PID[$1]}" 2>/dev/null || true
	CARD_PID[$1]=""
	# pcscd sees the card gone at its next poll; wait for that so the next card is a new one
	for _ in $(seq 1 100); do
		opensc-tool -l 2>/dev/null | grep -q "^$1 *No" && return 0
		sleep 0.1
	done
}
# apdus SLOT APDU...: one line per APDU, "SW DATA" (hex, upper case), from opensc-tool.
apdus() {
	local slot=$1 args=() a
	shift
	for a in "$@"; do args+=(-s "$a"); done
	# -c default: no card-driver detection (seconds of probing SELECTs per call)
	{ opensc-tool -r "$slot" -c default "${args[@]}" 2>&1 || true; } | awk '
		/^Received \(SW1=/ { if (n++) print sw, d; sw = sprintf("%s%s", substr($2, 8, 2), substr($3, 7, 2)); d = ""; next }
		/^Sending:/ { next }
		n && match($0, /^([0-9A-F][0-9A-F] )+/) { d = d substr($0, 1, RLENGTH) }
		END { if (n) print sw, d }' | sed 's/ *$//' | awk '{ s = $1; $1 = ""; gsub(/ /, ""); print s, $0 }' | sed 's/ $//'
}
last() { tail -1; }
perso_usim() { # FILE K OPC SQN [aiot-member]
	printf '{"usim":{"imsi":"001010000000001","k":"%s","opc":"%s","sqn":"%s"}%s}\n' "$2" "$3" "$4" "${5:-}" >"$1"
	chmod 600 "$1"
}

# --- pcsc_scan, an independent client, sees the cards and their ATRs --------------------
K1=$(set_field 1 0) OPC1=$(set_field 1 5) SQN1=$(set_field 1 2)
AKEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
PERM=ZGV2aWNlLTAwMDE= # "device-0001"
AIOT_MEMBER=",\"aiot\":{\"aiotDevPermId\":\"$PERM\",\"key\":\"$AKEY\",\"suite\":\"3gpp\"}"
perso_usim $W/p1.json "$K1" "$OPC1" "$(python3 -c "print('%012x' % (int('$SQN1',16)-32))")" "$AIOT_MEMBER"
start_card 0 $W/p1.json --protocol t0
start_card 1 $W/p1.json --protocol t1
timeout 10 pcsc_scan -n -t 2 >$W/scan.out 2>&1 || true
grep -q "Reader 0: aiot vpcd 00 00" $W/scan.out && ok "pcsc_scan lists reader aiot vpcd 00 00" || bad "pcsc_scan: $(head -c 600 $W/scan.out)"
check "pcsc_scan: the T=0 card's ATR" 1 "$(grep -c 'ATR: 3B 08 80 F6 F0 41 49 4F 54 01$' $W/scan.out)"
check "pcsc_scan: the T=1 card's ATR (TCK)" 1 "$(grep -c 'ATR: 3B 88 01 80 F6 F0 41 49 4F 54 01 1D$' $W/scan.out)"

# --- TS 35.208 through AUTHENTICATE: RES, CK, IK; replay -> AUTS; re-sync; MAC failure ----
for set in 1 2 3 4 5 6; do
	slot=$((set % 2))
	K=$(set_field $set 0) RAND=$(set_field $set 1) SQN=$(set_field $set 2) AMF=$(set_field $set 3)
	OPC=$(set_field $set 5)
	AUTN=$(xor_hex "$SQN" "$(set_field $set 11)")$AMF$(set_field $set 6)
	perso_usim $W/s$set.json "$K" "$OPC" "$(python3 -c "print('%012x' % (int('$SQN',16)-32))")"
	start_card $slot $W/s$set.json --protocol "$([ $slot = 0 ] && echo t0 || echo t1)"
	AUTH=0088008122"10${RAND}10${AUTN}"00
	R=$(apdus $slot 00A4040C07$USIM_AID "$AUTH" "$AUTH")
	want=$(echo "DB08$(set_field $set 8)10$(set_field $set 9)10$(set_field $set 10)" | tr a-f A-F)
	check "set $set (slot $slot): RES, CK, IK" "9000 $want" "$(echo "$R" | sed -n 2p)"
	AUTS=$(echo "$R" | sed -n 3p | sed -n 's/^9000 DC0E//p' | tr A-F a-f)
	sqn_ms=$(xor_hex "${AUTS:0:12}" "$(set_field $set 12)")
	check "set $set: replay -> AUTS carrying SQN_MS = the set's SQN" "$SQN" "$sqn_ms"
	macs=$("$AIOT" crypto milenage --k "$K" --opc "$OPC" --rand "$RAND" --sqn "$SQN" --amf 0000 --out mac-s)
	check "set $set: MAC-S in AUTS (aiot crypto milenage)" "$macs" "${AUTS:12:16}"
	# the network re-synchronises: SQN = SQN_MS + 32 (next SEQ, same IND)
	NSQN=$(add_hex "$sqn_ms" 32)
	AK=$("$AIOT" crypto milenage --k "$K" --opc "$OPC" --rand "$RAND" --sqn "$NSQN" --amf "$AMF" --out ak)
	MACA=$("$AIOT" crypto milenage --k "$K" --opc "$OPC" --rand "$RAND" --sqn "$NSQN" --amf "$AMF" --out mac-a)
	NAUTN=$(xor_hex "$NSQN" "$AK")$AMF$MACA
	BAD=${NAUTN:0:31}$(printf '%x' $(((0x${NAUTN:31:1} ^ 1))))
	R=$(apdus $slot 00A4040C07$USIM_AID 0088008122"10${RAND}10${NAUTN}"00 0088008122"10${RAND}10${BAD}"00)
	check "set $set: re-synchronised SQN accepted" "9000 DB08" "$(echo "$R" | sed -n 2p | cut -c1-9)"
	check "set $set: MAC-A one bit off -> 9862" "9862" "$(echo "$R" | sed -n 3p)"
done

# --- the IMSI as on a USIM; --state keeps the SQN array across a restart -----------------
R=$(apdus 0 00A4040C07$USIM_AID 00A4000C026F07 00B0000009)
check "EF_IMSI through SELECT + READ BINARY" "9000 080910100000000010" "$(echo "$R" | last)"
RAND1=$(set_field 1 1)
AUTH1=0088008122"10${RAND1}10$(xor_hex "$SQN1" "$(set_field 1 11)")$(set_field 1 3)$(set_field 1 6)"00
start_card 0 $W/p1.json --state $W/card.state
check "--state file is 0600" 600 "$(stat -c %a $W/card.state)"
check "--state: first AUTHENTICATE" "9000 DB08" "$(apdus 0 00A4040C07$USIM_AID "$AUTH1" | last | cut -c1-9)"
start_card 0 $W/p1.json --state $W/card.state
check "--state: after a restart the same AUTN is a replay" "9000 DC0E" "$(apdus 0 00A4040C07$USIM_AID "$AUTH1" | last | cut -c1-9)"
start_card 0 $W/p1.json
check "without --state a restart forgets (the check above can fail)" "9000 DB08" "$(apdus 0 00A4040C07$USIM_AID "$AUTH1" | last | cut -c1-9)"

# --- the AIoT application against `aiot crypto` ------------------------------------------
RN=00112233445566778899aabbccddeeff RD=0f1e2d3c4b5a69788796a5b4c3d2e1f0
ID=$(echo -n device-0001 | xxd -p)
c() { "$AIOT" crypto "$1" --suite 3gpp --key $AKEY --rand-n $RN --rand-d $RD "${@:2}" | tr a-f A-F; }
MACN=$(c macn --id "$ID")
BADMACN=${MACN:0:15}$(printf '%X' $(((0x${MACN:15:1} ^ 1))))
R=$(apdus 0 00A4040C06$AIOT_AID 8088080122"10${RN}10${RD}"00 \
	8088040237"10${RN}10${RD}0B${ID}08${MACN}"00 8088040237"10${RN}10${RD}0B${ID}08${BADMACN}"00 \
	8088000322"10${RN}10${RD}"00)
check "AIoT INVENTORY: RES_AIOT (64 bits) and K_AIOTF" "9000 DB08$(c res --bits 64)10$(c kaiotf)" "$(echo "$R" | sed -n 2p)"
check "AIoT DOA: RES_D (32 bits) and K_AIOTF" "9000 DB04$(c resd --id "$ID" --bits 32)10$(c kaiotf)" "$(echo "$R" | sed -n 3p)"
check "AIoT DOA: MAC_N one bit off -> 9862" "9862" "$(echo "$R" | sed -n 4p)"
check "AIoT NEXT_TID" "9000 DB10$(c tid)" "$(echo "$R" | sed -n 5p)"
check "AIoT DOA, but the data is 2 octets short -> 6700" "6700" \
	"$(apdus 0 00A4040C06$AIOT_AID 8088040235"10${RN}10${RD}0B${ID}08${MACN:0:12}"00 | last)"

# --- no key in pcscd's APDU trace; the trace does carry the answers -----------------------
stop_card 0
stop_card 1
sleep 0.5
TR=$(tr -d ' \n' <"$TRACE" | tr a-f A-F)
grep -q "$(set_field 1 8 | tr a-f A-F)" <<<"$TR" && ok "the trace holds set 1's RES (it shows the answers)" || bad "no RES in the trace: $(grep -c APDU "$TRACE") APDU lines"
leak=0
for key in $AKEY $(for s in 1 2 3 4 5 6; do set_field $s 0; set_field $s 5; done); do
	K=$(echo "$key" | tr a-f A-F)
	for ((o = 0; o + 16 <= ${#K}; o += 8)); do # every 8-octet window of each key
		grep -q "${K:$o:16}" <<<"$TR" && leak=$((leak + 1))
	done
done
check "no 8 octets of any K, OPc or K_AIOT_root in the APDU trace" 0 "$leak"
finish
