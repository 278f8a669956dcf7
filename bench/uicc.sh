#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# make bench, section uicc (issue 16): one virtual card (build/aiot-uicc) behind a pcscd of its
# own (scripts/pcsc.sh run: a private namespace where unshare can make one), one client
# (build/bench_uicc): USIM AUTHENTICATE per second through pcscd, and a device's paging
# (RES_AIOT + K_AIOTF) per second with its key on the card against the key in memory.
#
#   bash bench/uicc.sh [seconds]     (prints a Markdown section)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${AIOT_BUILD:-$ROOT/build}
SECS=${1:-3}
if [ -z "${AIOT_PCSC_SLOTS:-}" ]; then
	exec bash scripts/pcsc.sh run -- bash "$0" "$@"
fi
W=$(mktemp -d /tmp/aiot-bench-uicc.XXXXXX)
PORT=$(head -1 "$AIOT_PCSC_SLOTS" | cut -f1)
READER=$(head -1 "$AIOT_PCSC_SLOTS" | cut -f2)
CARD=
trap '[ -n "$CARD" ] && kill $CARD 2>/dev/null; rm -rf "$W"' EXIT
# TS 35.208 set 1 for the USIM; a random K_AIOT_root (suite 3gpp) for the AIoT application.
cat >"$W/perso.json" <<JSON
{"usim":{"imsi":"001010000000001","k":"465b5ce8b199b49faa5f0a2ee238a6bc","opc":"cd63cb71954a9f4e48a5994e37a02baf"},
 "aiot":{"aiotDevPermId":"AQIDBAUGBwg=","key":"$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')","suite":"3gpp"}}
JSON
chmod 600 "$W/perso.json"
"$B/aiot-uicc" --perso "$W/perso.json" --vpcd "127.0.0.1:$PORT" 2>"$W/card.log" &
CARD=$!
for _ in $(seq 1 150); do
	opensc-tool -l 2>/dev/null | grep -F "$READER" | grep -q Yes && break
	sleep 0.1
done
echo "+ $B/bench_uicc '$READER' perso.json $SECS" >&2
"$B/bench_uicc" "$READER" "$W/perso.json" "$SECS" >"$W/rates"
rate() { awk -v k="$1" '$1 == k {print $2}' "$W/rates"; }
count() { awk -v k="$1" '$1 == k {print $3}' "$W/rates"; }
echo "\`bash bench/uicc.sh $SECS\`: \`aiot-uicc\` in vpcd slot '$READER' of its own pcscd (\`scripts/pcsc.sh run\`), one client (\`build/bench_uicc\`), $SECS s per row; every RES checked. A paging is the device's only K_AIOT_root operation of the network-triggered procedure (RES_AIOT, K_AIOTF and the session keys); a command is then verified under K_AIOT_int in the device's memory, with no card call, at the soft path's cost."
echo
echo "| operation | per second | done |"
echo "|---|---|---|"
echo "| USIM AUTHENTICATE through pcscd (MILENAGE on the card, a fresh SQN each) | $(rate usim) | $(count usim) |"
echo "| device paging, K_AIOT_root on the card (AIoT AUTHENTICATE through pcscd) | $(rate card) | $(count card) |"
echo "| device paging, K_AIOT_root in memory (soft, the same library) | $(rate soft) | $(count soft) |"
echo
echo "The card path costs $(awk -v c="$(rate card)" -v s="$(rate soft)" 'BEGIN{printf "%.0f", s/c}') times the soft one here: one APDU exchange through pcscd and vpcd's TCP link per paging."
