#!/usr/bin/env bash
# `aiot ue` (src/ue/ue_aka.h: the UE and its serving network in 5G AKA, then AKMA) against a
# real aiot-udm, aiot-ausf and aiot-aanf on loopback: the A-KID and K_AF the UE derives are
# what the AAnF serves the AF (registered there by the AUSF); the USIM state file (0600) makes
# each run fresh; a USIM ahead of the UDM resynchronises (AUTS); a K that differs on either
# side is the USIM's MAC failure (MAC-A is keyed by K, TS 33.102 6.3.3: the USIM sees it before
# any RES*); a serving network that claims another name is refused by the AUSF (RES* binds the
# SNN the UE sees, TS 33.501 6.1.1.4); unknown SUPI; the AUSF down or mute: exit 1 in time.
source "$(dirname "$0")/lib.bash"
K1=465b5ce8b199b49faa5f0a2ee238a6bc OPC1=cd63cb71954a9f4e48a5994e37a02baf # TS 35.208 set 1
K2=fec86ba6eb707ed08905757b1bb44b8f OPC2=1006020f0a478bf6b699f15c062e42b3 # set 2
# a third subscriber given by OP: OPc = AES_K(OP) xor OP (TS 35.206 4.1) by openssl for the UDM,
# by the UE's own code from --op
K3=9e5944aea94b81165c82fbf9f32db751 OP3=dbc59adcb6f9a0ef735477b7fadf8374
OPC3=$(python3 -c "print('%032x' % (int('$(echo -n $OP3 | xxd -r -p | openssl enc -aes-128-ecb -K $K3 -nopad | xxd -p)', 16) ^ int('$OP3', 16)))")
AF=msgin5g.example.org
cat >$W/subs.jsonl <<JSON
{"supi":"imsi-001010000000001","k":"$K1","opc":"$OPC1","akmaInd":true,"routingId":"12"}
{"supi":"imsi-001010000000002","k":"$K2","opc":"$OPC2","akmaInd":true}
{"supi":"imsi-001010000000003","k":"$K3","opc":"$OPC3","akmaInd":true,"routingId":"7"}
JSON
"$AIOT" provision-ue --store sqlite:$W/udm.db --kek-file $W/kek --import $W/subs.jsonl 2>$W/prov.log
start_daemon $W/udm.log "$B/aiot-udm" --listen 127.0.0.1:0 --store sqlite:$W/udm.db --kek-file $W/kek
UPORT=$PORT
start_daemon $W/aanf.log "$B/aiot-aanf" --listen 127.0.0.1:0 --store sqlite:$W/aanf.db \
	--kek-file $W/aanf.kek --supi-allowed-afs $AF
APORT=$PORT
start_daemon $W/ausf.log "$B/aiot-ausf" --listen 127.0.0.1:0 --udm http://127.0.0.1:$UPORT \
	--aanf http://127.0.0.1:$APORT --mcc 001 --mnc 01
AUSF=http://127.0.0.1:$PORT AUSFPID=$LASTPID
ok "aiot-udm, aiot-aanf, aiot-ausf started"
ue() { # MODE SUPI K [options]: stdout in $W/ue.out, stderr in $W/ue.err, the exit code in RC
	local mode=$1 supi=$2 k=$3
	shift 3
	RC=0
	"$AIOT" ue "$mode" --ausf "$AUSF" --supi "$supi" --k "$k" --mcc 001 --mnc 01 "$@" >$W/ue.out 2>$W/ue.err || RC=$?
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

# --- 5G AKA + AKMA: the UE's A-KID and K_AF are the AAnF's -------------------------------------
ue kaf imsi-001010000000001 $K1 --opc $OPC1 --rid 12 --af-fqdn $AF --show-keys --usim-state $W/usim1
check "ue kaf: exit 0" "0" "$RC"
AKID=$(val akid) KAF=$(val kaf)
check "A-KID = RID 12 . A-TID @ the home network" 1 \
	"$([[ $AKID =~ ^12\.[0-9a-f]{64}@5gc\.mnc001\.mcc001\.3gppnetwork\.org$ ]] && echo 1)"
check "A-KID = aiot crypto akid of the UE's K_AUSF" "$AKID" \
	"$("$AIOT" crypto akid --kausf "$(val kausf)" --supi imsi-001010000000001 --rid 12 --mcc 001 --mnc 01)"
check "retrieve-applicationkey: the AAnF's K_AF for this A-KID = the UE's" "200 $KAF" "$(kaf_at_aanf $AKID)"
check "K_AF = aiot crypto kaf of the UE's K_AKMA" "$KAF" "$("$AIOT" crypto kaf --kakma "$(val kakma)" --af-fqdn $AF)"
check "USIM state file: mode 0600" 600 "$(stat -c %a $W/usim1)"
check "resynced 0" 0 "$(val resynced)"
ue aka imsi-001010000000001 $K1 --opc $OPC1 --rid 12 --usim-state $W/usim1
check "a second run with the saved state: exit 0, a new A-KID" "0 1" "$RC $([ "$(val akid)" != "$AKID" ] && echo 1)"
check "aka without --show-keys: the A-KID and no key" "akid resynced" "$(awk '{print $1}' $W/ue.out | xargs)"
cp $W/usim1 $W/usim1.old
AKID2=$(val akid)
check "the AAnF knows the new A-KID" 200 "$(kaf_at_aanf $AKID2 | cut -d' ' -f1)"

# --- --op: the UE derives OPc (TS 35.206); another RID ----------------------------------------
ue aka imsi-001010000000003 $K3 --op $OP3 --rid 7
check "--op (OPc derived): exit 0, A-KID with RID 7" "0 7" "$RC $(val akid | cut -d. -f1)"

# --- a USIM ahead of the UDM: sync failure, AUTS, one more round -------------------------------
sed -i 's/^\(ind [0-9]*\) .*/\1 100000/' $W/usim1
ue aka imsi-001010000000001 $K1 --opc $OPC1 --rid 12 --usim-state $W/usim1
check "USIM SEQ_MS ahead: exit 0 after resynchronisation, resynced 1" "0 1" "$RC $(val resynced)"
grep -q resynchronised $W/ue.err && ok "stderr says so" || bad "stderr: $(cat $W/ue.err)"
check "the AAnF has the resynced A-KID" 200 "$(kaf_at_aanf "$(val akid)" | cut -d' ' -f1)"
ue aka imsi-001010000000001 $K1 --opc $OPC1 --rid 12 --usim-state $W/usim1
check "next run: fresh without resynchronisation" "0 0" "$RC $(val resynced)"
ue aka imsi-001010000000001 $K1 --opc $OPC1 --rid 12 --usim-state $W/usim1.old
check "an old state file (a USIM behind) still works: the UDM is ahead" "0 0" "$RC $(val resynced)"

# --- a K that differs: the USIM's MAC failure, whichever side is wrong ------------------------
ue aka imsi-001010000000002 $K1 --opc $OPC2
check "wrong K on the UE: exit 1" 1 "$RC"
grep -q "the USIM's MAC failure" $W/ue.err && ok "... reported as the USIM's MAC failure" || bad "stderr: $(cat $W/ue.err)"
ue aka imsi-001010000000003 $K2 --opc $OPC3
check "the network holds another K than the card: exit 1, MAC failure" "1 1" "$RC $(grep -c "MAC failure" $W/ue.err)"
[ -s $W/ue.out ] && bad "output on failure: $(cat $W/ue.out)" || ok "nothing on stdout on failure"

# --- the AUSF's refusals ----------------------------------------------------------------------
ue aka imsi-001019999999999 $K1 --opc $OPC1
check "unknown SUPI: exit 1, 404 USER_NOT_FOUND" "1 1" "$RC $(grep -c "404 USER_NOT_FOUND" $W/ue.err)"
ue aka imsi-001010000000002 $K2 --opc $OPC2 --seaf-snn 5G:mnc002.mcc001.3gppnetwork.org
check "a serving network lying about its name: the AUSF refuses the RES* (exit 1)" "1 1" \
	"$RC $(grep -c "AUTHENTICATION_FAILURE" $W/ue.err)"
start_daemon $W/ausf2.log "$B/aiot-ausf" --listen 127.0.0.1:0 --udm http://127.0.0.1:$UPORT \
	--mcc 001 --mnc 01 --serving-networks "5G:mnc001.mcc001.3gppnetwork.org"
AUSF=http://127.0.0.1:$PORT ue aka imsi-001010000000002 $K2 --opc $OPC2 --seaf-snn 5G:mnc002.mcc001.3gppnetwork.org
check "a serving network name the AUSF does not serve: 403" "1 1" "$RC $(grep -c "403 SERVING_NETWORK_NOT_AUTHORIZED" $W/ue.err)"
AUSF=http://127.0.0.1:$PORT ue aka imsi-001010000000002 $K2 --opc $OPC2
check "the same UE through the one it serves: exit 0" 0 "$RC"

# --- the AUSF over mutual TLS 1.3 (--ca, --cert, --key) ---------------------------------------
"$AIOT" pki --out $W/pki --names ausf,seaf >/dev/null 2>&1
start_daemon $W/ausf_tls.log "$B/aiot-ausf" --listen 127.0.0.1:0 --udm http://127.0.0.1:$UPORT \
	--mcc 001 --mnc 01 --tls-cert $W/pki/ausf.crt --tls-key $W/pki/ausf.key --tls-ca $W/pki/ca.crt
AUSF=https://127.0.0.1:$PORT ue aka imsi-001010000000002 $K2 --opc $OPC2 --ca $W/pki/ca.crt \
	--cert $W/pki/seaf.crt --key $W/pki/seaf.key
check "https:// AUSF, mutual TLS: exit 0" "0" "$RC"
AUSF=https://127.0.0.1:$PORT ue aka imsi-001010000000002 $K2 --opc $OPC2 --ca $W/pki/ca.crt
check "... without a client certificate: exit 1" "1" "$RC"
AUSF=https://127.0.0.1:$PORT ue aka imsi-001010000000002 $K2 --opc $OPC2
check "... https:// without --ca: usage refused, exit 1" "1 1" "$RC $(grep -c 'needs a CA' $W/ue.err)"

# --- the AUSF requiring OAuth 2.0 access tokens (--token) ----------------------------------------
NRF_ID=6b1e0f4e-2c4a-4d59-9a51-0d6f8c1e2a10 AUSF_ID=3c2d1e0f-aaaa-4bbb-8ccc-0123456789ab
"$AIOT" token keygen --key $W/tok.pem --pub $W/tok.pub >/dev/null
start_daemon $W/ausf_oauth.log "$B/aiot-ausf" --listen 127.0.0.1:0 --udm http://127.0.0.1:$UPORT \
	--mcc 001 --mnc 01 --nf-instance-id $AUSF_ID --oauth2-required --nrf-public-key $W/tok.pub \
	--oauth2-issuer $NRF_ID
TOKEN=$("$AIOT" token sign --key $W/tok.pem --iss $NRF_ID --sub 11111111-2222-4333-8444-555555555555 \
	--aud AUSF --scope nausf-auth)
AUSF=http://127.0.0.1:$PORT ue aka imsi-001010000000002 $K2 --opc $OPC2
check "OAuth 2.0 required, no --token: exit 1, 401" "1 1" "$RC $(grep -c ' 401' $W/ue.err)"
AUSF=http://127.0.0.1:$PORT ue aka imsi-001010000000002 $K2 --opc $OPC2 --token $TOKEN
check "... with --token (scope nausf-auth): exit 0" 0 "$RC"

# --- usage: exit 2 ------------------------------------------------------------------------------
"$AIOT" ue --help | grep -q "^usage: aiot ue MODE" && ok "--help" || bad "--help"
for args in "aka" "nope" "aka --ausf $AUSF --supi imsi-1 --k $K1 --opc $OPC1 --mcc 001 --mnc 01" \
	"aka --ausf $AUSF --supi imsi-001010000000001 --k 00 --opc $OPC1 --mcc 001 --mnc 01" \
	"aka --ausf $AUSF --supi imsi-001010000000001 --k $K1 --opc $OPC1 --op $OPC1 --mcc 001 --mnc 01" \
	"aka --ausf $AUSF --supi imsi-001010000000001 --k $K1 --opc $OPC1 --mcc 001 --mnc 01 --rid 12345" \
	"kaf --ausf $AUSF --supi imsi-001010000000001 --k $K1 --opc $OPC1 --mcc 001 --mnc 01 --af-fqdn $AF"; do
	RC=0
	"$AIOT" ue $args >/dev/null 2>$W/usage.err || RC=$?
	check "usage error, exit 2: ue $(cut -c1-40 <<<"$args")... ($(head -c 60 $W/usage.err))" 2 "$RC"
done
echo "# something else" >$W/usim.bad; chmod 600 $W/usim.bad
ue aka imsi-001010000000001 $K1 --opc $OPC1 --usim-state $W/usim.bad
check "a state file that is not one: exit 1" "1 1" "$RC $(grep -c "not an aiot ue state file" $W/ue.err)"
ue aka imsi-001010000000002 $K2 --opc $OPC2 --usim-state $W/usim1
check "another SUPI's state file: exit 1" "1 1" "$RC $(grep -c "imsi-001010000000001's" $W/ue.err)"
chmod 644 $W/usim1
ue aka imsi-001010000000001 $K1 --opc $OPC1 --usim-state $W/usim1
check "a state file others can read: refused" 1 "$RC"

# --- the AUSF mute, then down: exit 1 within the timeout -------------------------------------------
python3 -c "
import socket
s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(8)
print(s.getsockname()[1], flush=True); c=[]
while True: c.append(s.accept()[0])
" >$W/mute.port & PIDS+=($!)
for _ in $(seq 1 50); do [ -s $W/mute.port ] && break; sleep 0.1; done
t0=$(date +%s%N)
AUSF=http://127.0.0.1:$(cat $W/mute.port) ue aka imsi-001010000000001 $K1 --opc $OPC1 --timeout-ms 800
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "AUSF mute: exit 1" 1 $RC
[ $ms -lt 4000 ] && ok "AUSF mute: gave up in $ms ms (--timeout-ms 800): $(cat $W/ue.err)" || bad "AUSF mute: $ms ms"
kill $AUSFPID; wait $AUSFPID 2>/dev/null || true
t0=$(date +%s%N)
ue aka imsi-001010000000001 $K1 --opc $OPC1 --timeout-ms 800
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "AUSF down: exit 1" 1 $RC
[ $ms -lt 4000 ] && ok "AUSF down: $ms ms: $(cat $W/ue.err)" || bad "AUSF down: $ms ms"
if grep -qi -e "$KAF" $W/{udm,ausf,aanf}.log; then bad "K_AF in a daemon's log"; else ok "no K_AF in the logs"; fi
finish
