#!/usr/bin/env bash
# aiot-msgin5g, the MSGin5G server as AKMA AF, end to end with real processes: the real
# aiot-aanf holding two UEs' K_AKMA (registered with curl), K_AF derived with
# `aiot crypto kaf` (and checked against openssl mac, TS 33.535 A.4). OpenSSL's own
# s_client completes a TLS 1.3 PSK handshake with it (issue 15 item 8); a wrong key, an
# unknown A-KID and a SHA-384-only client fail, and the server keeps serving. Two UEs of the
# client library (tests/tools/msgin5g_ue.c) register, exchange messages with delivery
# reports, one stored until its recipient connects; a REG for a UE service ID bound to
# another SUPI is refused (TS 33.501 Y.2); with the AAnF down a handshake fails, the server
# survives and serves again once the AAnF is back; a K_AF past its expiry is fetched again.
source "$(dirname "$0")/lib.bash"
AF=msgin5g.example.org
UE=$B/msgin5g_ue
DB=$W/aanf.db
KEK=$W/aanf.kek
akid() { echo "${1:-0123}.$(openssl rand -hex 32)@5gc.mnc001.mcc001.3gppnetwork.org"; }
# TS 33.535 A.4 without this tree's code: HMAC-SHA-256(K_AKMA, 0x82 || FQDN || Ua* id || L0)
kaf_ref() {
	local s="82$(printf %s "$2" | xxd -p | tr -d '\n')0100000007$(printf %04x $((${#2} + 5)))"
	echo -n "$s" | xxd -r -p | openssl mac -digest SHA256 -macopt hexkey:$1 HMAC | tr 'A-F' 'a-f'
}
start_aanf() {
	start_daemon $W/aanf.log "$B/aiot-aanf" --listen 127.0.0.1:${APORT:-0} --store sqlite:$DB \
		--kek-file $KEK --supi-allowed-afs $AF "$@"
	APORT=$PORT
	APID=$LASTPID
}
register() { # supi akid kakma
	curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' -X POST \
		-H 'content-type: application/json' \
		--data-binary "{\"supi\":\"$1\",\"aKId\":\"$2\",\"kAkma\":\"$3\"}" \
		http://127.0.0.1:$APORT/naanf-akma/v1/register-anchorkey
}
metric() { curl -s http://127.0.0.1:$M5MPORT/metrics | awk -v m="$1" '$1 == m {print $2}'; }
# s_client ID KEY [CIPHERSUITE]: prints the negotiated suite, or "(NONE)"
s_client() {
	echo Q | timeout 10 openssl s_client -connect 127.0.0.1:$SPORT -tls1_3 \
		-ciphersuites "${3:-TLS_AES_128_GCM_SHA256}" -psk_identity "3GPP-AKMA$1" -psk "$2" \
		>$W/s_client.out 2>&1 || true
	sed -n 's/.*Cipher is \([^ ]*\).*/\1/p' $W/s_client.out | head -1
}

start_aanf
SUPI_A=imsi-001010000000001 SUPI_B=imsi-001010000000002
A_A=$(akid 0012) A_B=$(akid 0012) KA=$(openssl rand -hex 32) KB=$(openssl rand -hex 32)
check "register-anchorkey UE A" 200 "$(register $SUPI_A $A_A $KA)"
check "register-anchorkey UE B" 200 "$(register $SUPI_B $A_B $KB)"
KAF_A=$("$AIOT" crypto kaf --kakma $KA --af-fqdn $AF)
KAF_B=$("$AIOT" crypto kaf --kakma $KB --af-fqdn $AF)
check "aiot crypto kaf = TS 33.535 A.4 by openssl mac" "$(kaf_ref $KA $AF)" "$KAF_A"

echo "{\"ue-a@$AF\": \"$SUPI_A\", \"ue-b@$AF\": \"$SUPI_B\"}" >$W/bindings.json
start_daemon $W/m5.log "$B/aiot-msgin5g" -c "$S/config/msgin5g.yaml" --listen 127.0.0.1:0 \
	--aanf http://127.0.0.1:$APORT --af-fqdn $AF --bindings $W/bindings.json \
	--metrics 127.0.0.1:0 --limits.handshake-timeout-ms 5000
SPORT=$PORT M5PID=$LASTPID M5MPORT=$MPORT
ok "aiot-msgin5g started from config/msgin5g.yaml on port $SPORT"

# --- OpenSSL's s_client (item 8) ---------------------------------------------------------
check "s_client, K_AF of UE A: TLS 1.3 PSK handshake" TLS_AES_128_GCM_SHA256 "$(s_client $A_A $KAF_A)"
grep -q 'no peer certificate available' $W/s_client.out && ok "no certificate sent" || bad "a certificate was sent"
grep -q '^Reused, TLSv1.3' $W/s_client.out && ok "the external PSK was used" || bad "PSK not used"
# no session ticket (SSL_CTX_set_num_tickets 0): s_client stays to read one, saves none
rm -f $W/sess.pem
timeout 10 openssl s_client -connect 127.0.0.1:$SPORT -tls1_3 -ign_eof -sess_out $W/sess.pem \
	-ciphersuites TLS_AES_128_GCM_SHA256 -psk_identity "3GPP-AKMA$A_A" -psk $KAF_A </dev/null >$W/tick.out 2>&1 &
TPID=$!
for _ in $(seq 1 100); do grep -q '^Reused, TLSv1.3' $W/tick.out && break; sleep 0.1; done
sleep 0.5 # a ticket comes right after the handshake: the server's next flight
kill $TPID 2>/dev/null || true; wait $TPID 2>/dev/null || true
grep -q '^Reused, TLSv1.3' $W/tick.out && ok "(ticket probe: handshake done)" || bad "ticket probe: no handshake"
grep -q 'New Session Ticket' $W/tick.out && bad "a session ticket was sent" || ok "no session ticket sent"
check "s_client, a wrong key: refused" "(NONE)" "$(s_client $A_A $(openssl rand -hex 32))"
check "s_client, an unknown A-KID: refused" "(NONE)" "$(s_client $(akid) $KAF_A)"
check "s_client, SHA-384 only (TLS_AES_256_GCM_SHA384): refused" "(NONE)" \
	"$(s_client $A_A $KAF_A TLS_AES_256_GCM_SHA384)"
check "s_client, 3GPP-AKMA with a malformed A-KID: refused" "(NONE)" "$(s_client x $KAF_A)"
check "metric: no usable PSK identity" 1 "$(metric aiot_msgin5g_handshake_no_psk_total)"
check "TLS 1.2 PSK client: refused" "(NONE)" "$(echo Q | timeout 10 openssl s_client -connect 127.0.0.1:$SPORT -tls1_2 \
	-cipher PSK-AES128-GCM-SHA256 -psk_identity "3GPP-AKMA$A_A" -psk $KAF_A 2>&1 | sed -n 's/.*Cipher is \([^ ]*\).*/\1/p' | head -1)"
check "metric: handshakes refused in TLS (wrong key, SHA-384)" 2 "$(metric aiot_msgin5g_handshake_failed_total)"
check "metric: unknown A-KID (AAnF 204)" 1 "$(metric aiot_msgin5g_handshake_unknown_akid_total)"
check "metric: K_AF fetched once per known A-KID (cached)" 2 "$(metric aiot_msgin5g_kaf_fetches_total)"
grep -q 'binder does not verify' $W/m5.log && ok "log: the wrong key's binder" || bad "no log line for the wrong key"
grep -q 'unknown A-KID (AAnF: 204)' $W/m5.log && ok "log: the unknown A-KID" || bad "no log line for the unknown A-KID"
check "still serving after the refusals" TLS_AES_128_GCM_SHA256 "$(s_client $A_A $KAF_A)"

# --- peers that break the rules after the handshake, or never finish it ---------------------
exec 3<>/dev/tcp/127.0.0.1/$SPORT # a TCP connection that sends nothing: handshake timeout
raw() { # bytes (printf format) sent as application data after a good handshake
	printf "$1" | timeout 10 openssl s_client -connect 127.0.0.1:$SPORT -tls1_3 \
		-ciphersuites TLS_AES_128_GCM_SHA256 -psk_identity "3GPP-AKMA$A_A" -psk $KAF_A \
		-quiet >/dev/null 2>&1 || true
}
raw '\x00\xe2' # a Ping before any CSM
grep -q 'no CSM first (RFC 8323 5.3)' $W/m5.log && ok "a first message other than CSM: closed" || bad "no close on a missing CSM"
raw '\x00\xe1\x09\x02' # CSM, then TKL 9
check "a malformed CoAP frame: closed, counted" 1 "$(metric aiot_msgin5g_frames_bad_total)"
raw '\x00\xe1\xf0\x00\x01\x00\x00\x02' # CSM, then a frame announcing 65805 + 65536 octets
grep -q 'CoAP message over max-message-size' $W/m5.log && ok "a frame over max-message-size: closed" || bad "no close on a huge frame"

# --- MSGin5G-1 between two UEs: store and forward, delivery reports ------------------------
ua() { "$UE" --server 127.0.0.1:$SPORT --akid $A_A --kaf $KAF_A --timeout-ms 10000 "$@"; }
ub() { "$UE" --server 127.0.0.1:$SPORT --akid $A_B --kaf $KAF_B --timeout-ms 10000 "$@"; }
ua reg ue-a@$AF send ue-a@$AF ue-b@$AF m1 "hello b" recv 20000 recv 20000 >$W/a.out &
APID_UE=$!
for _ in $(seq 1 100); do grep -q '^send' $W/a.out 2>/dev/null && break; sleep 0.1; done
check "UE A: REG accepted" "reg 2.01 SUCCESS" "$(sed -n 2p $W/a.out)"
check "UE A -> B while B is away: stored" "send 2.04 SUCCESS STORED" "$(sed -n 3p $W/a.out)"
check "metric: one message waiting" 1 "$(metric aiot_msgin5g_queued)"
ub reg ue-b@$AF recv 10000 send ue-b@$AF ue-a@$AF m2 "hi a" recv 10000 >$W/b.out
wait $APID_UE || true
check "UE B: REG accepted" "reg 2.01 SUCCESS" "$(sed -n 2p $W/b.out)"
check "UE B gets the stored message when it connects" "recv MSG m1 ue-a@$AF ue-b@$AF hello b" "$(sed -n 3p $W/b.out)"
check "UE B -> A (connected): forwarded" "send 2.04 SUCCESS FORWARDED" "$(sed -n 4p $W/b.out)"
check "UE B gets the IMDN of m2" "recv IMDN m2 ue-b@$AF ue-a@$AF" "$(sed -n 5p $W/b.out)"
check "UE A gets the IMDN of m1" "recv IMDN m1 ue-a@$AF ue-b@$AF" "$(sed -n 4p $W/a.out)"
check "UE A gets m2" "recv MSG m2 ue-b@$AF ue-a@$AF hi a" "$(sed -n 5p $W/a.out)"
check "metric: 2 delivered" 2 "$(metric aiot_msgin5g_messages_delivered_total)"
check "metric: nothing left waiting" 0 "$(metric aiot_msgin5g_queued)"
# RFC 8323 5.3.1: a UE that announced Max-Message-Size 1152 is never sent more
BIG=$(head -c 1000 /dev/zero | tr '\0' p)
ub --max-message-size 1152 reg ue-b@$AF recv 3000 >$W/b.out &
BPID=$!
for _ in $(seq 1 100); do grep -q '^reg' $W/b.out 2>/dev/null && break; sleep 0.1; done
ua reg ue-a@$AF send ue-a@$AF ue-b@$AF big $BIG send ue-a@$AF ue-b@$AF small x >/dev/null || true
wait $BPID || true
check "a message over the UE's Max-Message-Size: not sent to it" "recv MSG small ue-a@$AF ue-b@$AF x" "$(sed -n 3p $W/b.out)"
grep -q "a MSG over the UE's Max-Message-Size (1152) dropped" $W/m5.log && ok "... and logged" || bad "no log of the oversized message"

# --- authorization (TS 33.501 Y.2) and sender checks ---------------------------------------
ua reg ue-b@$AF >$W/c.out || true
check "REG of a UE service ID bound to another SUPI: refused" "reg 4.03 FAILURE NOT_AUTHORIZED" "$(sed -n 2p $W/c.out)"
ua send ue-a@$AF ue-b@$AF m3 x >$W/c.out || true
check "MSG before REG: refused" "send 4.03 FAILURE NOT_REGISTERED" "$(sed -n 2p $W/c.out)"
ua reg ue-a@$AF send ue-a@$AF nobody@$AF m4 x ping dereg ue-a@$AF >$W/c.out || true
check "MSG to an unbound UE service ID: 4.04" "send 4.04 FAILURE UNKNOWN_RECIPIENT" "$(sed -n 3p $W/c.out)"
check "Ping/Pong (RFC 8323 5.4)" "ping ok" "$(sed -n 4p $W/c.out)"
check "DEREG" "dereg 2.04 SUCCESS" "$(sed -n 5p $W/c.out)"
check "metric: one REG refused" 1 "$(metric aiot_msgin5g_registrations_refused_total)"

# --- the client library against OpenSSL's own server (s_server -nocert -psk) ----------------
SS=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
s_server() { # the K_AF it holds
	# its stdin stays open 5 s (at EOF it stops before any connection)
	sleep 5 | openssl s_server -accept 127.0.0.1:$SS -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 \
		-nocert -psk_identity "3GPP-AKMA$A_A" -psk $1 -naccept 1 >$W/s_server.out 2>&1 &
	SSPID=$!
	for _ in $(seq 1 100); do grep -q ACCEPT $W/s_server.out && break; sleep 0.1; done
}
s_server $KAF_A
"$UE" --server 127.0.0.1:$SS --akid $A_A --kaf $KAF_A --timeout-ms 2000 ping >$W/ue.out || true
kill $SSPID 2>/dev/null || true; wait $SSPID 2>/dev/null || true
check "client library -> s_server: TLS 1.3 PSK done (s_server speaks no CoAP: no CSM)" \
	"connect failed: no CSM from the server (RFC 8323 5.3)" "$(cat $W/ue.out)"
grep -aq 'CIPHER is TLS_AES_128_GCM_SHA256' $W/s_server.out && ok "s_server: TLS_AES_128_GCM_SHA256" || bad "s_server: no handshake"
s_server $(openssl rand -hex 32)
"$UE" --server 127.0.0.1:$SS --akid $A_A --kaf $KAF_A --timeout-ms 2000 ping >$W/ue.out || true
kill $SSPID 2>/dev/null || true; wait $SSPID 2>/dev/null || true
case "$(cat $W/ue.out)" in "connect failed: TLS handshake refused"*) ok "client library -> s_server with another key: refused" ;;
*) bad "client library -> s_server with another key: $(cat $W/ue.out)" ;; esac

# --- the AAnF down: the handshake fails, the server survives --------------------------------
A_C=$(akid 0012) KC=$(openssl rand -hex 32)
check "register-anchorkey UE C" 200 "$(register imsi-001010000000003 $A_C $KC)"
KAF_C=$("$AIOT" crypto kaf --kakma $KC --af-fqdn $AF)
for _ in $(seq 1 100); do [ "$(metric aiot_msgin5g_handshake_timeout_total)" = 1 ] && break; sleep 0.1; done
check "a silent TCP peer: closed at handshake-timeout-ms" 1 "$(metric aiot_msgin5g_handshake_timeout_total)"
exec 3<&-
kill $APID; wait $APID 2>/dev/null || true
check "AAnF down: UE C's handshake refused" "(NONE)" "$(s_client $A_C $KAF_C)"
check "metric: AAnF errors" 1 "$(metric aiot_msgin5g_handshake_aanf_error_total)"
kill -0 $M5PID && ok "aiot-msgin5g survives the AAnF down" || bad "aiot-msgin5g died"
check "UE A's cached K_AF still serves" TLS_AES_128_GCM_SHA256 "$(s_client $A_A $KAF_A)"
start_aanf --kaf-lifetime-s 2
check "AAnF back (same store): UE C's handshake" TLS_AES_128_GCM_SHA256 "$(s_client $A_C $KAF_C)"
# K_AF is kept until its expiry (TS 33.535 6.3), then fetched again
F0=$(metric aiot_msgin5g_kaf_fetches_total)
for _ in $(seq 1 50); do
	[ "$(metric aiot_msgin5g_kaf_expired_total)" = 1 ] && break
	sleep 0.2; s_client $A_C $KAF_C >/dev/null
done
check "metric: UE C's K_AF dropped at its expiry" 1 "$(metric aiot_msgin5g_kaf_expired_total)"
check "after the expiry: K_AF fetched again, handshake" TLS_AES_128_GCM_SHA256 "$(s_client $A_C $KAF_C)"
[ "$(metric aiot_msgin5g_kaf_fetches_total)" -gt "$F0" ] && ok "a new retrieve-applicationkey after the expiry" || bad "no new fetch after the expiry"

# --- the README's "Running the MSGin5G server" block, as pasted (its ports swapped) ---------
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mkdir -p $W/readme && ln -s "$B" $W/readme/build && cp -r "$S/config" $W/readme/
awk 'index($0, "## Running the MSGin5G server") == 1 { f = 1 } f && /^```sh$/ { b = 1; next }
	b && /^```$/ { exit } b { print }' "$S/README.md" |
	sed "s/\b7790\b/$(freeport)/g; s/\b5684\b/$(freeport)/g; s/\b9112\b/$(freeport)/g" >$W/readme/run.sh
(cd $W/readme && timeout 60 bash run.sh >out.txt 2>err.txt) || true
check "README: s_client's handshake" "Reused, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256" "$(sed -n 1p $W/readme/out.txt)"
check "README: the UE registers" "reg 2.01 SUCCESS" "$(sed -n 3p $W/readme/out.txt)"
check "README: its message, then the delivery report" \
	"recv MSG m1 ue-a@$AF ue-a@$AF hello|recv IMDN m1 ue-a@$AF ue-a@$AF" \
	"$(sed -n 5p $W/readme/out.txt)|$(sed -n 6p $W/readme/out.txt)"

kill $M5PID; rc=0; wait $M5PID || rc=$?
check "aiot-msgin5g stops on SIGTERM with status 0" 0 $rc
grep -qi "$KAF_A\|$KAF_B\|$KA\b" $W/m5.log && bad "a key in the log" || ok "no key in the log"
finish
