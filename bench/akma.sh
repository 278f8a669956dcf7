# Sourced by bench/run.sh (its W, B, N, QUICK, want, say, run, daemon, port_of, mport_of,
# stop_pid, h2rate, h2ok, pct, ng_start): the AKMA sections of make bench (issue 15 item 11).
#   aanf         AAnF retrieve-applicationkey against nghttpd serving its answer (h2c)
#   msgin5g      TLS 1.3 handshakes/s: aiot-msgin5g (external PSK K_AF) against nghttpd
#                (certificate), both under bench_psk_handshake; nghttpd also under h2load
#   msgin5g-msg  MSG messages/s through aiot-msgin5g between two UEs, with and without IMDN
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
	run h2load -n $N -c 8 -m 32 -d $D/req.json -H 'content-type: application/json' $U >$D/h2-aanf.txt 2>&1
	stop_pid $AANF_PID
	ng_start $D/www
	run h2load -n $N -c 8 -m 32 http://127.0.0.1:$NGPORT/x.json >$D/h2-ng.txt 2>&1
	stop_pid $NGPID
	ra=$(h2rate $D/h2-aanf.txt); rn=$(h2rate $D/h2-ng.txt)
	say ""
	say "### AAnF, retrieve-applicationkey (one registered A-KID), h2c"
	say ""
	say "\`aiot-aanf --workers 2 --supi-allowed-afs $AF\` with one AKMA context (registered by register-anchorkey); \`h2load -n $N -c 8 -m 32 -d req.json -H 'content-type: application/json' http://127.0.0.1:PORT/naanf-akma/v1/retrieve-applicationkey\` with req.json = \`{\"afId\":\"$AF\",\"aKId\":\"<A-KID>\"}\`: each answer a K_AF derived afresh (HMAC-SHA-256 from K_AKMA, TS 33.535 A.4), its expiry and the SUPI. Then the same h2load against \`nghttpd --no-tls\` serving that $(wc -c <$D/www/x.json)-byte answer as a static file."
	say ""
	say "| server | req/s | 2xx |"
	say "|---|---|---|"
	say "| aiot-aanf | $ra | $(h2ok $D/h2-aanf.txt)/$N |"
	say "| nghttpd (static) | $rn | $(h2ok $D/h2-ng.txt)/$N |"
	say "| load average before this part (1, 5, 15 min) | $LOAD0 | |"
	say "| **ratio** | **$(pct $ra $rn)** (goal ≥ 40%: $(awk -v a=$ra -v b=$rn 'BEGIN{print (a >= 0.4 * b) ? "met" : "not met"}')) | |"
fi

# --- TLS 1.3 handshakes: aiot-msgin5g (external PSK) vs nghttpd (certificate) -------------------
if want msgin5g; then
	echo "== TLS 1.3 handshakes: aiot-msgin5g PSK, nghttpd certificate" >&2
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
	NH=${QUICK:+2000}; NH=${NH:-20000}
	NC=${QUICK:+500}; NC=${NC:-2000}
	D=$W/hs; mkdir -p $D/www
	akma_servers $D ue-a@$AF imsi-001010000000001
	c0=$(pcpu $M5_PID)
	run "$B/bench_psk_handshake" -n $NH -c 8 --psk-identity "3GPP-AKMA${AKID[0]}" --psk ${KAF[0]} \
		127.0.0.1:$M5_PORT >$D/psk.txt 2>&1 || { cat $D/psk.txt >&2; exit 1; }
	sp=$(us_per $c0 $(pcpu $M5_PID) $NH)
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
	run "$B/bench_psk_handshake" -n $NH -c 8 --alpn h2 127.0.0.1:$NGPORT >$D/cert.txt 2>&1 || { cat $D/cert.txt >&2; exit 1; }
	sc=$(us_per $c0 $(pcpu $NGPID) $NH)
	run h2load -n $NC -c $NC https://127.0.0.1:$NGPORT/x >$D/h2.txt 2>&1
	stop_pid $NGPID
	rp=$(hsrate $D/psk.txt); rc=$(hsrate $D/cert.txt)
	first() { sed -n 's/^first handshake: //p' "$1"; }
	ccpu() { sed -n 's/.*client CPU \([0-9.]*\) s/\1/p' "$1"; }
	wall() { sed -n 's/^finished in \([0-9.]*\)s.*/\1/p' "$1"; }
	say ""
	say "### TLS 1.3 handshakes per second: aiot-msgin5g (external PSK K_AF) against nghttpd (certificate)"
	say ""
	say "Both servers measured by one client, \`build/bench_psk_handshake\` (bench/bench_psk_handshake.c, OpenSSL $(openssl version | cut -d' ' -f2)): one thread keeps 8 connections in flight (non-blocking, like h2load); each is a TCP connect, a full TLS 1.3 handshake offering TLS_AES_128_GCM_SHA256 and OpenSSL's default groups (X25519 negotiated), then close_notify and close; no session is ever resumed; like h2load it does not verify a certificate. PSK: \`bench_psk_handshake -n $NH -c 8 --psk-identity 3GPP-AKMA<A-KID> --psk <K_AF> 127.0.0.1:PORT\` against \`aiot-msgin5g $(echo "${M5A[*]}" | sed -e "s|$D/||g" -e 's/127\.0\.0\.1:[1-9][0-9]*/127.0.0.1:PORT/g')\` (psk_dhe_ke: an X25519 exchange in every handshake, no certificate). K_AF for that A-KID is fetched from \`aiot-aanf\` once, on the first handshake, and then found in the server's cache until its expiry (the server's counter: $fetches retrieve-applicationkey); so this is the TLS cost, not the AAnF's. Certificate: \`bench_psk_handshake -n $NH -c 8 --alpn h2 127.0.0.1:PORT\` against \`nghttpd -d www PORT tls.key tls.crt\` (EC P-256 self-signed certificate: one ECDSA signature per handshake). Calibration of the tool: \`h2load -n $NC -c $NC https://127.0.0.1:PORT/x\` against the same nghttpd (every connection opened at once, one request each: the h2load way to count handshakes)."
	say ""
	say "| server | client | handshakes/s | server CPU µs per handshake | done | client CPU / wall time | first handshake |"
	say "|---|---|---|---|---|---|---|"
	say "| aiot-msgin5g (external PSK, no certificate) | bench_psk_handshake -c 8 | $rp | $sp | $(sed -n 's/^handshakes: \([0-9]*\) done, \([0-9]*\) failed.*/\1 (\2 failed)/p' $D/psk.txt) | $(ccpu $D/psk.txt) s / $(wall $D/psk.txt) s | $(first $D/psk.txt) |"
	say "| nghttpd (certificate) | bench_psk_handshake -c 8 | $rc | $sc | $(sed -n 's/^handshakes: \([0-9]*\) done, \([0-9]*\) failed.*/\1 (\2 failed)/p' $D/cert.txt) | $(ccpu $D/cert.txt) s / $(wall $D/cert.txt) s | $(first $D/cert.txt) |"
	say "| nghttpd (certificate) | h2load -n $NC -c $NC (connections/s = requests/s) | $(h2rate $D/h2.txt) | | $(h2ok $D/h2.txt)/$NC 2xx | | |"
	say "| load average before this part (1, 5, 15 min) | | $LOAD0 | | | | |"
	say "| **ratio aiot-msgin5g PSK / nghttpd certificate (same tool)** | | **$(pct $rp $rc)** | CPU: $(pct $sp $sc) | | | |"
	say ""
	say "aiot-msgin5g's counters after the PSK run: $hsdone."
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
