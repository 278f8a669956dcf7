#!/usr/bin/env bash
# The README's walk-through, run as a newcomer would paste it: the shell blocks of "Running
# each daemon alone", "Running the ADM", its "Mutual TLS" and "OAuth 2.0 access tokens"
# paragraphs, "Running the NRF" and "Running the UDM and the AUSF" and "The test UE (aiot ue)" are extracted from README.md and run as they are, in scratch
# directories beside `build` and a copy of `config/`.
# Only the well-known ports are swapped for free ones (in the blocks and in the copied
# config/*.yaml alike), so that the test runs beside anything else. A README whose commands
# stop working fails here.
. "$(dirname "$0")/lib.bash"
for x in aiot aiot-adm aiot-aiotf aiot-reader aiot-devsim; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done

# The first ```sh block after the line that starts with $1.
block() {
	awk -v h="$1" 'index($0, h) == 1 { f = 1 } f && /^```sh$/ { b = 1; next }
		b && /^```$/ { exit } b { print }' "$S/README.md"
}

# A free port in FP: TCP, or UDP with $1 = u. Random and checked with ss, not reserved;
# outside the kernel's ephemeral range, where the other tests' port-0 listeners and every
# outgoing connection get theirs (one of those took an AIOTF port here once, under ASan).
read -r EPH_LO EPH_HI </proc/sys/net/ipv4/ip_local_port_range
if [ "$EPH_LO" -ge 11024 ]; then PLO=10000 PN=$((EPH_LO - 10000)); else PLO=$((EPH_HI + 1)) PN=$((65535 - EPH_HI)); fi
TAKEN=" "
freeport() {
	for _ in $(seq 1 200); do
		FP=$((PLO + RANDOM % PN))
		case "$TAKEN" in *" $FP "*) continue ;; esac
		[ -z "$(ss -Hn${1:-t}l "sport = :$FP")" ] && { TAKEN="$TAKEN$FP "; return 0; }
	done
	bad "no free port"; exit 1
}
SED=$W/ports.sed
: >"$SED"
for p in 7777 7780 38412 8000 9000 9107 9108 9109 9110 7781 7782 7790 9113 9114 5684 9112; do
	freeport; echo "s/\\b$p\\b/$FP/g" >>"$SED"
done
freeport u; echo "s/\\b47000\\b/$FP/g" >>"$SED"

# Each block runs in a new session (its process group is ours to stop) with a deadline.
run_block() { # NAME DIR
	local name=$1 dir=$2 rc=0
	sed -f "$SED" "$W/$name.sh.in" >"$dir/$name.sh"
	(cd "$dir" && exec setsid timeout 60 bash -e "$name.sh") >"$W/$name.out" 2>"$W/$name.err" &
	local pid=$!
	wait $pid || rc=$?
	kill -- -$pid 2>/dev/null || true
	check "$name: the block runs to its end (exit 0)" 0 $rc
	[ $rc -eq 0 ] || { tail -n 30 "$W/$name.err" >&2; }
}
scratch() {
	mkdir -p "$W/$1/config"
	ln -s "$B" "$W/$1/build"
	for f in "$S"/config/*.yaml; do sed -f "$SED" "$f" >"$W/$1/config/$(basename "$f")"; done
}

block '### Running each daemon alone' >"$W/alone.sh.in"
block '## Running the ADM' >"$W/adm.sh.in"
block '**Mutual TLS.**' >"$W/mtls.sh.in"
block '**OAuth 2.0 access tokens.**' >"$W/oauth.sh.in"
block '## Running the NRF' >"$W/nrf.sh.in"
block '## Running the UDM and the AUSF' >"$W/udm.sh.in"
block '## The test UE (aiot ue)' >"$W/ue.sh.in"
for b in alone adm mtls oauth nrf udm ue; do
	[ -s "$W/$b.sh.in" ] && ok "README: the $b block is there" || bad "README: no $b block"
done

# 1. Every daemon alone: inventory, WRITE, READ back, all with the shipped config files.
scratch alone
run_block alone "$W/alone"
n=$(jq -s '[.[] | select(.transId | endswith("-1")) | .devicesRepData // [] | length] | add' \
	"$W/alone/notifs.jsonl")
check "alone: the inventory reported the 1000 genuine devices (no clone)" 1000 "$n"
check "alone: the READ returned what the WRITE wrote" '"aGVsbG8="' \
	"$(tail -1 "$W/alone/notifs.jsonl" | jq -c '.devicesRepData[0].readCmdRep')"
grep -q 'is h2c: adm.ca, adm.cert and adm.key ignored' "$W/alone.err" &&
	ok "alone: the AIOTF said it ignores config/aiotf.yaml's TLS client keys" ||
	bad "alone: no notice about the ignored TLS client keys"
check "alone: devsim stats written" 1005 "$(jq '.devices + .clones' "$W/alone/sim.json")"

# 2. Running the ADM: the XRES of the ADM equals the device's RES.
scratch adm
run_block adm "$W/adm"
xres=$(sed -n 1p "$W/adm.out" | jq -r '.authDataSets[0].authDataSet[0].xres')
res=$(sed -n 2p "$W/adm.out")
[ -n "$res" ] && [ "$xres" = "$res" ] && ok "adm: XRES = the device's RES ($res)" ||
	bad "adm: XRES '$xres' vs RES '$res'"

# 2b. Running the NRF, in the same directory (the store of step 2): the ADM and the AIOTF
# register, the AIOTF finds the ADM through the NRF, both deregister on SIGTERM.
run_block nrf "$W/adm"
check "nrf: discovery found the ADM" "ADM $(cat "$W/adm/adm.db.nf-instance-id")" \
	"$(sed -n 1p "$W/nrf.out" | jq -r '.nfInstances[] | .nfType + " " + .nfInstanceId')"
grep -q "found through the NRF" "$W/nrf.err" && ok "nrf: the AIOTF found the ADM through the NRF" ||
	bad "nrf: the AIOTF did not find the ADM"
check "nrf: both deregistered on SIGTERM" 2 "$(grep -c 'deregistered from the NRF' "$W/nrf.err")"

# 2c. Running the UDM and the AUSF: 5G AKA with aiot crypto as the UE, AKMA at the AAnF.
scratch udm
cp "$S/config/subscribers.example.jsonl" "$W/udm/config/"
run_block udm "$W/udm"
grep -q '^AUTN verified' "$W/udm.out" && ok "udm: the UE verified AUTN" || bad "udm: AUTN not verified"
check "udm: the confirmation succeeded" "AUTHENTICATION_SUCCESS imsi-001010000000001" \
	"$(grep authResult "$W/udm.out" | jq -r '.authResult + " " + .supi')"
grep -q 'aiot_ausf_akma_registrations_total{result="ok"} 1' "$W/udm.out" &&
	ok "udm: the AUSF registered the AKMA anchor key" || bad "udm: no AKMA registration"

# 2d. The test UE: `aiot ue` through the README's AUSF; the AAnF serves the AF its K_AF.
scratch ue
cp "$S/config/subscribers.example.jsonl" "$W/ue/config/"
run_block ue "$W/ue"
kaf=$(awk '$1 == "kaf" {print $2}' "$W/ue.out")
[ -n "$kaf" ] && check "ue: retrieve-applicationkey gives the UE's K_AF" "$kaf" \
	"$(grep '"kaf"' "$W/ue.out" | jq -r .kaf)" || bad "ue: no K_AF printed"
check "ue: the USIM state file is private" 600 "$(stat -c %a "$W/ue/usim.state")"
id=$(awk '$1 == "sent" {print $2}' "$W/ue.out")
check "ue: msg to itself, then the delivery report" "msg $id delivered $id" \
	"$(awk '$1 == "msg" || $1 == "delivered" {print $1, $2}' "$W/ue.out" | xargs)"

# 3. Mutual TLS, in the same directory (the store of step 2): aiot pki, curl, aiot sbi.
run_block mtls "$W/adm"
check "mtls: curl and aiot sbi got a RAND over mutual TLS" 2 "$(grep -c '"randN"' "$W/mtls.out")"
# 4. OAuth 2.0, same directory: aiot token makes the NRF's key and a token; 401 without it.
run_block oauth "$W/adm"
check "oauth: the kid, no token 401, then a RAND with the token" "43 401 1" \
	"$(sed -n 1p "$W/oauth.out" | tr -d "\n" | wc -c) $(sed -n 2p "$W/oauth.out") $(grep -c '"randN"' "$W/oauth.out")"
cd "$W/adm"
check "mtls: openssl verify" "adm.crt: OK aiotf.crt: OK af.crt: OK" \
	"$(openssl verify -CAfile ca.crt adm.crt aiotf.crt af.crt | tr '\n' ' ' | sed 's/ $//')"
check "mtls: keys are mode 0600" "600 600 600" "$(stat -c %a adm.key aiotf.key af.key | tr '\n' ' ' | sed 's/ $//')"
san=$(openssl x509 -in adm.crt -noout -ext subjectAltName | tail -1 | tr -d ' ')
check "mtls: SAN of adm.crt" "DNS:adm,DNS:localhost,IPAddress:127.0.0.1" "$san"
# A real TLS 1.3 handshake with the ADM, with and without a client certificate.
start_daemon "$W/adm-tls.log" "$B/aiot-adm" --store sqlite:adm.db --kek-file kek \
	--listen 127.0.0.1:0 --tls-cert adm.crt --tls-key adm.key --tls-ca ca.crt
out=$(echo | openssl s_client -connect 127.0.0.1:$PORT -CAfile ca.crt -cert af.crt -key af.key \
	-alpn h2 -verify_return_error 2>&1 || true)
echo "$out" | grep -aq 'Verify return code: 0 (ok)' && echo "$out" | grep -aq 'ALPN protocol: h2' &&
	ok "mtls: s_client with af.crt: verified, h2" || bad "mtls: s_client with af.crt failed"
check "mtls: curl without a client certificate is refused" 000 \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert ca.crt -X POST https://127.0.0.1:$PORT/nadm-sec/v1/get-rand || true)"
check "mtls: aiot pki refuses to overwrite" 1 "$("$AIOT" pki --out . --names adm 2>/dev/null; echo $?)"
check "mtls: aiot pki refuses a bad name" 2 "$("$AIOT" pki --out . --names 'A/b' 2>/dev/null; echo $?)"
finish
