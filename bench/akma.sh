# Sourced by bench/run.sh (its W, B, N, QUICK, want, say, run, daemon, port_of, mport_of,
# stop_pid, h2rate, h2ok, pct, ng_start): the AKMA sections of make bench (issue 15 item 11).
#   aanf         AAnF retrieve-applicationkey against nghttpd serving its answer (h2c)
#   msgin5g      TLS 1.3 handshakes/s: aiot-msgin5g (external PSK K_AF) against nghttpd
#                (certificate), both under bench_psk_handshake; nghttpd also under h2load
#   msgin5g-msg  MSG messages/s through aiot-msgin5g between two UEs, with and without IMDN
#   udm          UDM generate-auth-data against nghttpd serving its answer (h2c)
#   akma-ue      `aiot ue aka` and `aiot ue handshake` per second (UDM, AUSF, AAnF, msgin5g)
AF=msgin5g.example.org
akma_akid() { echo "0012.$(openssl rand -hex 32)@5gc.mnc001.mcc001.3gppnetwork.org"; }
aanf_start() { # dir [flags...] -> AANF_PID AANF_PORT
	local d=$1; shift
	: >$d/aanf.log
	daemon $d/aanf.log "listening on" "$B/aiot-aanf" --listen 127.0.0.1:0 --store sqlite:$d/aanf.db \
		--kek-file $d/aanf.kek --supi-allowed-afs $AF "$@"
	AANF_PID=$LASTPID AANF_PORT=$(port_of $d/aanf.log "listening on")
}
aanf_register() { # supi akid kakma: the AUSF's register-anchorkey
	local c
	c=$(curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
		--data-binary "{\"supi\":\"$1\",\"aKId\":\"$2\",\"kAkma\":\"$3\"}" \
		http://127.0.0.1:$AANF_PORT/naanf-akma/v1/register-anchorkey)
	[ "$c" = 200 ] || { echo "register-anchorkey: $c" >&2; exit 1; }
}
# dir, then "UE_SERVICE_ID SUPI" pairs: an AAnF with one AKMA context per UE and aiot-msgin5g
# with the bindings; per UE i: AKID[i], KAF[i] (the UE's K_AF, aiot crypto kaf).
akma_servers() {
	local d=$1; shift
	AKID=() KAF=() UEID=()
	aanf_start $d --workers 2
	local bind="" i=0
	while [ $# -ge 2 ]; do
		local k; k=$(openssl rand -hex 32)
		AKID[i]=$(akma_akid) UEID[i]=$1
		aanf_register $2 ${AKID[i]} $k
		KAF[i]=$("$B/aiot" crypto kaf --kakma $k --af-fqdn $AF)
		bind+="${bind:+, }\"$1\": \"$2\""
		i=$((i + 1)); shift 2
	done
	echo "{$bind}" >$d/bindings.json
	M5A=(-c config/msgin5g.yaml --listen 127.0.0.1:0 --aanf http://127.0.0.1:$AANF_PORT --af-fqdn $AF
		--bindings $d/bindings.json --metrics 127.0.0.1:0)
	: >$d/m5.log
	daemon $d/m5.log "metrics on port" "$B/aiot-msgin5g" "${M5A[@]}"
	M5_PID=$LASTPID M5_PORT=$(port_of $d/m5.log "listening on") M5_MPORT=$(mport_of $d/m5.log)
}
m5metric() { curl -s http://127.0.0.1:$M5_MPORT/metrics | awk -v m="$1" '$1 == m {print $2}'; }
hsrate() { sed -n 's/^finished in .*, \([0-9.]*\) handshakes\/s.*/\1/p' "$1"; }
pcpu() { awk -v t=$(getconf CLK_TCK) '{printf "%.2f", ($14+$15)/t}' /proc/$1/stat; } # CPU s so far
us_per() { awk -v a=$1 -v b=$2 -v n=$3 'BEGIN{printf "%.0f", (b - a) * 1e6 / n}'; } # cpu0 cpu1 n
msgrate() { sed -n 's/^finished in .*, \([0-9.]*\) msgs\/s.*/\1/p' "$1"; }

# --- the AAnF: retrieve-applicationkey vs nghttpd -----------------------------------------------
if want aanf; then
	echo "== AAnF retrieve-applicationkey" >&2
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
	D=$W/aanf; mkdir -p $D/www
	aanf_start $D --workers 2
	A=$(akma_akid)
	aanf_register imsi-001010000000001 $A $(openssl rand -hex 32)
	printf '{"afId":"%s","aKId":"%s"}' $AF $A >$D/req.json
	U=http://127.0.0.1:$AANF_PORT/naanf-akma/v1/retrieve-applicationkey
	curl -sS --http2-prior-knowledge -H 'content-type: application/json' --data @$D/req.json -o $D/www/x.json $U
	jq -e .kaf $D/www/x.json >/dev/null || { echo "retrieve-applicationkey failed:" >&2; cat $D/www/x.json >&2; exit 1; }
	ng_start $D/www
	RA=() RN=() # three rounds, interleaved (the machine is shared): the best of each counts
	for round in 1 2 3; do
		run h2load -n $N -c 8 -m 32 -d $D/req.json -H 'content-type: application/json' $U >$D/h2-aanf.txt 2>&1
		run h2load -n $N -c 8 -m 32 http://127.0.0.1:$NGPORT/x.json >$D/h2-ng.txt 2>&1
		RA+=($(h2rate $D/h2-aanf.txt)) RN+=($(h2rate $D/h2-ng.txt))
	done
	stop_pid $AANF_PID; stop_pid $NGPID
	ra=$(best "${RA[@]}"); rn=$(best "${RN[@]}")
	say ""
	say "### AAnF, retrieve-applicationkey (one registered A-KID), h2c"
	say ""
	say "\`aiot-aanf --workers 2 --supi-allowed-afs $AF\` with one AKMA context (registered by register-anchorkey); \`h2load -n $N -c 8 -m 32 -d req.json -H 'content-type: application/json' http://127.0.0.1:PORT/naanf-akma/v1/retrieve-applicationkey\` with req.json = \`{\"afId\":\"$AF\",\"aKId\":\"<A-KID>\"}\`: each answer a K_AF derived afresh (HMAC-SHA-256 from K_AKMA, TS 33.535 A.4), its expiry and the SUPI. The same h2load against \`nghttpd --no-tls\` serving that $(wc -c <$D/www/x.json)-byte answer as a static file, in turn with the AAnF, three times each; the best of each counts."
	say ""
	say "| server | req/s (each run) | best | 2xx (last run) |"
	say "|---|---|---|---|"
	say "| aiot-aanf | ${RA[*]} | $ra | $(h2ok $D/h2-aanf.txt)/$N |"
	say "| nghttpd (static) | ${RN[*]} | $rn | $(h2ok $D/h2-ng.txt)/$N |"
	say "| load average before this part (1, 5, 15 min) | $LOAD0 | | |"
	say "| **ratio** | | **$(pct $ra $rn)** (goal ≥ 40%: $(awk -v a=$ra -v b=$rn 'BEGIN{print (a >= 0.4 * b) ? "met" : "not met"}')) | |"
fi

# --- TLS 1.3 handshakes: aiot-msgin5g (external PSK) vs nghttpd (certificate) -------------------
if want msgin5g; then
	echo "== TLS 1.3 handshakes: aiot-msgin5g PSK, nghttpd certificate" >&2
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
	NH=${QUICK:+2000}; NH=${NH:-20000}
	NC=${QUICK:+500}; NC=${NC:-2000}
	D=$W/hs; mkdir -p $D/www
	akma_servers $D ue-a@$AF imsi-001010000000001
	# the same key exchange on both sides: P-256, the one group nghttpd accepts (offered
	# X25519 first, it answers with a HelloRetryRequest); the PSK also with the default X25519
	c0=$(pcpu $M5_PID)
	run "$B/bench_psk_handshake" -n $NH -c 8 --groups P-256 --psk-identity "3GPP-AKMA${AKID[0]}" --psk ${KAF[0]} \
		127.0.0.1:$M5_PORT >$D/psk.txt 2>&1 || { cat $D/psk.txt >&2; exit 1; }
	c1=$(pcpu $M5_PID)
	run "$B/bench_psk_handshake" -n $NH -c 8 --psk-identity "3GPP-AKMA${AKID[0]}" --psk ${KAF[0]} \
		127.0.0.1:$M5_PORT >$D/psk-x.txt 2>&1 || { cat $D/psk-x.txt >&2; exit 1; }
	sp=$(us_per $c0 $c1 $NH) spx=$(us_per $c1 $(pcpu $M5_PID) $NH)
	fetches=$(m5metric aiot_msgin5g_kaf_fetches_total)
	hsdone=$(curl -s http://127.0.0.1:$M5_MPORT/metrics | awk '$1 ~ /^aiot_msgin5g_handshake/ {printf "%s%s %s", s, $1, $2; s=", "}')
	stop_pid $M5_PID; stop_pid $AANF_PID
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -days 2 -keyout $D/tls.key -out $D/tls.crt 2>/dev/null
	echo ok >$D/www/x
	nghttpd -d $D/www 0 $D/tls.key $D/tls.crt >$D/nghttpd.log 2>&1 & NGPID=$!; PIDS+=($NGPID)
	for _ in $(seq 1 50); do
		NGPORT=$(ss -ltnp 2>/dev/null | awk -v p=$NGPID '$0 ~ "pid="p"," {split($4,a,":"); print a[length(a)]; exit}')
		[ -n "$NGPORT" ] && break; sleep 0.1
	done
	c0=$(pcpu $NGPID)
	run "$B/bench_psk_handshake" -n $NH -c 8 --groups P-256 --alpn h2 127.0.0.1:$NGPORT >$D/cert.txt 2>&1 || { cat $D/cert.txt >&2; exit 1; }
	sc=$(us_per $c0 $(pcpu $NGPID) $NH)
	run h2load -n $NC -c $NC https://127.0.0.1:$NGPORT/x >$D/h2.txt 2>&1
	stop_pid $NGPID
	rp=$(hsrate $D/psk.txt); rc=$(hsrate $D/cert.txt); rx=$(hsrate $D/psk-x.txt)
	first() { sed -n 's/^first handshake: //p' "$1"; }
	ccpu() { sed -n 's/.*client CPU \([0-9.]*\) s/\1/p' "$1"; }
	wall() { sed -n 's/^finished in \([0-9.]*\)s.*/\1/p' "$1"; }
	say ""
	say "### TLS 1.3 handshakes per second: aiot-msgin5g (external PSK K_AF) against nghttpd (certificate)"
	say ""
	say "Both servers measured by one client, \`build/bench_psk_handshake\` (bench/bench_psk_handshake.c, OpenSSL $(openssl version | cut -d' ' -f2)): one thread keeps 8 connections in flight (non-blocking, like h2load); each is a TCP connect, a full TLS 1.3 handshake offering TLS_AES_128_GCM_SHA256 and \`--groups P-256\` on both sides (the one group nghttpd accepts: offered X25519 first, it answers with a HelloRetryRequest), then close_notify and close; no session is ever resumed; like h2load it does not verify a certificate. PSK: \`bench_psk_handshake -n $NH -c 8 --groups P-256 --psk-identity 3GPP-AKMA<A-KID> --psk <K_AF> 127.0.0.1:PORT\`, and once more with OpenSSL's default groups (X25519) against \`aiot-msgin5g $(echo "${M5A[*]}" | sed -e "s|$D/||g" -e 's/127\.0\.0\.1:[1-9][0-9]*/127.0.0.1:PORT/g')\` (psk_dhe_ke: an ECDHE exchange in every handshake, no certificate). K_AF for that A-KID is fetched from \`aiot-aanf\` once, on the first handshake, and then found in the server's cache until its expiry (the server's counter: $fetches retrieve-applicationkey); so this is the TLS cost, not the AAnF's. Certificate: \`bench_psk_handshake -n $NH -c 8 --groups P-256 --alpn h2 127.0.0.1:PORT\` against \`nghttpd -d www PORT tls.key tls.crt\` (EC P-256 self-signed certificate: one ECDSA signature per handshake). Calibration of the tool: \`h2load -n $NC -c $NC https://127.0.0.1:PORT/x\` against the same nghttpd (every connection opened at once, one request each: the h2load way to count handshakes; h2load offers X25519 first, so each of its handshakes has a HelloRetryRequest)."
	say ""
	say "| server | client | handshakes/s | server CPU µs per handshake | done | client CPU / wall time | first handshake |"
	say "|---|---|---|---|---|---|---|"
	say "| aiot-msgin5g (external PSK, no certificate) | bench_psk_handshake -c 8 | $rp | $sp | $(sed -n 's/^handshakes: \([0-9]*\) done, \([0-9]*\) failed.*/\1 (\2 failed)/p' $D/psk.txt) | $(ccpu $D/psk.txt) s / $(wall $D/psk.txt) s | $(first $D/psk.txt) |"
	say "| aiot-msgin5g (external PSK), default groups | bench_psk_handshake -c 8 | $rx | $spx | $(sed -n 's/^handshakes: \([0-9]*\) done, \([0-9]*\) failed.*/\1 (\2 failed)/p' $D/psk-x.txt) | $(ccpu $D/psk-x.txt) s / $(wall $D/psk-x.txt) s | $(first $D/psk-x.txt) |"
	say "| nghttpd (certificate) | bench_psk_handshake -c 8 | $rc | $sc | $(sed -n 's/^handshakes: \([0-9]*\) done, \([0-9]*\) failed.*/\1 (\2 failed)/p' $D/cert.txt) | $(ccpu $D/cert.txt) s / $(wall $D/cert.txt) s | $(first $D/cert.txt) |"
	say "| nghttpd (certificate) | h2load -n $NC -c $NC (connections/s = requests/s) | $(h2rate $D/h2.txt) | | $(h2ok $D/h2.txt)/$NC 2xx | | |"
	say "| load average before this part (1, 5, 15 min) | | $LOAD0 | | | | |"
	say "| **ratio aiot-msgin5g PSK / nghttpd certificate (same tool, P-256)** | | **$(pct $rp $rc)** | CPU: $(pct $sp $sc) | | | |"
	say ""
	say "aiot-msgin5g's counters after the PSK runs: $hsdone."
fi

# --- MSG messages per second through aiot-msgin5g -----------------------------------------------
if want msgin5g-msg; then
	echo "== MSGin5G messages" >&2
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
	NM=${QUICK:+5000}; NM=${NM:-50000}
	D=$W/msg; mkdir -p $D
	akma_servers $D ue-a@$AF imsi-001010000000001 ue-b@$AF imsi-001010000000002
	c0=$(pcpu $M5_PID)
	UEA=(--a "${AKID[0]}" ${KAF[0]} ${UEID[0]} --b "${AKID[1]}" ${KAF[1]} ${UEID[1]})
	run "$B/bench_msgin5g_msg" --server 127.0.0.1:$M5_PORT -n $NM --payload-size 100 "${UEA[@]}" >$D/plain.txt 2>&1 ||
		{ cat $D/plain.txt >&2; exit 1; }
	c1=$(pcpu $M5_PID)
	run "$B/bench_msgin5g_msg" --server 127.0.0.1:$M5_PORT -n $NM --payload-size 100 --delivery-report "${UEA[@]}" >$D/dr.txt 2>&1 ||
		{ cat $D/dr.txt >&2; exit 1; }
	c2=$(pcpu $M5_PID)
	dlv=$(m5metric aiot_msgin5g_messages_delivered_total); imdn=$(m5metric aiot_msgin5g_imdn_total)
	stop_pid $M5_PID; stop_pid $AANF_PID
	say ""
	say "### MSGin5G: MSG messages per second through aiot-msgin5g"
	say ""
	say "\`aiot-aanf\` with two AKMA contexts; \`aiot-msgin5g\` (config/msgin5g.yaml, log level info) with ue-a and ue-b bound to their SUPIs. \`build/bench_msgin5g_msg --server 127.0.0.1:PORT -n $NM --payload-size 100 [--delivery-report] --a <A-KID> <K_AF> ue-a@$AF --b <A-KID> <K_AF> ue-b@$AF\` (bench/bench_msgin5g_msg.c): two UEs of the client library (src/msgin5g/client.h), each over its own TLS 1.3 PSK connection, register; ue-a sends $NM MSGs of 100 octets to ue-b, one at a time (the library waits for each MSGRESP); ue-b, its own thread, receives them (the library acknowledges each push: the delivery the server counts). With \`--delivery-report\` each MSG asks for an IMDN, which ue-a takes between its sends. A MSG the server answers 5.03 (ue-b's store full) is sent again and counted. Wall time from the first send until ue-b has all $NM (and ue-a every IMDN)."
	say ""
	say "| run | MSG/s | server CPU µs per MSG | what the tool counted |"
	say "|---|---|---|---|"
	say "| without delivery reports | $(msgrate $D/plain.txt) | $(us_per $c0 $c1 $NM) | $(sed -n 's/^MSG sent/sent/p' $D/plain.txt) |"
	say "| with delivery reports (IMDN) | $(msgrate $D/dr.txt) | $(us_per $c1 $c2 $NM) | $(sed -n 's/^MSG sent/sent/p' $D/dr.txt) |"
	say "| load average before this part (1, 5, 15 min) | $LOAD0 | | |"
	say ""
	say "aiot-msgin5g's counters after both runs: messages delivered $dlv, IMDN $imdn."
fi

# --- the UDM: generate-auth-data vs nghttpd -----------------------------------------------------
SNN=5G:mnc001.mcc001.3gppnetwork.org
if want udm; then
	echo "== UDM generate-auth-data" >&2
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
	D=$W/udm; mkdir -p $D/www
	"$B/aiot" provision-ue --store sqlite:$D/udm.db --kek-file $D/udm.kek --import config/subscribers.example.jsonl 2>>$W/prov.log
	: >$D/udm.log
	daemon $D/udm.log "listening on" "$B/aiot-udm" --listen 127.0.0.1:0 --store sqlite:$D/udm.db --kek-file $D/udm.kek --workers 2
	UDM_PID=$LASTPID
	printf '{"servingNetworkName":"%s","ausfInstanceId":"%s"}' $SNN $(cat /proc/sys/kernel/random/uuid) >$D/req.json
	U=http://127.0.0.1:$(port_of $D/udm.log "listening on")/nudm-ueau/v1/imsi-001010000000001/security-information/generate-auth-data
	curl -sS --http2-prior-knowledge -H 'content-type: application/json' --data @$D/req.json -o $D/www/x.json $U
	jq -e .authenticationVector.autn $D/www/x.json >/dev/null || { echo "generate-auth-data failed:" >&2; cat $D/www/x.json >&2; exit 1; }
	run h2load -n $N -c 8 -m 32 -d $D/req.json -H 'content-type: application/json' $U >$D/h2-udm.txt 2>&1
	stop_pid $UDM_PID
	ng_start $D/www
	run h2load -n $N -c 8 -m 32 http://127.0.0.1:$NGPORT/x.json >$D/h2-ng.txt 2>&1
	stop_pid $NGPID
	ru=$(h2rate $D/h2-udm.txt); rn=$(h2rate $D/h2-ng.txt)
	say ""
	say "### UDM, generate-auth-data (one subscriber), h2c"
	say ""
	say "\`aiot provision-ue --import config/subscribers.example.jsonl\`; \`aiot-udm --workers 2\`; \`h2load -n $N -c 8 -m 32 -d req.json -H 'content-type: application/json' http://127.0.0.1:PORT/nudm-ueau/v1/imsi-001010000000001/security-information/generate-auth-data\` with req.json = \`{\"servingNetworkName\":\"$SNN\",\"ausfInstanceId\":\"<uuid>\"}\`: every answer a fresh 5G HE AV (MILENAGE, XRES*, K_AUSF) under the next SQN, committed to the store before the answer; all $N requests are for one SUPI, so they take its SQN one after the other. Then the same h2load against \`nghttpd --no-tls\` serving one $(wc -c <$D/www/x.json)-byte answer as a static file."
	say ""
	say "| server | req/s | 2xx |"
	say "|---|---|---|"
	say "| aiot-udm | $ru | $(h2ok $D/h2-udm.txt)/$N |"
	say "| nghttpd (static) | $rn | $(h2ok $D/h2-ng.txt)/$N |"
	say "| load average before this part (1, 5, 15 min) | $LOAD0 | |"
	say "| **ratio** | **$(pct $ru $rn)** | |"
fi

# --- the whole chain: aiot ue (5G AKA + AKMA, then the TLS 1.3 PSK handshake) per second ---------
if want akma-ue; then
	echo "== aiot ue: 5G AKA + AKMA" >&2
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
	NU=${QUICK:+100}; NU=${NU:-1000}
	D=$W/ue; mkdir -p $D
	for i in $(seq 1 $NU); do
		printf '{"supi":"imsi-00101%010d","k":"%s","opc":"%s","akmaInd":true,"routingId":"12"}\n' $i \
			$(openssl rand -hex 16) $(openssl rand -hex 16)
	done >$D/subs.jsonl
	"$B/aiot" provision-ue --store sqlite:$D/udm.db --kek-file $D/udm.kek --import $D/subs.jsonl 2>>$W/prov.log
	: >$D/udm.log
	daemon $D/udm.log "listening on" "$B/aiot-udm" --listen 127.0.0.1:0 --store sqlite:$D/udm.db --kek-file $D/udm.kek --workers 2
	UDM_PID=$LASTPID
	akma_servers $D
	: >$D/ausf.log
	AUA=(--listen 127.0.0.1:0 --udm http://127.0.0.1:$(port_of $D/udm.log "listening on") --aanf http://127.0.0.1:$AANF_PORT --mcc 001 --mnc 01 --workers 2)
	daemon $D/ausf.log "listening on" "$B/aiot-ausf" "${AUA[@]}"
	AUSF_PID=$LASTPID AUSF=http://127.0.0.1:$(port_of $D/ausf.log "listening on")
	# one line per UE: SUPI K OPc
	jq -r '"\(.supi) \(.k) \(.opc)"' $D/subs.jsonl >$D/ues.txt
	ue_run() { # mode -> seconds; every UE once, 4 at a time
		local t0 t1
		t0=$(date +%s.%N)
		xargs -P 4 -L 1 sh -c "\"$B/aiot\" ue $1 --ausf $AUSF --supi \$0 --k \$1 --opc \$2 --mcc 001 --mnc 01 --rid 12 --af-fqdn $AF --server 127.0.0.1:$M5_PORT >/dev/null 2>>$D/ue-$1.err && echo ok" \
			<$D/ues.txt >$D/ue-$1.ok || true
		t1=$(date +%s.%N)
		[ "$(wc -l <$D/ue-$1.ok)" = $NU ] || { echo "aiot ue $1: $(sort $D/ue-$1.err | uniq -c | head -3)" >&2; }
		awk -v a=$t0 -v b=$t1 'BEGIN{printf "%.2f", b - a}'
	}
	echo "+ xargs -P 4 aiot ue aka|handshake ... ($NU UEs each)" >&2
	floor() { # the same number of processes doing one HMAC each, 4 at a time -> seconds
		local t0; t0=$(date +%s.%N)
		xargs -P 4 -L 1 sh -c "\"$B/aiot\" crypto kaf --kakma \$1\$1 --af-fqdn $AF >/dev/null" <$D/ues.txt
		awk -v a=$t0 -v b=$(date +%s.%N) 'BEGIN{printf "%.2f", b - a}'
	}
	tk1=$(floor)
	ta=$(ue_run aka)
	# `aiot ue handshake` lands after `aka` (issue 15 item 5, stage 2)
	HS=1; case "$("$B/aiot" ue handshake 2>&1 || true)" in *"unknown mode"*) HS="" ;; esac
	[ -n "$HS" ] && th=$(ue_run handshake)
	tk2=$(floor)
	regs=$(m5metric aiot_msgin5g_handshakes_total) unk=$(m5metric aiot_msgin5g_handshake_unknown_akid_total)
	for p in $M5_PID $AUSF_PID $AANF_PID $UDM_PID; do stop_pid $p; done
	rate() { awk -v n=$1 -v t=$2 'BEGIN{printf "%.0f", n / t}'; }
	say ""
	say "### The whole chain: \`aiot ue\` (5G AKA, AKMA, K_AF, TLS 1.3 PSK) per second"
	say ""
	say "$NU subscribers (random K and OPc, akmaInd, routing indicator 12) in \`aiot-udm --workers 2\`; \`aiot-ausf $(echo "${AUA[*]}" | sed -e 's/127\.0\.0\.1:[1-9][0-9]*/127.0.0.1:PORT/g')\`; \`aiot-aanf --workers 2\`; \`aiot-msgin5g\` as above. Each UE once, four processes at a time (\`xargs -P 4\`): \`aiot ue aka --ausf URL --supi SUPI --k K --opc OPC --mcc 001 --mnc 01 --rid 12\` (a fresh USIM: ue-authentications, the UDM's generate-auth-data, the USIM's AUTN check and RES*, 5g-aka-confirmation, the AUSF's register-anchorkey at the AAnF, K_AKMA and A-KID at the UE)${HS:+, then all again with \`aiot ue handshake ... --af-fqdn $AF --server 127.0.0.1:PORT\` (the same, then K_AF and a TLS 1.3 PSK handshake at aiot-msgin5g, which fetches the K_AF of that new A-KID from the AAnF)}. Each run is a process: the last row is the floor that process start alone puts on such a measurement (\`aiot crypto kaf\`, one HMAC)."
	say ""
	say "| what, $NU UEs, 4 at a time | done | wall time | per second |"
	say "|---|---|---|---|"
	say "| \`aiot ue aka\`: 5G AKA + AKMA | $(wc -l <$D/ue-aka.ok)/$NU | $ta s | **$(rate $(wc -l <$D/ue-aka.ok) $ta)** |"
	if [ -n "$HS" ]; then
		say "| \`aiot ue handshake\`: the same + K_AF + TLS 1.3 PSK at aiot-msgin5g | $(wc -l <$D/ue-handshake.ok)/$NU (server: ${regs:-?} handshakes, ${unk:-?} unknown A-KID) | $th s | **$(rate $(wc -l <$D/ue-handshake.ok) $th)** |"
	else
		say "| \`aiot ue handshake\` | not measured: this build's \`aiot ue\` has no handshake mode yet | | |"
	fi
	say "| \`aiot crypto kaf\` (process start, one HMAC), before / after the runs above | $NU / $NU | $tk1 s / $tk2 s | $(rate $NU $tk1) / $(rate $NU $tk2) |"
	say "| load average before this part (1, 5, 15 min) | | | $LOAD0 |"
	for m in aka handshake; do
		[ -s $D/ue-$m.err ] && say "" && say "\`aiot ue $m\` failures: $(sort $D/ue-$m.err | uniq -c | head -3 | sed 's/^ *//' | paste -sd ';' -)."
	done
	true
fi
