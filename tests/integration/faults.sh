#!/usr/bin/env bash
# Faults with real processes: kill -9 of a bulk provisioning and of aiot-adm under a stream of
# T-ID rotations (no acknowledged write lost); the AIOTF across an ADM restart and a reader
# restart in the middle of inventories (clean failCause, then served again); mutual TLS
# refusing clients without a certificate from the configured CA, and an AIOTF with the wrong
# --adm-ca failing its ADM requests cleanly.
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf aiot-reader aiot-devsim; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done
ADM=$B/aiot-adm
wait_for() { # seconds command...
	local n=$(($1 * 10)); shift
	for _ in $(seq 1 $n); do "$@" && return 0; sleep 0.1; done
	return 1
}

# --- (1a) kill -9 of a bulk provisioning -------------------------------------------------------
# Every progress line is printed after its batches committed.
"$AIOT" provision --store sqlite:$W/bulk.db --kek-file $W/kek --count 200000 --group bulk --out $W/bulk.jsonl 2>$W/bulk.log &
PROV=$!
wait_for 120 grep -q "devices$" $W/bulk.log || true
kill -9 $PROV 2>/dev/null || true
wait $PROV 2>/dev/null || true
ACK=$(sed -n 's/^aiot provision: \([0-9]*\) \/ .*/\1/p' $W/bulk.log | tail -1)
grep -q "devices in" $W/bulk.log && ACK=200000
[ -n "$ACK" ] && ok "provisioning killed (-9) after acknowledging $ACK devices" || bad "no progress line: $(cat $W/bulk.log)"
ACK=${ACK:-1}
STORED=$(sqlite3 $W/bulk.db 'select count(*) from devices')
[ "$STORED" -ge "$ACK" ] && ok "after kill -9: $STORED devices in the store >= $ACK acknowledged" ||
	bad "after kill -9: only $STORED devices stored, $ACK acknowledged"
# File first, then the store, batch by batch: the first STORED lines of --out are the committed
# devices (a line after them names a device of the batch in flight); no stored device lacks
# its line. Authenticate a sample of them.
LINES=$(jq -cR 'fromjson? // empty' $W/bulk.jsonl 2>/dev/null | wc -l)
[ "$LINES" -ge "$STORED" ] && ok "after kill -9: $LINES complete lines >= $STORED stored (no key lost)" ||
	bad "after kill -9: $STORED devices stored, only $LINES lines hold their keys"
head -n "$STORED" $W/bulk.jsonl | jq -cR 'fromjson? // empty' 2>/dev/null | awk 'NR % 9973 == 1' | head -8 >$W/sample.jsonl || true
start_daemon $W/adm0.log "$ADM" --listen 127.0.0.1:0 --store sqlite:$W/bulk.db --kek-file $W/kek --workers 2
SEC=http://127.0.0.1:$PORT/nadm-sec/v1
n=0; good=0
while read -r line; do
	id=$(echo "$line" | jq -r .aiotDevPermId); key=$(echo "$line" | jq -r .key)
	rn=$(rand16); rd=$(rand16); n=$((n + 1))
	r=$(h2post $SEC/get-authentication "{\"aiotDevPermId\":\"$id\",\"randN\":\"$rn\",\"randDlist\":[\"$rd\"]}")
	[ "$(echo "${r#* }" | jq -r '.authDataSets[0].authDataSet[0].xres' 2>/dev/null)" = \
		"$("$AIOT" crypto res --suite 3gpp --key $key --rand-n $rn --rand-d $rd)" ] && good=$((good + 1))
done <$W/sample.jsonl
[ $n -ge 1 ] && [ $good = $n ] && ok "a sample of $n provisioned devices authenticates (XRES = aiot crypto res)" ||
	bad "sample authentication: $good of $n"
kill $LASTPID; wait $LASTPID 2>/dev/null || true

# --- (1b) kill -9 of aiot-adm during a stream of get-tid rotations --------------------------------
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 400 --privacy --group private --out $W/p.jsonl 2>$W/prov.log
start_daemon $W/adm1.log "$ADM" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek --workers 2
APORT=$PORT; ADMPID=$LASTPID
SEC=http://127.0.0.1:$APORT/nadm-sec/v1
# One device per rotation: get-session-key (a new session), then get-tid rotates; a line in
# acks.txt = a rotation the ADM acknowledged (200 with the new T-ID).
(
	while read -r line; do
		id=$(echo "$line" | jq -r .aiotDevPermId)
		h2post $SEC/get-session-key "{\"aiotDevPermId\":\"$id\",\"randN\":\"$(rand16)\",\"randD\":\"$(rand16)\"}" >/dev/null 2>&1 || exit 0
		r=$(h2post $SEC/get-tid "{\"aiotDevPermId\":\"$id\"}" 2>/dev/null) || exit 0
		[ "${r%% *}" = 200 ] || exit 0
		echo "$id $(echo "${r#* }" | jq -r .tid)" >>$W/acks.txt
	done <$W/p.jsonl
) &
ROT=$!
nacks() { [ -f $W/acks.txt ] && [ "$(wc -l <$W/acks.txt)" -ge "$1" ]; }
wait_for 60 nacks 25 || true
kill -9 $ADMPID; wait $ADMPID 2>/dev/null || true
wait $ROT 2>/dev/null || true
NACK=$(wc -l <$W/acks.txt)
ok "aiot-adm killed (-9) after $NACK acknowledged rotations"
start_daemon $W/adm2.log "$ADM" --listen 127.0.0.1:$APORT --store sqlite:$W/adm.db --kek-file $W/kek --workers 2
ADMPID=$LASTPID
lost=0
while read -r id tid; do
	r=$(h2post $SEC/get-tid "{\"aiotDevPermId\":\"$id\"}")
	[ "$(echo "${r#* }" | jq -r .tid)" = "$tid" ] || lost=$((lost + 1))
done <$W/acks.txt
check "after restart: every acknowledged rotation present ($NACK)" 0 $lost

# --- (2) the AIOTF across an ADM restart and a reader restart --------------------------------------
N=3000
kill $ADMPID; wait $ADMPID 2>/dev/null || true # one process at a time opens a store
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count $N --group shelf --out $W/a.jsonl 2>>$W/prov.log
# The AF's authorization data at the ADM (Nadm_DM af-authorization-data): every operation.
echo '{"afAuthData":{"af-faults":{"afId":"af-faults","allowedServiceOperations":["INVENTORY","READ","WRITE","PERMANENT_DISABLE"]}}}' >$W/af.json
start_daemon $W/adm3.log "$ADM" --listen 127.0.0.1:$APORT --store sqlite:$W/adm.db --kek-file $W/kek --workers 2 --af-auth $W/af.json
ADMPID=$LASTPID
start_daemon $W/af.log "$B/aiot" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$APORT --adm-timeout-ms 1000 --metrics 127.0.0.1:0 \
	--inventory-timeout-ms 20000 --command-timeout-ms 1500
SP=$PORT; AMPORT=$MPORT; AIOTFPID=$LASTPID
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf.log)
NAIOTF=http://127.0.0.1:$SP/naiotf-aiot/v1
U="\"afId\":\"af-faults\",\"notifUri\":\"http://127.0.0.1:$AFPORT/cb\""
AREA='"targetArea":{"areaIds":[{"plmnId":{"mcc":"001","mnc":"01"},"aiotAreaCode":"00ab12"}]}'
metric() { curl -s http://127.0.0.1:$AMPORT/metrics | awk -v k="$1" '$1==k {print $2}'; }
submit() {
	local r; r=$(h2post $NAIOTF/$1 "$2")
	TID=$(echo "${r#* }" | jq -r .transId 2>/dev/null || true)
	[ "${r%% *}" = 200 ] && [ -n "$TID" ] && [ "$TID" != null ] || bad "$1 not accepted: $r"
}
wait_last() {
	wait_for "${1:-30}" grep -q "\"transId\":\"$TID\".*\"lastRepInd\":true" $W/notifs.jsonl
}
notifs() { grep "\"transId\":\"$TID\"" $W/notifs.jsonl || true; }
ndev() { notifs | jq -s '[.[].devicesRepData // [] | .[]] | length'; }
cause() { notifs | jq -rs '[.[] | select(.lastRepInd)][0].failCause'; }
"$B/aiot-devsim" --devices $W/a.jsonl --air-listen 127.0.0.1:0 2>$W/sim.log &
PIDS+=("$!")
wait_for 5 grep -q "air on" $W/sim.log || bad "devsim did not start"
AIR=$(sed -n 's/.*air on \([0-9.]*:[0-9]*\).*/\1/p' $W/sim.log | head -1)
reader_up() { local n; n=$(metric aiot_aiotf_readers_connected); [ -n "$n" ] && [ "${n%.*}" -ge 1 ]; }
# The round timeout is the silence a reader waits for. Under ASan on a loaded machine the
# simulator needs about 5 s for the first round of 3,000 devices, and after the reader is
# killed it first finishes the dead reader's round: the new reader must wait longer than that.
RTO=2000; [ "$SANITIZED" = 1 ] && RTO=15000
start_reader() {
	"$B/aiot-reader" --aiotf 127.0.0.1:$NG --ng-transport tcp --air $AIR --round-timeout-ms $RTO 2>>$W/reader.log &
	READERPID=$!; PIDS+=("$READERPID")
	# generous: under ASan on a loaded machine the reader's reconnect backoff can reach seconds
	wait_for 30 reader_up || bad "reader did not connect"
}
start_reader
AREQ="{$U,$AREA,\"numDevices\":$N}"
submit request-inv "$AREQ"
wait_last 60 && check "baseline inventory: every device" $N "$(ndev)" || bad "baseline inventory: no last notification"

# ADM killed in the middle of an inventory, restarted on the same port.
submit request-inv "$AREQ"
sleep 0.02; kill -9 $ADMPID; wait $ADMPID 2>/dev/null || true
wait_last 30 && ok "ADM killed mid-inventory: the transaction completes ($(ndev) devices, failCause $(cause))" ||
	bad "ADM killed mid-inventory: no last notification"
[ "$(ndev)" = $N ] || [ "$(cause)" != null ] && ok "ADM killed: what could not complete has a failCause" ||
	bad "ADM killed: $(ndev) devices and no failCause"
kill -0 $AIOTFPID && ok "AIOTF up after the ADM died" || bad "AIOTF died with the ADM"
start_daemon $W/adm4.log "$ADM" --listen 127.0.0.1:$APORT --store sqlite:$W/adm.db --kek-file $W/kek --workers 2 --af-auth $W/af.json
ADMPID=$LASTPID
submit request-inv "$AREQ"
wait_last 60 && check "ADM restarted: every device inventoried again" $N "$(ndev)" || bad "after ADM restart: no last notification"

# Reader killed in the middle of an inventory, then a new reader.
submit request-inv "$AREQ"
sleep 0.02; kill -9 $READERPID; wait $READERPID 2>/dev/null || true
wait_last 30 && ok "reader killed mid-inventory: the transaction completes ($(ndev) devices, failCause $(cause))" ||
	bad "reader killed mid-inventory: no last notification"
[ "$(ndev)" = $N ] || [ "$(cause)" != null ] && ok "reader killed: what could not complete has a failCause" ||
	bad "reader killed: $(ndev) devices and no failCause"
wait_for 5 test "$(metric aiot_aiotf_readers_connected)" = 0 || bad "the dead reader is still counted"
start_reader
submit request-inv "$AREQ"
wait_last 60 && check "new reader: every device inventoried again" $N "$(ndev)" || bad "new reader: no last notification"
check "no transaction left" 0 "$(metric aiot_aiotf_transactions_active)"
kill -0 $AIOTFPID && ok "AIOTF survived both restarts" || bad "AIOTF died"
kill $AIOTFPID $READERPID; wait $AIOTFPID $READERPID 2>/dev/null || true

# --- (3) mutual TLS -------------------------------------------------------------------------------
mkcert() { # name CA san
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
		-keyout $W/$1.key -out $W/$1.csr 2>/dev/null
	printf 'subjectAltName=%s\n' "$3" >$W/$1.ext
	openssl x509 -req -in $W/$1.csr -CA $W/$2.crt -CAkey $W/$2.key -CAcreateserial -days 2 \
		-extfile $W/$1.ext -out $W/$1.crt 2>/dev/null
}
for ca in ca evil; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=aiot faults $ca" \
		-days 2 -keyout $W/$ca.key -out $W/$ca.crt 2>/dev/null
done
mkcert adm ca IP:127.0.0.1; mkcert aiotf ca DNS:aiotf; mkcert rogue evil DNS:rogue
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=self" -days 2 \
	-keyout $W/self.key -out $W/self.crt 2>/dev/null
kill $ADMPID; wait $ADMPID 2>/dev/null || true
start_daemon $W/adm5.log "$ADM" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek --workers 2 \
	--tls-cert $W/adm.crt --tls-key $W/adm.key --tls-ca $W/ca.crt --af-auth $W/af.json
TPORT=$PORT; ADMPID=$LASTPID
T=https://127.0.0.1:$TPORT/nadm-sec/v1
tls() { # prints the status, or "refused" when the handshake or the stream failed
	local c
	c=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' --cacert $W/ca.crt -X POST "$@" $T/get-rand 2>/dev/null) || c=refused
	echo "$c"
}
check "mTLS: client certificate from the CA" 200 "$(tls --cert $W/aiotf.crt --key $W/aiotf.key)"
check "mTLS: no client certificate" refused "$(tls)"
check "mTLS: self-signed client certificate" refused "$(tls --cert $W/self.crt --key $W/self.key)"
check "mTLS: certificate from another CA" refused "$(tls --cert $W/rogue.crt --key $W/rogue.key)"
check "mTLS: still serving" 200 "$(tls --cert $W/aiotf.crt --key $W/aiotf.key)"

# The AIOTF trusting the wrong CA for the ADM: it cannot even fetch the AF's authorization
# data, so the AF's request fails at once with a network cause (no hang, not 403).
start_daemon $W/aiotf2.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm https://127.0.0.1:$TPORT --adm-ca $W/evil.crt --adm-cert $W/aiotf.crt --adm-key $W/aiotf.key \
	--adm-timeout-ms 1000 --metrics 127.0.0.1:0 --inventory-timeout-ms 20000 --command-timeout-ms 1500
SP=$PORT; AMPORT=$MPORT; AIOTFPID=$LASTPID
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf2.log)
NAIOTF=http://127.0.0.1:$SP/naiotf-aiot/v1
start_reader
s=$(date +%s%N)
r=$(h2post $NAIOTF/request-inv "$AREQ")
check "wrong --adm-ca: 504 TARGET_NF_NOT_REACHABLE" "504 TARGET_NF_NOT_REACHABLE" "${r%% *} $(echo "${r#* }" | jq -r .cause)"
echo "     answered in $(( ($(date +%s%N) - s) / 1000000 )) ms: $(echo "${r#* }" | jq -r .detail)"
kill -0 $AIOTFPID && ok "AIOTF up with a wrong --adm-ca" || bad "AIOTF died with a wrong --adm-ca"
kill $AIOTFPID $READERPID; wait $AIOTFPID $READERPID 2>/dev/null || true

# The same with the right CA: authenticated inventory over mutual TLS.
start_daemon $W/aiotf3.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm https://127.0.0.1:$TPORT --adm-ca $W/ca.crt --adm-cert $W/aiotf.crt --adm-key $W/aiotf.key \
	--adm-timeout-ms 1000 --metrics 127.0.0.1:0 --inventory-timeout-ms 20000 --command-timeout-ms 1500
SP=$PORT; AMPORT=$MPORT; AIOTFPID=$LASTPID
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf3.log)
NAIOTF=http://127.0.0.1:$SP/naiotf-aiot/v1
start_reader
submit request-inv "$AREQ"
wait_last 60 && check "right --adm-ca: every device over mutual TLS" $N "$(ndev)" || bad "right --adm-ca: no last notification"

# A port another process listens on is refused (no silent SO_REUSEPORT sharing).
"$AIOT" provision --store sqlite:$W/other.db --kek-file $W/kek --count 1 --out $W/other.jsonl 2>/dev/null
inuse() { # name command...: exits non-zero within 10 s saying "address already in use"
	local name=$1 rc=0; shift
	timeout 10 "$@" >$W/inuse.log 2>&1 || rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -qi "address already in use" $W/inuse.log; then
		ok "$name refused: $(grep -io 'listen.*in use\|bind.*in use' $W/inuse.log | head -1)"
	else bad "$name: exit $rc: $(tail -2 $W/inuse.log)"; fi
}
inuse "second aiot-adm on the ADM's port" "$ADM" --listen 127.0.0.1:$TPORT --store sqlite:$W/other.db --kek-file $W/kek
AF=("$B/aiot-aiotf" --adm http://127.0.0.1:$TPORT --ng-transport tcp)
inuse "second aiot-aiotf on the AIOTF's SBI port" "${AF[@]}" --listen 127.0.0.1:$SP --ng-listen 127.0.0.1:0
inuse "second aiot-aiotf on the NG link port" "${AF[@]}" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:$NG
inuse "second aiot-aiotf on the metrics port" "${AF[@]}" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --metrics 127.0.0.1:$AMPORT
kill -0 $AIOTFPID && [ -n "$(metric aiot_aiotf_readers_connected)" ] && ok "the first AIOTF still up and serving" ||
	bad "the first AIOTF is gone"
kill $AIOTFPID; wait $AIOTFPID 2>/dev/null || true
finish
