#!/usr/bin/env bash
# The AKMA bench tools (make bench, parts msgin5g and msgin5g-msg) against the real servers:
# bench_psk_handshake completes external-PSK handshakes with aiot-msgin5g (each one counted by
# the server, K_AF fetched once) and certificate handshakes with nghttpd, and says which it
# did; a wrong K_AF, or a PSK offered to a server without one, fails and exits 1.
# bench_msgin5g_msg gets every MSG (and every IMDN) through, as the server counts them, and
# exits 1 when a REG is refused.
source "$(dirname "$0")/lib.bash"
HS=$B/bench_psk_handshake
MSG=$B/bench_msgin5g_msg
[ -x "$HS" ] && [ -x "$MSG" ] || { bad "bench tools not built"; finish; exit 1; }
AF=msgin5g.example.org
akid() { echo "0012.$(openssl rand -hex 32)@5gc.mnc001.mcc001.3gppnetwork.org"; }
register() { # supi akid kakma
	curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' \
		-H 'content-type: application/json' --data-binary "{\"supi\":\"$1\",\"aKId\":\"$2\",\"kAkma\":\"$3\"}" \
		http://127.0.0.1:$APORT/naanf-akma/v1/register-anchorkey
}
metric() { curl -s http://127.0.0.1:$M5MPORT/metrics | awk -v m="$1" '$1 == m {print $2}'; }

start_daemon $W/aanf.log "$B/aiot-aanf" --listen 127.0.0.1:0 --store sqlite:$W/aanf.db \
	--kek-file $W/aanf.kek --supi-allowed-afs $AF
APORT=$PORT
A_A=$(akid) A_B=$(akid) KA=$(openssl rand -hex 32) KB=$(openssl rand -hex 32)
check "register-anchorkey A" 200 "$(register imsi-001010000000001 $A_A $KA)"
check "register-anchorkey B" 200 "$(register imsi-001010000000002 $A_B $KB)"
KAF_A=$("$AIOT" crypto kaf --kakma $KA --af-fqdn $AF)
KAF_B=$("$AIOT" crypto kaf --kakma $KB --af-fqdn $AF)
echo "{\"ue-a@$AF\": \"imsi-001010000000001\", \"ue-b@$AF\": \"imsi-001010000000002\"}" >$W/bind.json
start_daemon $W/m5.log "$B/aiot-msgin5g" -c "$S/config/msgin5g.yaml" --listen 127.0.0.1:0 \
	--aanf http://127.0.0.1:$APORT --af-fqdn $AF --bindings $W/bind.json --metrics 127.0.0.1:0
SPORT=$PORT M5MPORT=$MPORT

# --- bench_psk_handshake --------------------------------------------------------------------
rc=0
"$HS" -n 60 -c 4 --psk-identity "3GPP-AKMA$A_A" --psk $KAF_A 127.0.0.1:$SPORT >$W/psk.txt 2>&1 || rc=$?
check "PSK handshakes: exit 0" 0 $rc
check "PSK handshakes: 60 done" "60 done, 0 failed" "$(sed -n 's/^handshakes: \(.*\);.*/\1/p' $W/psk.txt)"
check "PSK handshakes: what was negotiated" \
	"TLSv1.3, TLS_AES_128_GCM_SHA256, group X25519, external PSK used: yes, server certificate: no, ALPN: -" \
	"$(sed -n 's/^first handshake: //p' $W/psk.txt)"
grep -Eq '^finished in [0-9.]+s, [0-9.]+ handshakes/s' $W/psk.txt && ok "summary line" || bad "summary: $(cat $W/psk.txt)"
"$HS" -n 4 -c 2 --groups P-256 --psk-identity "3GPP-AKMA$A_A" --psk $KAF_A 127.0.0.1:$SPORT >$W/p256.txt 2>&1
check "PSK handshakes, --groups P-256" "group prime256v1, external PSK used: yes" \
	"$(sed -n 's/^first handshake: TLSv1.3, TLS_AES_128_GCM_SHA256, \(.*\), server.*/\1/p' $W/p256.txt)"
check "the server counted 64 handshakes" 64 "$(metric aiot_msgin5g_handshakes_total)"
check "K_AF fetched once (cached)" 1 "$(metric aiot_msgin5g_kaf_fetches_total)"
rc=0
"$HS" -n 5 -c 2 --psk-identity "3GPP-AKMA$A_A" --psk $KAF_B 127.0.0.1:$SPORT >$W/wrong.txt 2>&1 || rc=$?
check "a wrong K_AF: exit 1" 1 $rc
check "a wrong K_AF: every handshake failed" "0 done, 5 failed" "$(sed -n 's/^handshakes: \(.*\);.*/\1/p' $W/wrong.txt)"
check "the server refused 5" 5 "$(metric aiot_msgin5g_handshake_failed_total)"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -days 1 \
	-keyout $W/tls.key -out $W/tls.crt 2>/dev/null
mkdir -p $W/www && echo ok >$W/www/x
NGP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nghttpd -d $W/www $NGP $W/tls.key $W/tls.crt >$W/ng.log 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do curl -sk --http2 https://127.0.0.1:$NGP/x >/dev/null 2>&1 && break; sleep 0.1; done
rc=0
"$HS" -n 20 -c 4 --alpn h2 --groups P-256 127.0.0.1:$NGP >$W/cert.txt 2>&1 || rc=$?
check "certificate handshakes (nghttpd): exit 0, 20 done" "0 20 done, 0 failed" \
	"$rc $(sed -n 's/^handshakes: \(.*\);.*/\1/p' $W/cert.txt)"
check "certificate handshakes: what was negotiated" \
	"TLSv1.3, TLS_AES_128_GCM_SHA256, group prime256v1, external PSK used: no, server certificate: yes, ALPN: h2" \
	"$(sed -n 's/^first handshake: //p' $W/cert.txt)"
rc=0
"$HS" -n 3 -c 1 --psk-identity "3GPP-AKMA$A_A" --psk $KAF_A 127.0.0.1:$NGP >$W/nopsk.txt 2>&1 || rc=$?
check "a PSK offered to a server with none (nghttpd): exit 1" 1 $rc
rc=0
"$HS" -n 3 --psk $KAF_A 127.0.0.1:$SPORT >/dev/null 2>&1 || rc=$?
check "--psk without --psk-identity: usage, exit 2" 2 $rc

# --- bench_msgin5g_msg ----------------------------------------------------------------------
UES=(--a "$A_A" $KAF_A ue-a@$AF --b "$A_B" $KAF_B ue-b@$AF)
rc=0
"$MSG" --server 127.0.0.1:$SPORT -n 300 --delivery-report "${UES[@]}" >$W/msg.txt 2>&1 || rc=$?
check "MSG with IMDN: exit 0" 0 $rc
check "MSG with IMDN: all through" "received 300, IMDN 300" "$(sed -n 's/.*), \(received.*\)$/\1/p' $W/msg.txt)"
grep -Eq '^finished in [0-9.]+s, [0-9.]+ msgs/s' $W/msg.txt && ok "summary line" || bad "summary: $(cat $W/msg.txt)"
check "the server delivered 300, reported 300" "300 300" \
	"$(metric aiot_msgin5g_messages_delivered_total) $(metric aiot_msgin5g_imdn_total)"
rc=0
"$MSG" --server 127.0.0.1:$SPORT -n 300 "${UES[@]}" >$W/msg2.txt 2>&1 || rc=$?
check "MSG without IMDN: exit 0, all through" "0 received 300, IMDN 0" "$rc $(sed -n 's/.*), \(received.*\)$/\1/p' $W/msg2.txt)"
rc=0 # ue-b's UE service ID claimed with ue-a's key: REG refused (TS 33.501 Y.2)
"$MSG" --server 127.0.0.1:$SPORT -n 10 --a "$A_A" $KAF_A ue-a@$AF --b "$A_A" $KAF_A ue-b@$AF >$W/msg3.txt 2>&1 || rc=$?
check "a refused REG: exit 1" 1 $rc
grep -q 'REG refused' $W/msg3.txt && ok "... and said so" || bad "no REG refusal: $(cat $W/msg3.txt)"
finish
