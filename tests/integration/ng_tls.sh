#!/usr/bin/env bash
# The NG backhaul over TLS 1.3 with certificates on both sides (docs/backhaul.md), real
# processes: aiot pki, aiot-adm, aiot-aiotf (ng.tls-required), aiot af-sink, aiot-reader,
# aiot-devsim. An inventory over the TLS link; openssl s_client sees TLS 1.3 and a certificate
# request, and is refused without a certificate; a plain-NG reader, a reader of another CA,
# and a reader facing an AIOTF certificate that does not name it are refused, counted on
# /metrics; SCTP with TLS is a configuration error (exit 2).
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf aiot-reader aiot-devsim; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done
N=300

# Certificates: the operator's CA (aiotf, reader), another CA (a reader it never issued), a
# third CA whose AIOTF certificate names another host.
"$AIOT" pki --out $W/pki --names aiotf,reader >/dev/null
"$AIOT" pki --out $W/other --names reader >/dev/null
"$AIOT" pki --out $W/wrong --names aiotf --san DNS:aiotf.elsewhere.example >/dev/null
P=$W/pki

# --- configuration errors: exit 2 -----------------------------------------------------------
rc=0; "$B/aiot-aiotf" --ng-transport sctp --ng-tls-cert $P/aiotf.crt --ng-tls-key $P/aiotf.key \
	--adm http://127.0.0.1:1 2>$W/e1.log || rc=$?
check "aiotf: ng.transport sctp with TLS: exit 2" 2 $rc
grep -q "TLS runs over TCP only" $W/e1.log && ok "aiotf: says TLS is TCP only" || bad "aiotf: $(cat $W/e1.log)"
rc=0; "$B/aiot-aiotf" --ng-tls-cert $P/aiotf.crt --ng-tls-key $P/aiotf.key --ng-tls-required \
	--adm http://127.0.0.1:1 2>$W/e2.log || rc=$?
check "aiotf: ng.tls-required without ng.tls-ca: exit 2" 2 $rc
rc=0; "$B/aiot-reader" --air 127.0.0.1:1 --ng-transport sctp --ng-tls-ca $P/ca.crt 2>$W/e3.log || rc=$?
check "reader: ng-transport sctp with TLS: exit 2" 2 $rc
chmod 644 $P/aiotf.key
rc=0; timeout 10 "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --adm http://127.0.0.1:1 \
	--ng-tls-cert $P/aiotf.crt --ng-tls-key $P/aiotf.key 2>$W/e4.log || rc=$?
check "aiotf: NG TLS key readable by others: refused" 1 $rc
grep -q "mode 0644" $W/e4.log && ok "aiotf: says why (mode 0644)" || bad "aiotf: $(cat $W/e4.log)"
chmod 600 $P/aiotf.key

# --- the network: ADM, AF, AIOTF with TLS required on the NG link ---------------------------
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count $N --group g --out $W/a.jsonl 2>$W/prov.log
echo '{"afAuthData":{"af-it":{"afId":"af-it","allowedServiceOperations":["INVENTORY"]}}}' >$W/af.json
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek --af-auth $W/af.json
APORT=$PORT
start_daemon $W/af.log "$AIOT" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT
TLS_AIOTF=(--ng-tls-cert $P/aiotf.crt --ng-tls-key $P/aiotf.key --ng-tls-ca $P/ca.crt --ng-tls-required)
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 \
	--adm http://127.0.0.1:$APORT --metrics 127.0.0.1:0 --inventory-timeout-ms 20000 "${TLS_AIOTF[@]}"
SP=$PORT; AMPORT=$MPORT
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf.log)
grep -q "ng link on .*TLS 1.3, reader certificates required" $W/aiotf.log && ok "aiotf: NG link on $NG, TLS 1.3, certificates required" || bad "aiotf: $(grep 'ng link' $W/aiotf.log)"
metric() { curl -s http://127.0.0.1:$AMPORT/metrics | awk -v k="$1" '$1==k {print $2}'; }
TLSREF='aiot_aiotf_readers_closed_total{reason="tls"}'
# wait_refused N: until the AIOTF has counted N TLS refusals
wait_refused() {
	for _ in $(seq 1 200); do [ "$(metric "$TLSREF")" -ge "$1" ] && return 0; sleep 0.05; done
	return 1
}

# --- openssl s_client: TLS 1.3, a CertificateRequest, refused without a certificate -----------
# (stdin held open a second: s_client reads until the AIOTF's alert instead of quitting at EOF)
(sleep 1) | timeout 10 openssl s_client -connect 127.0.0.1:$NG -CAfile $P/ca.crt -verify_ip 127.0.0.1 \
	>$W/s1.out 2>&1 || true
grep -q "New, TLSv1.3, Cipher is TLS_" $W/s1.out && ok "s_client: TLS 1.3 ($(sed -n 's/.*Cipher is //p' $W/s1.out | head -1))" || bad "s_client: no TLS 1.3: $(head -c 600 $W/s1.out)"
grep -q "Acceptable client certificate CA names" $W/s1.out && ok "s_client: the AIOTF requests a certificate (of $(grep -A1 'Acceptable client certificate CA names' $W/s1.out | tail -1))" || bad "s_client: no certificate request"
grep -q "Verify return code: 0 (ok)" $W/s1.out && ok "s_client: the AIOTF's certificate verifies as 127.0.0.1" || bad "s_client: verify: $(grep 'Verify return' $W/s1.out)"
grep -q "alert certificate required" $W/s1.out && ok "s_client without a certificate: alert certificate_required" || bad "s_client: not refused: $(tail -c 400 $W/s1.out)"
wait_refused 1 && ok "aiotf: the refusal counted (reason=tls)" || bad "aiotf: $TLSREF = $(metric "$TLSREF")"
# with the reader's certificate the handshake completes and the link stays up until NG Setup
(sleep 1) | timeout 10 openssl s_client -connect 127.0.0.1:$NG -CAfile $P/ca.crt -cert $P/reader.crt \
	-key $P/reader.key >$W/s2.out 2>&1 || true
grep -q "Verify return code: 0 (ok)" $W/s2.out && ! grep -q "alert" $W/s2.out && ok "s_client with the reader's certificate: accepted" || bad "s_client with a certificate: $(tail -c 400 $W/s2.out)"
check "aiotf: a certified client is not counted as refused" 1 "$(metric "$TLSREF")"

# --- an inventory through aiot-reader and aiot-devsim over the TLS link ---------------------
"$B/aiot-devsim" --devices $W/a.jsonl --air-listen 127.0.0.1:0 2>$W/sim.log &
PIDS+=("$!")
for _ in $(seq 1 50); do grep -q "air on" $W/sim.log && break; sleep 0.1; done
AIR=$(sed -n 's/.*air on \([0-9.]*:[0-9]*\).*/\1/p' $W/sim.log | head -1)
# reader NAME args...: one more aiot-reader against the AIOTF; sets RPID
reader() {
	local name=$1; shift
	"$B/aiot-reader" --aiotf 127.0.0.1:$NG --air $AIR --round-timeout-ms 300 --doa-interval-ms 0 \
		--metrics 127.0.0.1:0 "$@" 2>$W/$name.log &
	RPID=$!; PIDS+=("$RPID")
}
reader good --ng-tls-ca $P/ca.crt --ng-tls-cert $P/reader.crt --ng-tls-key $P/reader.key --gnb-id 7
for _ in $(seq 1 100); do [ "$(metric aiot_aiotf_readers_connected)" = 1 ] && break; sleep 0.1; done
check "reader over TLS: NG Setup done" 1 "$(metric aiot_aiotf_readers_connected)"
grep -q "NG link from 127.0.0.1: TLSv1.3 TLS_.*peer certificate /O=aiot/CN=reader" $W/aiotf.log && ok "aiotf logs: $(grep -o 'TLSv1.3 .*CN=reader' $W/aiotf.log | head -1)" || bad "aiotf: no TLS link-up line"
grep -q "NG link to 127.0.0.1:$NG: TLSv1.3 .*CN=aiotf" $W/good.log && ok "reader logs the AIOTF's subject" || bad "reader: $(cat $W/good.log)"
! grep -qiE "PRIVATE KEY|master|secret" $W/aiotf.log $W/good.log && ok "no key material in the logs" || bad "key material logged"
AREA='"targetArea":{"areaIds":[{"plmnId":{"mcc":"001","mnc":"01"},"aiotAreaCode":"00ab12"}]}'
r=$(h2post http://127.0.0.1:$SP/naiotf-aiot/v1/request-inv "{\"afId\":\"af-it\",\"notifUri\":\"http://127.0.0.1:$AFPORT/cb\",$AREA,\"numDevices\":$N}")
TID=$(echo "${r#* }" | jq -r .transId)
for _ in $(seq 1 300); do grep -q "\"transId\":\"$TID\".*\"lastRepInd\":true" $W/notifs.jsonl 2>/dev/null && break; sleep 0.1; done
check "inventory over TLS: every device authenticated and reported" $N \
	"$(grep "\"transId\":\"$TID\"" $W/notifs.jsonl | jq -s '[.[].devicesRepData // [] | .[]] | length')"
echo "     $(grep -o "transaction $TID inventory.*" $W/aiotf.log | head -1)"

# --- refused: plain NG, a certificate of another CA, no certificate --------------------------
# reader_refused NAME EXPECTED-REFUSALS args...: the reader never sets up and the AIOTF counts it
reader_refused() {
	local name=$1 want=$2; shift 2
	reader "$name" "$@"
	wait_refused "$want" && ok "$name: refused by the AIOTF, counted ($TLSREF $want)" || bad "$name: $TLSREF = $(metric "$TLSREF")"
	kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null || true
	check "$name: no NG Setup (still one reader)" 1 "$(metric aiot_aiotf_readers_connected)"
	! grep -q "NG link up" $W/$name.log && ok "$name: the reader never got an NG Setup Response" || bad "$name: link up"
}
base=$(metric "$TLSREF")
reader_refused plain $((base + 1)) --ng-transport tcp --gnb-id 8
reader_refused foreign-ca $((base + 2)) --ng-tls-ca $P/ca.crt --ng-tls-cert $W/other/reader.crt --ng-tls-key $W/other/reader.key --gnb-id 9
grep -q "refused: TLS: .*certificate" $W/aiotf.log && ok "aiotf logs why: $(grep -o 'refused: TLS: .*' $W/aiotf.log | tail -1)" || bad "aiotf: no reason"
reader_refused no-cert $((base + 3)) --ng-tls-ca $P/ca.crt --gnb-id 10

# --- the reader refuses an AIOTF whose certificate does not name it ------------------------
start_daemon $W/aiotf2.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 \
	--adm http://127.0.0.1:$APORT --metrics 127.0.0.1:0 --ng-tls-cert $W/wrong/aiotf.crt --ng-tls-key $W/wrong/aiotf.key
NG2=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf2.log); M2=$MPORT
"$B/aiot-reader" --aiotf 127.0.0.1:$NG2 --air $AIR --doa-interval-ms 0 --metrics 127.0.0.1:0 \
	--ng-tls-ca $W/wrong/ca.crt 2>$W/wrongname.log &
RPID=$!; PIDS+=("$RPID")
for _ in $(seq 1 100); do grep -q "IP address mismatch" $W/wrongname.log && break; sleep 0.05; done
grep -q "IP address mismatch" $W/wrongname.log && ok "reader refuses an AIOTF certificate for another name: $(grep -o 'TLS: .*mismatch)' $W/wrongname.log | head -1)" || bad "reader: $(cat $W/wrongname.log)"
RM=$(sed -n 's/.*metrics on port \([0-9]*\).*/\1/p' $W/wrongname.log | head -1)
n=$(curl -s http://127.0.0.1:$RM/metrics | awk '$1=="aiot_reader_ng_tls_failures_total" {print $2}')
[ "${n:-0}" -ge 1 ] && ok "reader counts it (aiot_reader_ng_tls_failures_total $n)" || bad "reader metric '$n'"
check "that AIOTF has no reader" 0 "$(curl -s http://127.0.0.1:$M2/metrics | awk '$1=="aiot_aiotf_readers_connected" {print $2}')"
finish
