#!/usr/bin/env bash
# `aiot crypto` against an independent implementation of docs/protocol.md §2 built from OpenSSL's
# command line (openssl mac / openssl enc) and the FC table read from src/crypto/aiot_fc.h,
# on random inputs for both suites and both backends; plus published vectors and every
# class of bad argument.
# usage: crypto_vs_openssl.sh path/to/aiot source-dir [iterations]
set -euo pipefail
AIOT=$1
SRC=$2
N=${3:-25}
fail=0
checks=0

fc() { # the value of a #define in the one FC table, as two hex digits
	local v
	v=$(sed -n "s/^#define $1[[:space:]]\+0x\([0-9A-Fa-f]\{2\}\).*/\1/p" "$SRC/src/crypto/aiot_fc.h")
	[ -n "$v" ] || { echo "cannot read $1 from aiot_fc.h" >&2; exit 1; }
	echo "${v,,}"
}
FC_RES=$(fc AIOT_FC_RES); FC_KAIOTF=$(fc AIOT_FC_KAIOTF)
FC_ALGKEY=$(fc AIOT_FC_ALGKEY); FC_TID=$(fc AIOT_FC_TID)
FC_MACN=$(fc AIOT_FC_MACN); FC_RESD=$(fc AIOT_FC_RESD)
ENC=$(fc AIOT_ALG_TYPE_ENC); INT=$(fc AIOT_ALG_TYPE_INT); NEA2=$(fc AIOT_ALG_ID_NEA2)

hmac() { # hexkey hexmsg -> lowercase hex
	echo -n "$2" | xxd -r -p | openssl mac -digest SHA256 -macopt "hexkey:$1" HMAC | tr A-F a-f
}
cmac() {
	echo -n "$2" | xxd -r -p | openssl mac -cipher AES-128-CBC -macopt "hexkey:$1" CMAC | tr A-F a-f
}
prf() { # suite key S
	if [ "$1" = 3gpp ]; then hmac "$2" "$3"; else cmac "$2" "$3"; fi
}
last() { echo "${1: -$(($2 * 2))}"; } # last n bytes of a hex string

expect() { # name expected actual
	checks=$((checks + 1))
	if [ "$2" != "$3" ]; then
		echo "FAIL $1: expected $2, got $3" >&2
		fail=$((fail + 1))
	fi
}

# Published vectors through the CLI: TS 33.401 C.2 128-EIA2 test set 1 (58-bit message).
for be in openssl ref; do
	expect "eia2 set1 $be" 118c6eb8 "$("$AIOT" crypto nia2 --backend $be \
		--key 2bd6459f82c5b300952c49104881ff48 --count 38a6f056 --bearer 24 \
		--direction 0 --msg 3332346263393840 --bits 58)"
	# TS 33.401 C.1 128-EEA2 test set 1 (253 bits: the 3 unused bits of the last byte are 0).
	expect "eea2 set1 $be" e9fed8a63d155304d71df20bf3e82214b20ed7dad2f233dc3c22d7bdeeed8e78 \
		"$("$AIOT" crypto nea2 --backend $be --key d3c5d592327fb11c4035c6680af8c6d1 \
		--count 398a59b4 --bearer 21 --direction 1 --bits 253 \
		--msg 981ba6824c1bfb1ab485472029b71d808ce33e2cc3c0b5fc1f3de8a6dc66b1f0)"
done

for ((i = 0; i < N; i++)); do
	rn=$(openssl rand -hex 16); rd=$(openssl rand -hex 16)
	for suite in 3gpp aes; do
		if [ $suite = aes ] || ((i % 2)); then key=$(openssl rand -hex 16); else key=$(openssl rand -hex 32); fi
		for be in openssl ref; do
			bits=$(((i % 4 + 1) * 32))
			S="${FC_RES}${rn}0010${rd}0010"
			expect "res $suite/$be/$bits" "$(last "$(prf $suite "$key" "$S")" $((bits / 8)))" \
				"$("$AIOT" crypto res --backend $be --suite $suite --key "$key" --rand-n "$rn" --rand-d "$rd" --bits $bits)"
			S="${FC_KAIOTF}${rn}0010${rd}0010"
			kf=$(last "$(prf $suite "$key" "$S")" 16)
			expect "kaiotf $suite/$be" "$kf" \
				"$("$AIOT" crypto kaiotf --backend $be --suite $suite --key "$key" --rand-n "$rn" --rand-d "$rd")"
			S="${FC_TID}${rn}0010${rd}0010"
			expect "tid $suite/$be" "$(last "$(prf $suite "$key" "$S")" 16)" \
				"$("$AIOT" crypto tid --backend $be --suite $suite --key "$key" --rand-n "$rn" --rand-d "$rd")"
			# DO-A: P2 = the identifier of M1 (a 16-octet T-ID, or a permanent ID of any length)
			idl=$((i % 3 ? 16 : 1 + RANDOM % 128)); id=$(openssl rand -hex $idl); L2=$(printf %04x $idl)
			S="${FC_MACN}${rn}0010${rd}0010${id}${L2}"
			expect "macn $suite/$be/$idl" "$(last "$(prf $suite "$key" "$S")" 8)" \
				"$("$AIOT" crypto macn --backend $be --suite $suite --key "$key" --rand-n "$rn" --rand-d "$rd" --id "$id")"
			S="${FC_RESD}${rn}0010${rd}0010${id}${L2}"
			expect "resd $suite/$be/$bits" "$(last "$(prf $suite "$key" "$S")" $((bits / 8)))" \
				"$("$AIOT" crypto resd --backend $be --suite $suite --key "$key" --rand-n "$rn" --rand-d "$rd" --id "$id" --bits $bits)"
			S="${FC_ALGKEY}${ENC}0001${NEA2}0001"
			expect "algkey enc $suite/$be" "$(last "$(prf $suite "$kf" "$S")" 16)" \
				"$("$AIOT" crypto algkey --backend $be --suite $suite --key "$kf" --type enc)"
		done
	done
	# Generic KDF with 0..3 random parameters of random lengths.
	key=$(openssl rand -hex $((1 + i % 40))); f=$(openssl rand -hex 1)
	S=$f; params=()
	for ((j = 0; j < i % 4; j++)); do
		len=$((RANDOM % 20)); p=""
		((len)) && p=$(openssl rand -hex $len)
		S+="${p}$(printf %04x $len)"; params+=(--param "$p")
	done
	expect "kdf" "$(hmac "$key" "$S")" "$("$AIOT" crypto kdf --key "$key" --fc "$f" "${params[@]}")"
	# NIA2 / NEA2 on whole-byte messages (openssl's CLI takes bytes only).
	key=$(openssl rand -hex 16); count=$(openssl rand -hex 4); bearer=$((RANDOM % 32)); dir=$((RANDOM % 2))
	msg=$(openssl rand -hex $((1 + RANDOM % 64)))
	hdr="${count}$(printf %02x $(((bearer << 3) | (dir << 2))))000000"
	expect "nia2" "$(cmac "$key" "${hdr}${msg}" | cut -c1-8)" \
		"$("$AIOT" crypto nia2 --key "$key" --count "$count" --bearer $bearer --direction $dir --msg "$msg")"
	expect "nea2" "$(echo -n "$msg" | xxd -r -p | openssl enc -aes-128-ctr -K "$key" -iv "${hdr}0000000000000000" | xxd -p | tr -d '\n')" \
		"$("$AIOT" crypto nea2 --key "$key" --count "$count" --bearer $bearer --direction $dir --msg "$msg")"
done

# Bad arguments: an error on stderr, a non-zero exit, nothing on stdout.
bad() { # description, then the command line
	local what=$1; shift
	local out err rc=0
	out=$("$AIOT" "$@" 2>/tmp/aiot-cli-err.$$) || rc=$?
	err=$(cat /tmp/aiot-cli-err.$$); rm -f /tmp/aiot-cli-err.$$
	checks=$((checks + 1))
	if [ $rc -ne 2 ] || [ -n "$out" ] || [ -z "$err" ]; then
		echo "FAIL bad-arg '$what': rc=$rc out='$out' err='$err'" >&2
		fail=$((fail + 1))
	fi
}
K=000102030405060708090a0b0c0d0e0f; R=$K
bad "odd hex" crypto res --suite 3gpp --key 0011f --rand-n $R --rand-d $R
bad "non-hex" crypto res --suite 3gpp --key zz0102030405060708090a0b0c0d0e0f --rand-n $R --rand-d $R
bad "aes 256-bit key" crypto res --suite aes --key $K$K --rand-n $R --rand-d $R
bad "3gpp 120-bit key" crypto kaiotf --suite 3gpp --key ${K:2} --rand-n $R --rand-d $R
bad "short rand-n" crypto res --suite 3gpp --key $K --rand-n 00 --rand-d $R
bad "bits 48" crypto res --suite 3gpp --key $K --rand-n $R --rand-d $R --bits 48
bad "unknown suite" crypto tid --suite foo --key $K --rand-n $R --rand-d $R
bad "missing --rand-d" crypto tid --suite aes --key $K --rand-n $R
bad "unknown option" crypto res --suite aes --key $K --rand-n $R --rand-d $R --bogus 1
bad "option not taken" crypto tid --suite aes --key $K --rand-n $R --rand-d $R --bits 64
bad "bearer 32" crypto nia2 --key $K --count 1 --bearer 32 --direction 0 --msg 00
bad "direction 2" crypto nea2 --key $K --count 1 --bearer 0 --direction 2 --msg 00
bad "count 9 digits" crypto nia2 --key $K --count 123456789 --bearer 0 --direction 0 --msg 00
bad "bits > msg" crypto nia2 --key $K --count 1 --bearer 0 --direction 0 --msg 00 --bits 9
bad "bits << msg" crypto nea2 --key $K --count 1 --bearer 0 --direction 0 --msg 0000 --bits 3
bad "fc 2 bytes" crypto kdf --key $K --fc a0a0
bad "empty key" crypto kdf --key "" --fc a0
bad "unknown sub" crypto frobnicate --key $K
bad "macn without --id" crypto macn --suite aes --key $K --rand-n $R --rand-d $R
bad "macn empty --id" crypto macn --suite aes --key $K --rand-n $R --rand-d $R --id ""
bad "macn 129-octet --id" crypto macn --suite 3gpp --key $K --rand-n $R --rand-d $R --id "$(printf '00%.0s' {1..129})"
bad "macn --bits" crypto macn --suite 3gpp --key $K --rand-n $R --rand-d $R --id 01 --bits 64
bad "resd bits 16" crypto resd --suite 3gpp --key $K --rand-n $R --rand-d $R --id 01 --bits 16
bad "resd odd --id" crypto resd --suite aes --key $K --rand-n $R --rand-d $R --id 012
bad "resd short rand-d" crypto resd --suite aes --key $K --rand-n $R --rand-d 00 --id 01
bad "unknown backend" crypto res --backend gpu --suite aes --key $K --rand-n $R --rand-d $R

echo "crypto_vs_openssl: $checks checks, $fail failed"
[ $fail -eq 0 ]
