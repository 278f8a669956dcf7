#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# make bench, section pkcs11 (issue 17 item 7): get-authentication req/s (h2load, as the adm
# section) with the devices' keys in a SoftHSM2 token (derivations by C_Sign, docs/pkcs11.md)
# against the same ADM with its keys in memory, per suite, one RAND_d per request: naming one
# device (the same object every time: C_SignInit + C_Sign per XRES), and every device of the
# store by filteringInfo (another object for each XRES).
#
#   bash bench/pkcs11.sh [requests]     (prints a Markdown section)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${AIOT_BUILD:-$ROOT/build}
N=${1:-50000}
NF=$((N / 100)) # requests over every device
DEVICES=${BENCH_PKCS11_DEVICES:-200}
MOD=${AIOT_PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
W=$(mktemp -d /tmp/aiot-bench-p11.XXXXXX)
ADM_PID=
trap '[ -n "$ADM_PID" ] && kill $ADM_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
mkdir $W/tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' $W >$W/softhsm2.conf
export SOFTHSM2_CONF=$W/softhsm2.conf
softhsm2-util --init-token --free --label bench --pin 1234 --so-pin 5678 >/dev/null
printf '1234\n' >$W/pin; chmod 600 $W/pin
P11=(--pkcs11-module $MOD --pkcs11-token bench --pkcs11-pin-file $W/pin)

# one store per (keys, suite); DEVICES devices each
for s in 3gpp aes; do
	"$B/aiot" provision --store sqlite:$W/mem-$s.db --kek-file $W/kek --count $DEVICES --suite $s --out $W/mem-$s.jsonl 2>>$W/prov.log
	t0=$(date +%s.%N)
	"$B/aiot" provision --store sqlite:$W/tok-$s.db --kek-file $W/kek --count $DEVICES --suite $s --out $W/tok-$s.jsonl "${P11[@]}" 2>>$W/prov.log
	echo "$(date +%s.%N) $t0" | awk -v n=$DEVICES '{printf "%.0f\n", n/($1-$2)}' >$W/prov-$s.rate
done

h2rate() { sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' "$1"; }
h2ok() { sed -n 's/.*status codes: \([0-9]*\) 2xx.*/\1/p' "$1"; }
run_one() { # name store args...
	local name=$1 store=$2; shift 2
	"$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/$store.db --kek-file $W/kek --workers 2 "$@" 2>$W/$name.log &
	ADM_PID=$!
	for _ in $(seq 1 200); do grep -q "listening on" $W/$name.log && break; sleep 0.05; done
	local port; port=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\).*/\1/p' $W/$name.log | head -1)
	local id; id=$(head -1 $W/$store.jsonl | jq -r .aiotDevPermId)
	printf '{"aiotDevPermId":"%s","randN":"%s","randDlist":["%s"]}' $id $(openssl rand -hex 16) $(openssl rand -hex 16) >$W/$name.json
	echo "+ h2load -n $N -c 8 -m 32 -d $name.json ... (aiot-adm --workers 2 $*)" >&2
	h2load -n $N -c 8 -m 32 -d $W/$name.json -H 'content-type: application/json' \
		http://127.0.0.1:$port/nadm-sec/v1/get-authentication >$W/$name.h2 2>&1
	# every device of the store in one request (filteringInfo: the group's 4-byte code)
	local filt; filt=$(echo -n "$id" | base64 -d | head -c 4 | base64)
	printf '{"filteringInfo":"%s","randN":"%s","randDlist":["%s"]}' $filt $(openssl rand -hex 16) $(openssl rand -hex 16) >$W/$name-all.json
	echo "+ h2load -n $NF -c 2 -m 2 -d $name-all.json ... (all $DEVICES devices per request)" >&2
	h2load -n $NF -c 2 -m 2 -d $W/$name-all.json -H 'content-type: application/json' \
		http://127.0.0.1:$port/nadm-sec/v1/get-authentication >$W/$name-all.h2 2>&1
	kill $ADM_PID; wait $ADM_PID 2>/dev/null || true; ADM_PID=
}
run_one mem3 mem-3gpp
run_one tok3 tok-3gpp "${P11[@]}"
run_one mema mem-aes
run_one toka tok-aes "${P11[@]}"
pct() { awk -v a=$1 -v b=$2 'BEGIN{printf "%.0f%%", 100*a/b}'; }
echo "\`aiot-adm --workers 2\` on a SQLite store of $DEVICES devices per suite, keys in memory (OpenSSL, prepared HMAC states) or in a SoftHSM2 $(softhsm2-util --version) token (\`--pkcs11-module $MOD\`, C_Sign per XRES in one session per worker); h2load against get-authentication with one RAND_d, naming one device (the same in every request) or selecting every device of the store by filteringInfo (each XRES under another object)."
echo
echo "Load average when it ran: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (ratios hold better than absolute figures on a shared machine)."
echo
echo "| suite | request | keys in memory | keys in the token | token / memory | 2xx (token) |"
echo "|---|---|---|---|---|---|"
xres() { awk -v r=$(h2rate $1) -v n=$DEVICES 'BEGIN{printf "%.0f", r*n}'; }
for s in 3gpp:mem3:tok3 aes:mema:toka; do
	IFS=: read -r su m t <<<"$s"
	echo "| $su | one device (\`-n $N -c 8 -m 32\`), req/s | $(h2rate $W/$m.h2) | $(h2rate $W/$t.h2) | $(pct $(h2rate $W/$t.h2) $(h2rate $W/$m.h2)) | $(h2ok $W/$t.h2)/$N |"
	echo "| $su | all $DEVICES devices by filteringInfo (\`-n $NF -c 2 -m 2\`), XRES/s | $(xres $W/$m-all.h2) | $(xres $W/$t-all.h2) | $(pct $(xres $W/$t-all.h2) $(xres $W/$m-all.h2)) | $(h2ok $W/$t-all.h2)/$NF |"
done
echo
echo "Provisioning into the token (SoftHSM writes one file per object): $(cat $W/prov-3gpp.rate) devices/s (3gpp), $(cat $W/prov-aes.rate) devices/s (aes)."
