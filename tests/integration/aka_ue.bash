# The UE's side of 5G AKA for the UDM and AUSF tests (sourced after lib.bash): every value
# from `aiot crypto` (MILENAGE, TS 33.501 Annex A), never from the code under test.
# xor12 A B: the xor of two 6-octet hex strings.
xor12() { printf '%012x' $((0x$1 ^ 0x$2)); }
# mil K OPC RAND SQN AMF OUT
mil() { "$AIOT" crypto milenage --k "$1" --opc "$2" --rand "$3" --sqn "$4" --amf "$5" --out "$6"; }
# ue_check K OPC RAND AUTN SNN: verifies AUTN's MAC-A (TS 33.102 6.3.3) and sets UE_SQN,
# UE_RES_STAR, UE_KAUSF; returns 1 when MAC-A does not verify.
ue_check() {
	local k=$1 opc=$2 rand=$3 autn=$4 snn=$5 ak amf ck ik res
	ak=$(mil "$k" "$opc" "$rand" 000000000000 0000 ak)
	UE_SQN=$(xor12 "${autn:0:12}" "$ak")
	amf=${autn:12:4}
	[ "$(mil "$k" "$opc" "$rand" "$UE_SQN" "$amf" mac-a)" == "${autn:16:16}" ] || return 1
	ck=$(mil "$k" "$opc" "$rand" "$UE_SQN" "$amf" ck)
	ik=$(mil "$k" "$opc" "$rand" "$UE_SQN" "$amf" ik)
	res=$(mil "$k" "$opc" "$rand" "$UE_SQN" "$amf" res)
	UE_RES_STAR=$("$AIOT" crypto res-star --ck "$ck" --ik "$ik" --snn "$snn" --rand "$rand" --res "$res")
	UE_KAUSF=$("$AIOT" crypto kausf --ck "$ck" --ik "$ik" --snn "$snn" --sqn-xor-ak "${autn:0:12}")
}
# ue_auts K OPC RAND SQN_MS: the AUTS of a UE whose SQN_MS is SQN_MS (TS 33.102 6.3.3).
ue_auts() {
	local akstar macs
	akstar=$(mil "$1" "$2" "$3" 000000000000 0000 ak-star)
	macs=$(mil "$1" "$2" "$3" "$4" 0000 mac-s)
	echo "$(xor12 "$4" "$akstar")$macs"
}
# seq_of SQN: its SEQ (TS 33.102 C.1.1: SQN = SEQ || IND, IND 5 bits)
seq_of() { echo $((0x$1 >> 5)); }
