#!/usr/bin/env bash
# `aiot ue` as an MSGin5G client after 5G AKA and AKMA, all real processes: aiot-udm,
# aiot-ausf, aiot-aanf and aiot-msgin5g. UE B listens, UE A sends it a message and gets the
# delivery report; a UE service ID bound to another SUPI is refused (TS 33.501 Y.2); the
# server down is a clean exit 1. Issue 15 item 8, the UE half: the UE completes a TLS 1.3
# handshake with OpenSSL's own `s_server -nocert -psk`, given the K_AF the AAnF serves the AF
# for the UE's A-KID; with another key the handshake fails cleanly.
source "$(dirname "$0")/lib.bash"
K1=465b5ce8b199b49faa5f0a2ee238a6bc OPC1=cd63cb71954a9f4e48a5994e37a02baf # TS 35.208 set 1
K2=fec86ba6eb707ed08905757b1bb44b8f OPC2=1006020f0a478bf6b699f15c062e42b3 # set 2
AF=msgin5g.example.org UA=ue-a@$AF UB=ue-b@$AF
cat >$W/subs.jsonl <<JSON
{"supi":"imsi-001010000000001","k":"$K1","opc":"$OPC1","akmaInd":true,"routingId":"12"}
{"supi":"imsi-001010000000002","k":"$K2","opc":"$OPC2","akmaInd":true}
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
echo "{\"$UA\": \"imsi-001010000000001\", \"$UB\": \"imsi-001010000000002\"}" >$W/bindings.json
start_daemon $W/m5.log "$B/aiot-msgin5g" -c "$S/config/msgin5g.yaml" --listen 127.0.0.1:0 \
	--aanf http://127.0.0.1:$APORT --af-fqdn $AF --bindings $W/bindings.json
M5=127.0.0.1:$PORT
ok "aiot-udm, aiot-aanf, aiot-ausf, aiot-msgin5g started"
UE1=(--ausf $AUSF --supi imsi-001010000000001 --k $K1 --opc $OPC1 --mcc 001 --mnc 01 --rid 12 --af-fqdn $AF)
UE2=(--ausf $AUSF --supi imsi-001010000000002 --k $K2 --opc $OPC2 --mcc 001 --mnc 01 --af-fqdn $AF)
run() { RC=0; "$AIOT" ue "$@" >$W/ue.out 2>$W/ue.err </dev/null || RC=$?; }

# --- UE B listens, UE A sends: the message, then the delivery report -------------------------
"$AIOT" ue listen "${UE2[@]}" --server $M5 --service-id $UB --count 1 --wait-ms 20000 \
	>$W/b.out 2>$W/b.err </dev/null &
BPID=$!
PIDS+=($BPID)
for _ in $(seq 1 300); do grep -q "^registered" $W/b.out && break; sleep 0.1; done
check "UE B: 5G AKA, AKMA, TLS with K_AF, REG" "registered $UB" "$(grep ^registered $W/b.out)"
run msg "${UE1[@]}" --server $M5 --service-id $UA --to $UB --text "hello B" --wait-ms 10000
ID=$(awk '$1 == "sent" {print $2}' $W/ue.out)
check "UE A: msg exits 0" 0 "$RC"
check "UE A: sent, then the delivery report of that message" "delivered $ID" "$(grep ^delivered $W/ue.out)"
RCB=0; wait $BPID || RCB=$?
check "UE B: exits 0 after --count 1" 0 "$RCB"
check "UE B: got UE A's message" "msg $ID $UA hello B" "$(grep ^msg $W/b.out)"

# --- a UE service ID bound to another SUPI (TS 33.501 Y.2) --------------------------------------
run msg "${UE1[@]}" --server $M5 --service-id $UB --to $UA --text x
check "UE A registering UE B's service ID: exit 1, REG refused 4.03" "1 1" "$RC $(grep -c "REG $UB refused: 4.03" $W/ue.err)"
run listen "${UE1[@]}" --server 127.0.0.1:1 --service-id $UA
check "the server down: exit 1" 1 "$RC"
grep -q "127.0.0.1:1" $W/ue.err && ok "... saying so: $(cat $W/ue.err)" || bad "stderr: $(cat $W/ue.err)"

# --- item 8, the UE half: openssl s_server -nocert -psk with the K_AF the AAnF gives the AF ---------
SS=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
handshake() { # KEY-SOURCE (aanf | other): the UE's exit code in RC, s_server's output in s_server.out
	rm -f $W/hs.in; mkfifo $W/hs.in
	"$AIOT" ue handshake "${UE1[@]}" --server 127.0.0.1:$SS --pause --show-keys --timeout-ms 3000 \
		<$W/hs.in >$W/hs.out 2>$W/hs.err &
	local pid=$! key akid r
	exec 5>$W/hs.in
	for _ in $(seq 1 300); do grep -q "^paused" $W/hs.out && break; sleep 0.1; done
	akid=$(awk '$1 == "akid" {print $2}' $W/hs.out)
	r=$(h2post http://127.0.0.1:$APORT/naanf-akma/v1/retrieve-applicationkey "{\"afId\":\"$AF\",\"aKId\":\"$akid\"}")
	KAF_AF=$(jq -r .kaf <<<"${r#* }")
	key=$KAF_AF
	[ "$1" == other ] && key=$(openssl rand -hex 32)
	rm -f $W/ss.in; mkfifo $W/ss.in # s_server's stdin, open until we are done (at EOF it stops)
	openssl s_server -accept 127.0.0.1:$SS -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 \
		-nocert -psk_identity "3GPP-AKMA$akid" -psk $key -naccept 1 <$W/ss.in >$W/s_server.out 2>&1 &
	local spid=$!
	exec 6>$W/ss.in
	for _ in $(seq 1 100); do grep -q ACCEPT $W/s_server.out && break; sleep 0.1; done
	echo >&5
	exec 5>&-
	RC=0; wait $pid || RC=$?
	# -naccept 1: s_server ends after that connection; it may still be writing its report
	for _ in $(seq 1 50); do kill -0 $spid 2>/dev/null || break; sleep 0.1; done
	exec 6>&-
	kill $spid 2>/dev/null || true; wait $spid 2>/dev/null || true
}
handshake aanf
check "the AAnF's K_AF for the UE's A-KID = the UE's K_AF" "$KAF_AF" "$(awk '$1 == "kaf" {print $2}' $W/hs.out)"
check "aiot ue -> openssl s_server -nocert -psk K_AF: handshake done, exit 0" "0 1" "$RC $(grep -c '^handshake done' $W/hs.out)"
grep -aq 'CIPHER is TLS_AES_128_GCM_SHA256' $W/s_server.out && ok "s_server: TLS_AES_128_GCM_SHA256" || bad "s_server: $(cat $W/s_server.out)"
handshake other
check "s_server with another key: exit 1, the handshake refused" "1 1" "$RC $(grep -c 'TLS handshake refused' $W/hs.err)"
finish
