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
# The --out lines complete on disk belong to committed batches: authenticate a sample.
jq -cR 'fromjson? // empty' $W/bulk.jsonl 2>/dev/null | awk 'NR % 9973 == 1' | head -8 >$W/sample.jsonl || true
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
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count $N --group shelf --out $W/a.jsonl 2>>$W/prov.log
kill $ADMPID; wait $ADMPID 2>/dev/null || true
start_daemon $W/adm3.log "$ADM" --listen 127.0.0.1:$APORT --store sqlite:$W/adm.db --kek-file $W/kek --workers 2
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
start_reader() {
	"$B/aiot-reader" --aiotf 127.0.0.1:$NG --ng-transport tcp --air $AIR --round-timeout-ms 2000 2>>$W/reader.log &
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
start_daemon $W/adm4.log "$ADM" --listen 127.0.0.1:$APORT --store sqlite:$W/adm.db --kek-file $W/kek --workers 2
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
	--tls-cert $W/adm.crt --tls-key $W/adm.key --tls-ca $W/ca.crt
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

# The AIOTF trusting the wrong CA for the ADM: its ADM requests fail cleanly (failCause, no hang).
start_daemon $W/aiotf2.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm https://127.0.0.1:$TPORT --adm-ca $W/evil.crt --adm-cert $W/aiotf.crt --adm-key $W/aiotf.key \
	--adm-timeout-ms 1000 --metrics 127.0.0.1:0 --inventory-timeout-ms 20000 --command-timeout-ms 1500
SP=$PORT; AMPORT=$MPORT; AIOTFPID=$LASTPID
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf2.log)
NAIOTF=http://127.0.0.1:$SP/naiotf-aiot/v1
start_reader
s=$(date +%s%N)
submit request-inv "$AREQ"
wait_last 30 && ok "wrong --adm-ca: the transaction completes in $(( ($(date +%s%N) - s) / 1000000 )) ms" ||
	bad "wrong --adm-ca: no last notification"
check "wrong --adm-ca: no device reported" 0 "$(ndev)"
c=$(cause); [ -n "$c" ] && [ "$c" != null ] && ok "wrong --adm-ca: failCause $c" || bad "wrong --adm-ca: no failCause"
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
kill $AIOTFPID; wait $AIOTFPID 2>/dev/null || true
finish
