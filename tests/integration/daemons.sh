#!/usr/bin/env bash
# The daemons' own correctness with real processes (issue 10 items 7 and 9): an inventory of
# exactly 1 000 devices that partly fails (no AIoTNotif with only transId); a second reader
# with the same gNB ID and reader index replaces the first, logged; the ADM down gives the
# network's failCause, not AUTH_FAILURE; SIGTERM to the AIOTF mid-inventory: 503 for new
# requests, the AF notified with a failCause, exit 0 within shutdown-grace; SIGTERM to
# aiot-adm exits 0 (signals blocked before its store's writer thread); new https
# notification hosts need no file read (CA and resolver loaded at start); aiot-reader
# --ng-transport sctp on a kernel without SCTP exits at once.
source "$(dirname "$0")/lib.bash"
for x in aiot-adm aiot-aiotf aiot aiot-reader aiot-devsim rogue_reader; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done
wait_for() { # seconds command...
	local n=$(($1 * 10)); shift
	for _ in $(seq 1 $n); do "$@" && return 0; sleep 0.1; done
	return 1
}
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# Every thread must block SIGHUP, SIGINT and SIGTERM (SigBlk bits 0, 1, 14): only the main
# thread takes them, in sigwait; a thread started before the block gets a SIGTERM arriving
# outside that wait, and the process dies of it.
unblocked() { # pid -> threads other than the main one (in sigwait) not blocking them
	local n=0 t m
	for t in /proc/$1/task/*; do
		[ "${t##*/}" = "$1" ] && continue
		m=$(awk '/^SigBlk:/ {print $2}' $t/status 2>/dev/null || echo 0)
		[ $(( 0x${m:-0} & 0x4003 )) = $(( 0x4003 )) ] || n=$((n + 1))
	done
	echo $n
}
N=1000
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count $N --group shelf --out $W/a.jsonl 2>$W/prov.log
# The AFs' authorization data at the ADM (Nadm_DM af-authorization-data): every operation.
all='"allowedServiceOperations":["INVENTORY","READ","WRITE","PERMANENT_DISABLE"]'
echo "{\"afAuthData\":{\"af-daemons\":{\"afId\":\"af-daemons\",$all},\"af-tls\":{\"afId\":\"af-tls\",$all}}}" >$W/af.json
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek --workers 2 \
	--af-auth $W/af.json
APORT=$PORT; ADMPID=$LASTPID
start_daemon $W/af.log "$B/aiot" af-sink --listen 127.0.0.1:0 --out $W/notifs.jsonl
AFPORT=$PORT
GRACE=2
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$APORT --metrics 127.0.0.1:0 --inventory-timeout-ms 60000 \
	--shutdown-grace $GRACE
SP=$PORT; AMPORT=$MPORT; AIOTFPID=$LASTPID
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf.log)
NAIOTF=http://127.0.0.1:$SP/naiotf-aiot/v1
U="\"afId\":\"af-daemons\",\"notifUri\":\"http://127.0.0.1:$AFPORT/cb\""
AREA='"targetArea":{"areaIds":[{"plmnId":{"mcc":"001","mnc":"01"},"aiotAreaCode":"00ab12"}]}'
AREQ="{$U,$AREA,\"numDevices\":$N}"
metric() { curl -s http://127.0.0.1:$AMPORT/metrics | awk -v k="$1" '$1==k {print $2}'; }
submit() {
	local r; r=$(h2post $NAIOTF/$1 "$2")
	TID=$(echo "${r#* }" | jq -r .transId 2>/dev/null || true)
	[ "${r%% *}" = 200 ] && [ -n "$TID" ] && [ "$TID" != null ] || bad "$1 not accepted: $r"
}
notifs() { grep "\"transId\":\"$TID\"" $W/notifs.jsonl || true; }
ndev() { notifs | jq -s '[.[].devicesRepData // [] | .[]] | length'; }
cause() { notifs | jq -rs '[.[] | select(.lastRepInd)][0].failCause'; }
has_last() { grep -q "\"transId\":\"$TID\".*\"lastRepInd\":true" $W/notifs.jsonl; }
all_reported() { [ "$(ndev)" = $N ]; }
# AIoTNotif (TS 29.569): transId and at least one of devicesRepData, lastRepInd, failCause.
bare() { notifs | jq -s '[.[] | select(has("devicesRepData") or has("lastRepInd") or has("failCause") | not)] | length'; }
readers() { local n; n=$(metric aiot_aiotf_readers_connected); echo "${n:-0}"; }
nreaders() { [ "$(readers)" = "$1" ]; } # polled by wait_for

"$B/aiot-devsim" --devices $W/a.jsonl --air-listen 127.0.0.1:0 2>$W/sim.log &
PIDS+=("$!")
wait_for 5 grep -q "air on" $W/sim.log || bad "devsim did not start"
AIR=$(sed -n 's/.*air on \([0-9.]*:[0-9]*\).*/\1/p' $W/sim.log | head -1)
"$B/aiot-reader" --aiotf 127.0.0.1:$NG --ng-transport tcp --air $AIR --round-timeout-ms 2000 2>$W/reader.log &
PIDS+=("$!")
wait_for 30 nreaders 1 || bad "reader did not connect"
# A reader whose devices never answer: its paging stays open (gNB 77, reader index 1).
silent() { # log
	"$B/rogue_reader" --aiotf 127.0.0.1:$NG --transport tcp --gnb-id 77 --reader-index 1 \
		--silent --requests 0 --linger-ms 600000 --timeout-s 600 >"$1.out" 2>"$1" &
	LASTPID=$!; PIDS+=("$LASTPID")
}
silent $W/silent1.log; SILENT1=$LASTPID
wait_for 30 nreaders 2 || bad "silent reader did not connect"

# --- exactly 1 000 devices, partly failed ---------------------------------------------------------
# The genuine reader reports all 1 000 (one full batch), the silent one is lost: the last
# notification carries lastRepInd + failCause and no notification is bare.
submit request-inv "$AREQ"
wait_for 60 all_reported || bad "1000 devices: only $(ndev) reported"
# --- the same gNB ID and reader index again: the new link replaces the old -----------------------
silent $W/silent2.log; SILENT2=$LASTPID
wait_for 10 grep -q '"closed_by_peer":true' $W/silent1.log.out &&
	ok "second reader gNB 77 index 1: the first link closed" || bad "the first reader kept its link"
kill $SILENT1 2>/dev/null || true; wait $SILENT1 2>/dev/null || true
grep -q "gNB 77 index 1: NG Setup on a new link; the old link is closed and replaced" $W/aiotf.log &&
	ok "replacement logged" || bad "replacement not logged"
wait_for 10 nreaders 2 && ok "readers connected: 2 (not 3)" || bad "readers connected: $(readers)"
wait_for 10 has_last || bad "1000 devices: no last notification"
check "1000 devices, reader lost: devices reported" $N "$(ndev)"
check "1000 devices, reader lost: failCause" NO_SUCC_INV_RESP "$(cause)"
check "1000 devices: no AIoTNotif with only transId" 0 "$(bare)"

# --- SIGTERM mid-inventory ------------------------------------------------------------------------
submit request-inv "$AREQ"
wait_for 60 all_reported || bad "before SIGTERM: only $(ndev) reported"
has_last && bad "the inventory ended before SIGTERM (the silent reader should hold it)"
check "aiot-aiotf: threads not blocking SIGTERM" 0 "$(unblocked $AIOTFPID)"
s=$(date +%s%N)
kill -TERM $AIOTFPID
wait_for 5 grep -q "stopping: new requests refused" $W/aiotf.log || bad "no drain start logged"
r=$(h2post $NAIOTF/request-inv "$AREQ")
check "SIGTERM: a new request is refused" 503 "${r%% *}"
check "SIGTERM: 503 is ProblemDetails" 503 "$(echo "${r#* }" | jq -r .status 2>/dev/null)"
rc=0; wait $AIOTFPID || rc=$?
el=$(ms_since $s)
check "SIGTERM: aiot-aiotf exit code" 0 $rc
[ $el -le $((GRACE * 1000 + 2000)) ] && ok "SIGTERM: exited in $el ms (shutdown-grace $GRACE s)" ||
	bad "SIGTERM: exited after $el ms, over shutdown-grace $GRACE s"
has_last && ok "SIGTERM: the AF got the last notification" || bad "SIGTERM: no last notification"
check "SIGTERM: failCause" NO_SUCC_INV_RESP "$(cause)"
check "SIGTERM: devices reported before" $N "$(ndev)"
grep -q "transaction $TID inventory: .*failCause NO_SUCC_INV_RESP (the AIOTF is stopping)" $W/aiotf.log &&
	ok "SIGTERM: one log line for the transaction" || bad "SIGTERM: transaction not logged"
kill $SILENT2 2>/dev/null || true; wait $SILENT2 2>/dev/null || true

# --- the ADM down: the network's failCause ----------------------------------------------------------
# A second ADM (its own store) that dies once the AIOTF holds the AF's authorization data:
# af-down may INVENTORY only, so its READ is refused (403) but its data is cached.
"$AIOT" provision --store sqlite:$W/adm2.db --kek-file $W/kek --count 4 --group down --out $W/d.jsonl 2>>$W/prov.log
echo '{"afAuthData":{"af-down":{"afId":"af-down","allowedServiceOperations":["INVENTORY"]}}}' >$W/af2.json
start_daemon $W/adm2.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm2.db --kek-file $W/kek --af-auth $W/af2.json
ADM2PORT=$PORT; ADM2=$LASTPID
start_daemon $W/aiotf2.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$ADM2PORT --adm-timeout-ms 500 --metrics 127.0.0.1:0 --af-auth-ttl-ms 600000
SP=$PORT; AMPORT=$MPORT; AIOTF2=$LASTPID
NG=$(sed -n 's/.*ng link on [^ ]*:\([0-9]*\).*/\1/p' $W/aiotf2.log)
NAIOTF=http://127.0.0.1:$SP/naiotf-aiot/v1
silent $W/silent3.log
wait_for 30 nreaders 1 || bad "reader did not connect to the second AIOTF"
UD="\"afId\":\"af-down\",\"notifUri\":\"http://127.0.0.1:$AFPORT/cb\""
r=$(h2post $NAIOTF/request-cmd "{$UD,\"commandType\":\"READ\",\"offset\":0,\"length\":4,$AREA}")
check "ADM down: af-down's READ refused while the ADM is up" 403 "${r%% *}"
kill $ADM2; wait $ADM2 2>/dev/null || true
submit request-inv "{$UD,$AREA}"
wait_for 20 has_last || bad "ADM down: no last notification"
check "ADM down: failCause (the network, not the devices)" NO_SUCC_INV_RESP "$(cause)"
grep -q "get-rand: " $W/aiotf2.log && ok "ADM down: logged" || bad "ADM down: not logged"
rc=0; kill -TERM $AIOTF2; wait $AIOTF2 || rc=$?; check "idle aiot-aiotf: SIGTERM exit code" 0 $rc

# --- notifications to new hosts: the CA and the resolver loaded once, at start -------------------
# The notif-ca file is removed once the AIOTF runs, then three new https hosts are notified
# (two addresses and a name): each is served, and strace (when it can attach) sees no file
# opened for them (neither the CA nor /etc/resolv.conf nor /etc/hosts).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=aiot daemons ca" \
	-days 2 -keyout $W/ca.key -out $W/ca.crt 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=af" \
	-keyout $W/af.key -out $W/af.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,IP:127.0.0.2,IP:::1,DNS:localhost\n' >$W/af.ext
openssl x509 -req -in $W/af.csr -CA $W/ca.crt -CAkey $W/ca.key -CAcreateserial -days 2 \
	-extfile $W/af.ext -out $W/af.crt 2>/dev/null
start_daemon $W/afs.log "$B/aiot" af-sink --listen "[::]:0" --out $W/tls.jsonl --tls-cert $W/af.crt --tls-key $W/af.key
TLSPORT=$PORT
cp $W/ca.crt $W/notif-ca.crt
start_daemon $W/aiotf3.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:$APORT --notif-ca $W/notif-ca.crt
NAIOTF=http://127.0.0.1:$PORT/naiotf-aiot/v1; AIOTF3=$LASTPID
rm $W/notif-ca.crt
STRACE=
if command -v strace >/dev/null; then
	strace -f -qq -e trace=open,openat -p $AIOTF3 -o $W/strace.out 2>/dev/null &
	STRACE=$!
	sleep 0.5
	kill -0 $STRACE 2>/dev/null || STRACE=
fi
for h in 127.0.0.1 127.0.0.2 localhost; do
	submit request-inv "{\"afId\":\"af-tls\",\"notifUri\":\"https://$h:$TLSPORT/cb\",$AREA}"
	wait_for 10 grep -q "\"transId\":\"$TID\"" $W/tls.jsonl &&
		ok "https notification to the new host $h, CA file gone" ||
		bad "https notification to $h not delivered: $(grep AIoTNotif $W/aiotf3.log | tail -1)"
done
if [ -n "$STRACE" ]; then
	kill $STRACE 2>/dev/null || true; wait $STRACE 2>/dev/null || true
	check "no file opened for new notification hosts" 0 "$(grep -cE 'resolv\.conf|/etc/hosts|notif-ca' $W/strace.out || true)"
else
	echo "     strace cannot attach here: file opens not checked"
fi
rc=0; kill -TERM $AIOTF3; wait $AIOTF3 || rc=$?; check "aiot-aiotf (notifications): SIGTERM exit code" 0 $rc

# --- aiot-adm: SIGTERM after its store's writer thread exists --------------------------------------
check "aiot-adm: threads not blocking SIGTERM ($(ls /proc/$ADMPID/task | wc -l) threads)" 0 "$(unblocked $ADMPID)"
rc=0; kill -TERM $ADMPID; wait $ADMPID || rc=$?; check "aiot-adm: SIGTERM exit code" 0 $rc
grep -q "signal 15: stopping" $W/adm.log && ok "aiot-adm: SIGTERM handled by its main thread" ||
	bad "aiot-adm: SIGTERM not handled"

# --- aiot-reader --ng-transport sctp without SCTP -------------------------------------------------
s=$(date +%s%N)
rc=0; timeout 5 "$B/aiot-reader" --aiotf 127.0.0.1:9 --ng-transport sctp --air 127.0.0.1:9 2>$W/sctp.log || rc=$?
if [ $rc -ne 124 ]; then
	[ $rc -ne 0 ] && ok "reader, sctp without SCTP: exit $rc in $(ms_since $s) ms" || bad "reader, sctp without SCTP: exit 0"
	grep -q "this kernel has no SCTP" $W/sctp.log && ok "reader: the error says why" ||
		bad "reader: unclear error: $(cat $W/sctp.log)"
elif [ -e /proc/net/sctp ]; then
	echo "skipped: this kernel has SCTP (the reader retries its connection, as it should)"
else
	bad "reader, sctp without SCTP: still retrying after 5 s: $(tail -2 $W/sctp.log)"
fi
finish
