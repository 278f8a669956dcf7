#!/usr/bin/env bash
# make bench: every figure of docs/benchmarks.md, each next to its reference measured in the
# same run (ratios, because absolute numbers drift on shared machines). Prints each command
# and appends one dated section to docs/benchmarks.md.
#   BENCH_ONLY="crypto adm tls batch doa e2e doa-e2e scale oauth nrf aanf msgin5g msgin5g-msg udm akma-ue device uicc cluster pkcs11"
#     (default: all; the AKMA sections aanf msgin5g msgin5g-msg udm akma-ue: bench/akma.sh)   BENCH_QUICK=1 (smaller runs)
#   BENCH_DOA_INTERVAL_MS=N: the reader's DO-A round interval in doa-e2e (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${AIOT_BUILD:-$ROOT/build}
ONLY=${BENCH_ONLY:-crypto adm tls batch doa e2e doa-e2e scale oauth nrf aanf msgin5g msgin5g-msg udm akma-ue device uicc cluster pkcs11}
QUICK=${BENCH_QUICK:-}
W=$(mktemp -d /tmp/aiot-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
OUT=$W/section.md
DATE=$(date -u +%Y-%m-%dT%H:%MZ)
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
{
	echo
	echo "## make bench, $DATE"
	echo
	echo "Machine: $(nproc) cores ($CPU), $(free -g | awk '/Mem:/{print $2}') GiB. Commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')."
} >>"$OUT"
say() { echo "$*"; echo "$*" >>"$OUT"; }
run() { echo "+ $*" >&2; "$@"; }
want() { [[ " $ONLY " == *" $1 "* ]]; }

start_adm() { # log args...
	local log=$1; shift
	"$B/aiot-adm" "$@" 2>"$log" &
	PIDS+=($!); ADM_PID=$!
	# A store of millions of devices takes a while to load (every key is decrypted).
	for _ in $(seq 1 6000); do
		grep -q "listening on" "$log" && break
		kill -0 $ADM_PID 2>/dev/null || break
		sleep 0.1
	done
	ADM_PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\).*/\1/p' "$log" | head -1)
	[ -n "$ADM_PORT" ] || { echo "aiot-adm did not start:" >&2; cat "$log" >&2; exit 1; }
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
h2rate() { sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' "$1"; }
h2ok() { sed -n 's/.*status codes: \([0-9]*\) 2xx.*/\1/p' "$1"; }
pct() { awk -v a=$1 -v b=$2 'BEGIN{printf "%.0f%%", 100*a/b}'; }

# --- crypto alone ---------------------------------------------------------------------------
if want crypto; then
	echo "== crypto alone" >&2
	run "$B/bench_crypto" 2 >$W/crypto.txt
	cat $W/crypto.txt >&2
	run openssl speed -seconds 2 -hmac sha256 2>/dev/null | tail -1 >$W/hmac.txt
	run openssl speed -seconds 2 -cmac aes-128-cbc 2>/dev/null | tail -1 >$W/cmac.txt
	x3=$(awk '/suite=3gpp backend=openssl/{print $4}' $W/crypto.txt)
	xa=$(awk '/suite=aes backend=openssl/{print $4}' $W/crypto.txt)
	r3=$(awk '/suite=3gpp backend=ref/{print $4}' $W/crypto.txt)
	ra=$(awk '/suite=aes backend=ref/{print $4}' $W/crypto.txt)
	# openssl speed prints kB/s per block size; the 64-byte column over 64 = operations/s
	oh=$(awk '{v=$3; sub(/k$/,"",v); printf "%.0f", v*1000/64}' $W/hmac.txt)
	oc=$(awk '{v=$3; sub(/k$/,"",v); printf "%.0f", v*1000/64}' $W/cmac.txt)
	say ""
	say "### Crypto alone (one core)"
	say ""
	say "\`build/bench_crypto 2\`; \`openssl speed -seconds 2 -hmac sha256\` / \`-cmac aes-128-cbc\` (64-byte column, ops/s)."
	say ""
	say "| what | per second |"
	say "|---|---|"
	say "| XRES, suite 3gpp, OpenSSL backend | $x3 |"
	say "| XRES, suite aes, OpenSSL backend | $xa |"
	say "| XRES, suite 3gpp, freestanding reference (device code on the host) | $r3 |"
	say "| XRES, suite aes, freestanding reference | $ra |"
	say "| openssl speed HMAC-SHA-256, 64-byte messages | $oh |"
	say "| openssl speed AES-128-CMAC, 64-byte messages | $oc |"
	CRYPTO_RATE=$x3
fi

# --- the ADM: single get-authentication vs nghttpd -------------------------------------------
provision() { # n dir
	"$B/aiot" provision --store sqlite:$2/adm.db --kek-file $2/kek --count $1 --group bench --out $2/dev.jsonl 2>>$W/prov.log
}
if want adm || want batch || want tls; then
	mkdir -p $W/adm && provision 10000 $W/adm
	ID=$(head -1 $W/adm/dev.jsonl | jq -r .aiotDevPermId)
	RN=$(openssl rand -hex 16)
	printf '{"aiotDevPermId":"%s","randN":"%s","randDlist":["%s"]}' $ID $RN $(openssl rand -hex 16) >$W/one.json
	printf '{"aiotDevPermId":"%s","randN":"%s","randDlist":[%s]}' $ID $RN \
		"$(for i in $(seq 64); do printf '"%s",' $(openssl rand -hex 16); done | sed 's/,$//')" >$W/b64.json
	start_adm $W/adm.log --listen 127.0.0.1:0 --store sqlite:$W/adm/adm.db --kek-file $W/adm/kek --workers 2
fi
N=${QUICK:+20000}; N=${N:-100000}
if want adm; then
	echo "== ADM single request" >&2
	U=http://127.0.0.1:$ADM_PORT/nadm-sec/v1/get-authentication
	curl -sS --http2-prior-knowledge -H 'content-type: application/json' --data @$W/one.json $U >$W/static.json
	run h2load -n $N -c 8 -m 32 -d $W/one.json -H 'content-type: application/json' $U >$W/h2-adm.txt 2>&1
	mkdir -p $W/www && cp $W/static.json $W/www/x.json
	nghttpd --no-tls -d $W/www 0 >$W/nghttpd.log 2>&1 & NGPID=$!; PIDS+=($NGPID); sleep 0.5
	NGPORT=$(ss -ltnp 2>/dev/null | awk -v p=$NGPID '$0 ~ "pid="p"," {split($4,a,":"); print a[length(a)]; exit}')
	run h2load -n $N -c 8 -m 32 http://127.0.0.1:$NGPORT/x.json >$W/h2-ng.txt 2>&1
	stop_pid $NGPID
	ra=$(h2rate $W/h2-adm.txt); rn=$(h2rate $W/h2-ng.txt)
	say ""
	say "### ADM, single get-authentication (one device, one RAND_d), h2c"
	say ""
	say "\`h2load -n $N -c 8 -m 32 -d one.json -H 'content-type: application/json' http://127.0.0.1:PORT/nadm-sec/v1/get-authentication\` against \`aiot-adm --workers 2\` (10,000 devices), then the same h2load against \`nghttpd --no-tls\` serving the ADM's $(wc -c <$W/static.json)-byte answer as a static file."
	say ""
	say "| server | req/s | 2xx |"
	say "|---|---|---|"
	say "| aiot-adm | $ra | $(h2ok $W/h2-adm.txt)/$N |"
	say "| nghttpd (static) | $rn | $(h2ok $W/h2-ng.txt)/$N |"
	say "| **ratio** | **$(awk -v a=$ra -v b=$rn 'BEGIN{printf "%.0f%%", 100*a/b}')** (goal ≥ 40%) | |"
fi
if want tls; then
	echo "== ADM over TLS 1.3" >&2
	# Server TLS only: h2load cannot present a client certificate, so both servers run
	# TLS 1.3 without client authentication, same key type (EC P-256).
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -days 2 -keyout $W/tls.key -out $W/tls.crt 2>/dev/null
	mkdir -p $W/www
	curl -sS --http2-prior-knowledge -o $W/www/x.json -H 'content-type: application/json' \
		--data @$W/one.json http://127.0.0.1:$ADM_PORT/nadm-sec/v1/get-authentication
	# One process at a time opens a store: the h2c ADM makes way for the TLS one, then
	# comes back for the batched figures.
	stop_pid $ADM_PID
	start_adm $W/adm-tls.log --listen 127.0.0.1:0 --store sqlite:$W/adm/adm.db --kek-file $W/adm/kek \
		--workers 2 --tls-cert $W/tls.crt --tls-key $W/tls.key
	U=https://127.0.0.1:$ADM_PORT/nadm-sec/v1/get-authentication
	run h2load -n $N -c 8 -m 32 -d $W/one.json -H 'content-type: application/json' $U >$W/h2-adm-tls.txt 2>&1
	stop_pid $ADM_PID
	start_adm $W/adm.log --listen 127.0.0.1:0 --store sqlite:$W/adm/adm.db --kek-file $W/adm/kek --workers 2
	nghttpd -d $W/www 0 $W/tls.key $W/tls.crt >$W/nghttpd-tls.log 2>&1 & NGPID=$!; PIDS+=($NGPID); sleep 0.5
	NGPORT=$(ss -ltnp 2>/dev/null | awk -v p=$NGPID '$0 ~ "pid="p"," {split($4,a,":"); print a[length(a)]; exit}')
	run h2load -n $N -c 8 -m 32 https://127.0.0.1:$NGPORT/x.json >$W/h2-ng-tls.txt 2>&1
	stop_pid $NGPID
	ra=$(h2rate $W/h2-adm-tls.txt); rn=$(h2rate $W/h2-ng-tls.txt)
	say ""
	say "### ADM, single get-authentication over TLS 1.3"
	say ""
	say "The same h2load run over https (TLS 1.3, ALPN h2, EC P-256 certificate, no client certificate: h2load cannot present one) against \`aiot-adm --tls-cert --tls-key\` and against \`nghttpd\` with the same key serving a static file."
	say ""
	say "| server | req/s | 2xx |"
	say "|---|---|---|"
	say "| aiot-adm (TLS 1.3) | $ra | $(h2ok $W/h2-adm-tls.txt)/$N |"
	say "| nghttpd (TLS 1.3, static) | $rn | $(h2ok $W/h2-ng-tls.txt)/$N |"
	say "| **ratio** | **$(awk -v a=$ra -v b=$rn 'BEGIN{printf "%.0f%%", 100*a/b}')** | |"
fi
if want batch; then
	echo "== ADM batched" >&2
	U=http://127.0.0.1:$ADM_PORT/nadm-sec/v1/get-authentication
	NB=$((N / 5))
	run h2load -n $NB -c 8 -m 32 -d $W/b64.json -H 'content-type: application/json' $U >$W/h2-b.txt 2>&1
	rb=$(h2rate $W/h2-b.txt)
	xps=$(awk -v r=$rb 'BEGIN{printf "%.0f", r*64}')
	cr=${CRYPTO_RATE:-$("$B/bench_crypto" 1 | awk '/suite=3gpp backend=openssl/{print $4}')}
	say ""
	say "### ADM, batched get-authentication (64 RAND_d per request), h2c"
	say ""
	say "\`h2load -n $NB -c 8 -m 32 -d b64.json ...\` (one device, 64 randD)."
	say ""
	say "| what | value |"
	say "|---|---|"
	say "| requests/s | $rb ($(h2ok $W/h2-b.txt)/$NB 2xx) |"
	say "| XRES/s through the SBI | **$xps** (goal ≥ 1,500,000) |"
	say "| crypto-only XRES/s, 2 cores (2 × one core) | $((2 * ${cr%.*})) |"
	say "| SBI share of the crypto-only rate | **$(awk -v a=$xps -v c=$cr 'BEGIN{printf "%.0f%%", 100*a/(2*c)}')** (goal ≥ 25%) |"
fi
[ -n "${ADM_PID:-}" ] && stop_pid $ADM_PID

# --- the ADM: get-doa-authentication vs nghttpd -------------------------------------------------
# The ADM answers a RAND_d once (403 for one of the device's last 8), and h2load sends one body
# for every request: so the 200 path is measured with bench_doa_load (a fresh RAND_d per
# request, device i mod N), calibrated by running it and h2load against the same nghttpd.
ng_start() { # dir -> NGPID NGPORT
	nghttpd --no-tls -d "$1" 0 >$W/nghttpd-doa.log 2>&1 & NGPID=$!; PIDS+=($NGPID)
	NGPORT=""
	for _ in $(seq 1 50); do
		NGPORT=$(ss -ltnp 2>/dev/null | awk -v p=$NGPID '$0 ~ "pid="p"," {split($4,a,":"); print a[length(a)]; exit}')
		[ -n "$NGPORT" ] && break
		sleep 0.1
	done
}
h2codes() { sed -n 's/.*status codes: \(.*\)$/\1/p' "$1"; }
if want doa; then
	echo "== ADM get-doa-authentication" >&2
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
	ND=${QUICK:+20000}; ND=${ND:-100000}
	mkdir -p $W/doa $W/wdoa && provision 10000 $W/doa
	ID=$(head -1 $W/doa/dev.jsonl | jq -r .aiotDevPermId)
	printf '{"aiotDevPermId":"%s","randD":"%s"}' $ID $(openssl rand -hex 16) >$W/doa-one.json
	start_adm $W/adm-doa.log --listen 127.0.0.1:0 --store sqlite:$W/doa/adm.db --kek-file $W/doa/kek --workers 2
	U=http://127.0.0.1:$ADM_PORT/nadm-sec/v1/get-doa-authentication
	# the static file: one 200 answer of the ADM (another RAND_d than doa-one.json's)
	curl -sS --http2-prior-knowledge -H 'content-type: application/json' -o $W/wdoa/x.json \
		--data "{\"aiotDevPermId\":\"$ID\",\"randD\":\"$(openssl rand -hex 16)\"}" $U
	run "$B/bench_doa_load" -n $ND -c 8 -m 32 --devices $W/doa/dev.jsonl $U >$W/doa-adm.txt 2>&1 || true
	run h2load -n $ND -c 8 -m 32 -d $W/doa-one.json -H 'content-type: application/json' $U >$W/doa-adm-h2.txt 2>&1
	stop_pid $ADM_PID
	ng_start $W/wdoa
	NU=http://127.0.0.1:$NGPORT/x.json
	run h2load -n $ND -c 8 -m 32 -d $W/doa-one.json -H 'content-type: application/json' $NU >$W/doa-ng-h2.txt 2>&1
	run "$B/bench_doa_load" -n $ND -c 8 -m 32 --devices $W/doa/dev.jsonl $NU >$W/doa-ng.txt 2>&1 || true
	stop_pid $NGPID
	ra=$(h2rate $W/doa-adm.txt); rh=$(h2rate $W/doa-adm-h2.txt)
	rn=$(h2rate $W/doa-ng-h2.txt); rt=$(h2rate $W/doa-ng.txt)
	say ""
	say "### ADM, get-doa-authentication (a fresh RAND_d per request), h2c"
	say ""
	say "\`aiot-adm --workers 2\` (10,000 devices) and \`nghttpd --no-tls\` serving one $(wc -c <$W/wdoa/x.json)-byte 200 answer of the ADM as a static file; every client with \`-n $ND -c 8 -m 32\`, POST application/json. \`build/bench_doa_load --devices dev.jsonl URL\` (bench/bench_doa_load.c: nghttp2 through the project's SBI client, one thread like h2load) sends each request a fresh body (device i mod 10,000, a random RAND_d): every answer is a 200 that derived MAC_N and XRES_D and made RAND_d durable in the device's replay window. h2load sends one body (\`-d doa-one.json\`, one device, one RAND_d) for every request: against the ADM that is one 200 and then the 403 path (RAND_d reused)."
	say ""
	say "| server | client | req/s | status codes |"
	say "|---|---|---|---|"
	say "| aiot-adm | bench_doa_load (fresh RAND_d) | $ra | $(h2codes $W/doa-adm.txt) |"
	say "| nghttpd (static) | h2load -d (one body) | $rn | $(h2codes $W/doa-ng-h2.txt) |"
	say "| nghttpd (static) | bench_doa_load (calibration) | $rt | $(h2codes $W/doa-ng.txt) |"
	say "| aiot-adm, **the 403 path** | h2load -d (one body: RAND_d reused) | $rh | $(h2codes $W/doa-adm-h2.txt) |"
	say "| load average before this part (1, 5, 15 min; others' work on the machine) | | $LOAD0 | |"
	say "| **ratio aiot-adm / nghttpd (h2load)** | | **$(pct $ra $rn)** (goal ≥ 40%) | |"
	say "| ratio, both with bench_doa_load | | $(pct $ra $rt) | |"
	say "| bench_doa_load / h2load on nghttpd (the tool's own ceiling) | | $(pct $rt $rn) | |"
fi

# --- end to end -----------------------------------------------------------------------------
if want e2e; then
	echo "== end to end" >&2
	NE=${QUICK:+10000}; NE=${NE:-100000}
	if [ -x "$B/aiot-aiotf" ] && [ -x "$B/aiot-reader" ] && [ -x "$B/aiot-devsim" ]; then
		run "$B/aiot" demo --devices $NE --clones 10 --json --workdir $W/demo >$W/demo.txt 2>&1 || true
		js=$(tail -1 $W/demo.txt)
		rate=$(grep -o '(\([0-9]*\) devices/s)' $W/demo.txt | tr -dc 0-9 || true)
		say ""
		say "### End to end: authenticated inventory through reader, AIOTF and ADM"
		say ""
		say "\`aiot demo --devices $NE --clones 10 --json\`: $js"
		say ""
		say "Inventory rate: **${rate:-?} authenticated devices/s** (goal ≥ 20,000)."
	else
		say ""
		say "### End to end: not measured (the AIOTF, reader and simulator are not built yet)."
	fi
fi

# --- end to end DO-A: registrations with data ------------------------------------------------
# aiot-adm + aiot-aiotf + aiot-reader (DO-A rounds) + aiot-devsim (every device DO-A) + an AF
# (aiot af-sink) subscribed to DO-A; wall time from the reader's start (its first DO-A round
# follows its NG link setup) until the AIOTF counted every device registered and its first
# data (M3's block) delivered.
daemon() { # log "ready pattern" cmd... -> LASTPID
	local log=$1 pat=$2; shift 2
	"$@" 2>"$log" & LASTPID=$!; PIDS+=($LASTPID)
	for _ in $(seq 1 600); do
		grep -q "$pat" "$log" && return 0
		kill -0 $LASTPID 2>/dev/null || break
		sleep 0.1
	done
	echo "$1 did not start:" >&2; cat "$log" >&2; exit 1
}
port_of() { sed -n "s/.*$2 [^ ]*:\([0-9]*\).*/\1/p" "$1" | head -1; }
mport_of() { sed -n 's/.*metrics on port \([0-9]*\).*/\1/p' "$1" | head -1; }
if want doa-e2e; then
	echo "== end to end DO-A" >&2
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
	NE=${QUICK:+10000}; NE=${NE:-100000}
	E=$W/de; mkdir -p $E
	provision $NE $E
	echo '{"afAuthData":{"af-bench":{"afId":"af-bench","allowedServiceOperations":["DOA"]}}}' >$E/af.json
	ADMA=(--listen 127.0.0.1:0 --store sqlite:$E/adm.db --kek-file $E/kek --workers 2 --metrics 127.0.0.1:0 --af-auth $E/af.json)
	daemon $E/adm.log "metrics on port" "$B/aiot-adm" "${ADMA[@]}"; EADM=$LASTPID
	daemon $E/af.log "listening on" "$B/aiot" af-sink --listen 127.0.0.1:0 --out $E/notifs.jsonl; EAF=$LASTPID
	# bench settings: the M1 limits, the contexts and the exchange timeout sized for NE
	# devices arriving at once on one reader link
	AFA=(--listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp --adm http://127.0.0.1:$(port_of $E/adm.log "listening on")
		--metrics 127.0.0.1:0 --doa-m1-rate 1000000 --doa-m1-burst 1000000 --doa-max-contexts $((2 * NE))
		--doa-exchange-timeout-ms 30000)
	daemon $E/aiotf.log "metrics on port" "$B/aiot-aiotf" "${AFA[@]}"; EAIOTF=$LASTPID
	AFM=$(mport_of $E/aiotf.log)
	curl -sS --http2-prior-knowledge -H 'content-type: application/json' -o $E/sub.json \
		--data "{\"afId\":\"af-bench\",\"notifUri\":\"http://127.0.0.1:$(port_of $E/af.log "listening on")/doa\",\"regInd\":true}" \
		http://127.0.0.1:$(port_of $E/aiotf.log "listening on")/naiotf-aiot/v1/doa-subscriptions
	jq -e .subscriptionId $E/sub.json >/dev/null || { echo "DO-A subscription failed:" >&2; cat $E/sub.json >&2; exit 1; }
	SIMA=(--devices $E/dev.jsonl --doa $NE --doa-period-ms 3600000 --doa-timeout-ms 30000 --stats $E/sim.json)
	daemon $E/sim.log "air on" "$B/aiot-devsim" "${SIMA[@]}"; ESIM=$LASTPID
	RDA=(--aiotf 127.0.0.1:$(port_of $E/aiotf.log "ng link on") --ng-transport tcp --air 127.0.0.1:$(port_of $E/sim.log "air on")
		--doa-interval-ms ${BENCH_DOA_INTERVAL_MS:-2} --doa-max-devices $((2 * NE)) --metrics 127.0.0.1:0)
	cpu() { awk -v t=$(getconf CLK_TCK) '{printf "%.2f", ($14+$15)/t}' /proc/$1/stat 2>/dev/null || echo 0; }
	c0=(); for p in $EADM $EAIOTF $ESIM $EAF; do c0+=($(cpu $p)); done
	t0=$(date +%s.%N)
	"$B/aiot-reader" "${RDA[@]}" 2>$E/reader.log & ERD=$!; PIDS+=($ERD)
	regs=0; dlv=0; t1=""
	SECONDS=0
	while [ $SECONDS -lt 600 ]; do # 10 minutes at most
		curl -s http://127.0.0.1:$AFM/metrics >$E/poll.prom || true
		regs=$(awk '$1=="aiot_aiotf_doa_registrations_total" {print $2}' $E/poll.prom)
		dlv=$(awk '$1=="aiot_aiotf_doa_uplink_data_total{result=\"delivered\"}" {print $2}' $E/poll.prom)
		if [ "${regs:-0}" -ge $NE ] && [ "${dlv:-0}" -ge $NE ]; then t1=$(date +%s.%N); break; fi
		# each poll costs a curl (~10 ms of CPU): every 0.5 s until 90% are in, then 0.05 s
		if [ "${regs:-0}" -lt $((NE * 9 / 10)) ]; then sleep 0.5; else sleep 0.05; fi
	done
	# CPU seconds each process spent in the measured interval (the reader: since its start)
	cpus=""; i=0
	for p in $EADM $EAIOTF $ESIM $EAF; do
		cpus+="$(awk -v a=${c0[$i]} -v b=$(cpu $p) 'BEGIN{printf "%.2f", b-a}') / "; i=$((i + 1))
	done
	cpus+="$(cpu $ERD)"
	# the same per registration, in microseconds
	cpuus=$(echo "$cpus" | awk -v n=$NE -F' / ' '{for (i = 1; i <= NF; i++) printf "%s%.0f", (i > 1 ? " / " : ""), $i * 1e6 / n}')
	RDM=$(mport_of $E/reader.log)
	curl -s http://127.0.0.1:$AFM/metrics >$E/aiotf.prom
	curl -s http://127.0.0.1:$RDM/metrics >$E/reader.prom || true
	curl -s http://127.0.0.1:$(mport_of $E/adm.log)/metrics >$E/adm.prom 2>/dev/null || true
	rm -f $E/sim.json; kill -USR1 $ESIM
	for _ in $(seq 1 50); do [ -s $E/sim.json ] && break; sleep 0.1; done
	for p in $ERD $ESIM $EAIOTF $EAF $EADM; do stop_pid $p; done
	pm() { awk -v k="$2" '$1==k {print $2}' "$1"; }
	nreg=$(jq -c '.devicesRepData[]? | has("readCmdRep")' $E/notifs.jsonl 2>/dev/null | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}')
	if [ -n "$t1" ]; then
		secs=$(awk -v a=$t0 -v b=$t1 'BEGIN{printf "%.2f", b-a}')
		rate=$(awk -v n=$NE -v a=$t0 -v b=$t1 'BEGIN{printf "%.0f", n/(b-a)}')
	else
		secs="> 600 (not finished)"; rate="?"
	fi
	say ""
	say "### End to end DO-A: $NE devices register and deliver their first data"
	say ""
	cmdl() { echo "$*" | sed -e "s|$E/||g" -e 's/127\.0\.0\.1:[1-9][0-9]*/127.0.0.1:PORT/g'; }
	say "\`aiot-adm $(cmdl "${ADMA[@]}")\`, \`aiot af-sink\` subscribed (POST doa-subscriptions, regInd), \`aiot-aiotf $(cmdl "${AFA[@]}")\`, \`aiot-devsim $(cmdl "${SIMA[@]}")\`, \`aiot-reader $(cmdl "${RDA[@]}")\`. Time from the reader's start (NG setup, then its first DO-A round) until the AIOTF's /metrics (polled every 0.5 s, every 0.05 s past 90%) count $NE registrations and $NE Uplink Data delivered (M3's data block counts). The M1 limits, contexts, exchange timeout and the reader's table are bench settings, given on the command line above; everything else is the default."
	say ""
	say "| what | value |"
	say "|---|---|"
	say "| load average before this part (1, 5, 15 min; others' work on the machine) | $LOAD0 |"
	say "| wall time | $secs s |"
	say "| **DO-A registrations with data per second** | **$rate** (goal ≥ 20,000) |"
	say "| AIOTF: registrations / data delivered | $regs / $dlv |"
	say "| AIOTF: M1 received / refused (reader rate, identifier rate, contexts) | $(pm $E/aiotf.prom aiot_aiotf_doa_m1_total) / $(grep '^aiot_aiotf_doa_m1_refused_total' $E/aiotf.prom | awk '{s+=$2} END{print s+0}') |"
	say "| AIOTF: exchanges timed out / late ADM answers | $(pm $E/aiotf.prom 'aiot_aiotf_doa_exchanges_total{end="timeout"}') / $(pm $E/aiotf.prom aiot_aiotf_doa_late_adm_total) |"
	say "| ADM: get-doa-authentication requests | $(pm $E/adm.prom aiot_adm_doa_requests_total) |"
	say "| reader: DO-A rounds / uplink PDUs relayed / collided slots | $(pm $E/reader.prom aiot_reader_doa_rounds_total) / $(pm $E/reader.prom aiot_reader_doa_uplink_total) / $(pm $E/reader.prom aiot_reader_doa_collided_slots_total) |"
	say "| devsim: registered / collisions / retries / answer (M2, M4) timeouts | $(jq -r '"\(.doa_registered) / \(.doa_collisions) / \(.doa_retries) / \(.doa_timeouts // "-")"' $E/sim.json 2>/dev/null) |"
	say "| CPU seconds in that time: aiot-adm / aiot-aiotf / aiot-devsim / af-sink / aiot-reader (2 cores: at most 2 × wall time) | $cpus |"
	say "| CPU µs per registration, same order | $cpuus |"
	say "| AF (af-sink) notification items: registration=false / data=true | $nreg |"
fi

# --- scale: 10 million devices ------------------------------------------------------------------
if want scale; then
	echo "== scale" >&2
	NS=${QUICK:+1000000}; NS=${NS:-10000000}
	mkdir -p $W/s10k $W/sbig
	provision 10000 $W/s10k
	t0=$(date +%s.%N)
	"$B/aiot" provision --store sqlite:$W/sbig/adm.db --kek-file $W/sbig/kek --count $NS --group big --out $W/sbig/dev.jsonl 2>$W/sbig/prov.log
	t1=$(date +%s.%N)
	prate=$(awk -v n=$NS -v a=$t0 -v b=$t1 'BEGIN{printf "%.0f", n/(b-a)}')
	lat() { # dir -> p50 p99 (ms) and RSS KiB
		local d=$1
		start_adm $W/lat.log --listen 127.0.0.1:0 --store sqlite:$d/adm.db --kek-file $d/kek --workers 2
		local id; id=$(sed -n '$p' $d/dev.jsonl | jq -r .aiotDevPermId)
		printf '{"aiotDevPermId":"%s","randN":"%s","randDlist":["%s"]}' $id $(openssl rand -hex 16) $(openssl rand -hex 16) >$W/l.json
		rm -f $W/lat.tsv
		local t0 t1; t0=$(date +%s.%N)
		h2load -n 50000 -c 8 -m 8 -d $W/l.json -H 'content-type: application/json' --log-file=$W/lat.tsv \
			http://127.0.0.1:$ADM_PORT/nadm-sec/v1/get-authentication >$W/lat.txt 2>&1
		[ "$(h2ok $W/lat.txt)" = 50000 ] || { echo "latency run failed:" >&2; cat $W/lat.txt >&2; exit 1; }
		local rss; rss=$(awk '/VmRSS/{print $2}' /proc/$ADM_PID/status)
		stop_pid $ADM_PID
		# h2load log: start(us) status duration(us)
		awk '{print $3}' $W/lat.tsv | sort -n | awk -v r=$rss '{a[NR]=$1} END{printf "%.3f %.3f %s", a[int(NR*0.5)]/1000, a[int(NR*0.99)]/1000, r}'
	}
	read -r p50s p99s rss_s <<<"$(lat $W/s10k)"
	read -r p50b p99b rss_b <<<"$(lat $W/sbig)"
	[ -n "$p99s" ] && [ -n "$p99b" ] || { echo "scale: a latency run failed" >&2; exit 1; }
	per=$(awk -v a=$rss_s -v b=$rss_b -v n=$NS 'BEGIN{printf "%.0f", (b-a)*1024/(n-10000)}')
	say ""
	say "### Scale: the ADM with $NS provisioned devices"
	say ""
	say "\`aiot provision --count $NS\`; then \`aiot-adm --workers 2\` and \`h2load -n 50000 -c 8 -m 8 --log-file\` get-authentication (one device, one RAND_d), against a 10,000-device store and against the big one."
	say ""
	say "| what | 10,000 devices | $NS devices |"
	say "|---|---|---|"
	say "| provisioning rate | | $prate devices/s |"
	say "| get-authentication p50 | $p50s ms | $p50b ms |"
	say "| get-authentication p99 | $p99s ms | $p99b ms (goal: within 2×) |"
	say "| ADM RSS | $rss_s KiB | $rss_b KiB |"
	say "| RSS per device (difference / devices) | | **$per bytes** (goal ≤ 200) |"
fi

# --- OAuth 2.0 at the ADM, and the NRF ---------------------------------------------------------
# One aiot-nrf issues a real token (AIOTF -> ADM, nadm-sec); the ADM's get-authentication is
# measured without OAuth and with --oauth2-required (every request carries that token: the
# verified-token cache pays the signature once), interleaved, three times each (the best of
# each counts: the machine is shared); and the Authorization field sent without the check. Then the NRF's own rates: token issuance (an ES256 signature
# per request) and discovery.
nrf_start() { # dir
	"$B/aiot-nrf" --listen 127.0.0.1:0 --signing-key $1/key.pem --workers 2 --token-lifetime-s 3600 \
		-c $1/nrf.yaml 2>$1/nrf.log &
	NRF_PID=$!; PIDS+=($NRF_PID)
	for _ in $(seq 1 100); do grep -q "nfInstanceId" $1/nrf.log && break; sleep 0.1; done
	NRF_PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\).*/\1/p' $1/nrf.log | head -1)
	NRF_ID=$(sed -n 's/.*nfInstanceId \([0-9a-f-]*\),.*/\1/p' $1/nrf.log)
}
best() { printf '%s\n' "$@" | sort -g | tail -1; }
if want oauth || want nrf; then
	mkdir -p $W/nrf
	printf 'token:\n  policy:\n    AIOTF: nadm-sec nadm-dm\n' >$W/nrf/nrf.yaml
	nrf_start $W/nrf
	CID=$(cat /proc/sys/kernel/random/uuid)
	printf 'grant_type=client_credentials&nfInstanceId=%s&nfType=AIOTF&targetNfType=ADM&scope=nadm-sec' $CID >$W/form.txt
	TOKEN=$(curl -sS --http2-prior-knowledge -H 'content-type: application/x-www-form-urlencoded' --data-binary @$W/form.txt \
		http://127.0.0.1:$NRF_PORT/oauth2/token | jq -r .access_token)
fi
if want oauth; then
	echo "== OAuth 2.0 at the ADM" >&2
	[ -s $W/adm/adm.db ] || { mkdir -p $W/adm && provision 10000 $W/adm; }
	ID=$(head -1 $W/adm/dev.jsonl | jq -r .aiotDevPermId)
	printf '{"aiotDevPermId":"%s","randN":"%s","randDlist":["%s"]}' $ID $(openssl rand -hex 16) $(openssl rand -hex 16) >$W/oa.json
	[ -n "${ADM_PID:-}" ] && stop_pid $ADM_PID
	OFF=(); HDR=(); ON=()
	for round in 1 2 3; do
		for mode in off hdr on; do
			extra=(); auth=()
			[ $mode != off ] && auth=(-H "authorization: Bearer $TOKEN")
			[ $mode = on ] && extra=(--oauth2-required --nrf-public-key $W/nrf/key.pub.pem --oauth2-issuer $NRF_ID)
			start_adm $W/adm-oa.log --listen 127.0.0.1:0 --store sqlite:$W/adm/adm.db --kek-file $W/adm/kek --workers 2 "${extra[@]}"
			U=http://127.0.0.1:$ADM_PORT/nadm-sec/v1/get-authentication
			run h2load -n $N -c 8 -m 32 -d $W/oa.json -H 'content-type: application/json' "${auth[@]}" $U >$W/h2-oa-$mode-$round.txt 2>&1
			stop_pid $ADM_PID
			[ "$(h2ok $W/h2-oa-$mode-$round.txt)" = $N ] || { echo "OAuth bench ($mode): not every answer a 2xx" >&2; cat $W/h2-oa-$mode-$round.txt >&2; exit 1; }
			r=$(h2rate $W/h2-oa-$mode-$round.txt)
			case $mode in off) OFF+=($r) ;; hdr) HDR+=($r) ;; on) ON+=($r) ;; esac
		done
	done
	ro=$(best "${OFF[@]}"); rh=$(best "${HDR[@]}"); rt=$(best "${ON[@]}")
	# The control: the same field sent to nghttpd serving a static file (no OAuth anywhere):
	# what carrying the token costs an HTTP/2 server that does nothing with it.
	mkdir -p $W/www-oa && cp $W/oa.json $W/www-oa/one.json
	ng_start $W/www-oa
	NG_OFF=(); NG_HDR=()
	for round in 1 2 3; do
		run h2load -n $N -c 8 -m 32 http://127.0.0.1:$NGPORT/one.json >$W/h2-oa-ng-off.txt 2>&1
		NG_OFF+=($(h2rate $W/h2-oa-ng-off.txt))
		run h2load -n $N -c 8 -m 32 -H "authorization: Bearer $TOKEN" http://127.0.0.1:$NGPORT/one.json >$W/h2-oa-ng-hdr.txt 2>&1
		NG_HDR+=($(h2rate $W/h2-oa-ng-hdr.txt))
	done
	stop_pid $NGPID
	rno=$(best "${NG_OFF[@]}"); rnh=$(best "${NG_HDR[@]}")
	say ""
	say "### ADM get-authentication with OAuth 2.0 required, against without (h2c)"
	say ""
	say "\`aiot-adm --workers 2\` (10,000 devices), started alternately without OAuth 2.0 and with \`--oauth2-required --nrf-public-key --oauth2-issuer\` (three times each, interleaved; the best of each counts); \`h2load -n $N -c 8 -m 32 -d one.json -H 'content-type: application/json'\`, with OAuth also \`-H 'authorization: Bearer TOKEN'\`: one ES256 token of $(printf %s "$TOKEN" | wc -c) octets issued by aiot-nrf (AIOTF -> ADM, scope nadm-sec), verified once and then found in the verified-token cache. The middle row sends the same Authorization field to an ADM without OAuth 2.0: what the field itself costs on the wire (HPACK never indexes \`authorization\`, RFC 7541 7.1.3, so every request carries the whole token, Huffman-coded) apart from the check."
	say ""
	say "| ADM | req/s (each run) | best | 2xx |"
	say "|---|---|---|---|"
	say "| without OAuth 2.0 | ${OFF[*]} | $ro | $(h2ok $W/h2-oa-off-1.txt)/$N |"
	say "| without OAuth 2.0, the Authorization field sent anyway | ${HDR[*]} | $rh | $(h2ok $W/h2-oa-hdr-1.txt)/$N |"
	say "| OAuth 2.0 required, Bearer token | ${ON[*]} | $rt | $(h2ok $W/h2-oa-on-1.txt)/$N |"
	say "| **ratio with / without** | | **$(pct $rt $ro)** (goal ≥ 90%) | |"
	say "| ratio with / the field without the check (the check alone) | | $(pct $rt $rh) | |"
	say ""
	say "The control, without any aiot code: the same h2load GET of a static file at \`nghttpd --no-tls\`, without and with the same \`authorization: Bearer TOKEN\` field (three runs each, the best counts)."
	say ""
	say "| nghttpd (static file) | req/s (each run) | best |"
	say "|---|---|---|"
	say "| no Authorization field | ${NG_OFF[*]} | $rno |"
	say "| the Authorization field | ${NG_HDR[*]} | $rnh |"
	say "| **ratio with / without** | | **$(pct $rnh $rno)** |"
fi
if want nrf; then
	echo "== NRF: tokens and discovery" >&2
	AID=$(cat /proc/sys/kernel/random/uuid)
	curl -sS --http2-prior-knowledge -o /dev/null -X PUT -H content-type:application/json \
		--data-binary "{\"nfInstanceId\":\"$AID\",\"nfType\":\"ADM\",\"nfStatus\":\"REGISTERED\",\"ipv4Addresses\":[\"127.0.0.1\"],\"nfServiceList\":{\"nadm-sec\":{\"serviceInstanceId\":\"nadm-sec\",\"serviceName\":\"nadm-sec\",\"versions\":[{\"apiVersionInUri\":\"v1\",\"apiFullVersion\":\"1.0.0\"}],\"scheme\":\"http\",\"nfServiceStatus\":\"REGISTERED\"}}}" \
		http://127.0.0.1:$NRF_PORT/nnrf-nfm/v1/nf-instances/$AID
	NT=${QUICK:+5000}; NT=${NT:-50000}
	run h2load -n $NT -c 8 -m 32 -d $W/form.txt -H 'content-type: application/x-www-form-urlencoded' \
		http://127.0.0.1:$NRF_PORT/oauth2/token >$W/h2-tok.txt 2>&1
	DU="http://127.0.0.1:$NRF_PORT/nnrf-disc/v1/nf-instances?target-nf-type=ADM&requester-nf-type=AIOTF&service-names=nadm-sec"
	run h2load -n $N -c 8 -m 32 "$DU" >$W/h2-disc.txt 2>&1
	say ""
	say "### NRF: access tokens and discovery (h2c)"
	say ""
	say "\`aiot-nrf --workers 2\`. Tokens: \`h2load -n $NT -c 8 -m 32 -d form.txt -H 'content-type: application/x-www-form-urlencoded' .../oauth2/token\` (one AccessTokenReq form, AIOTF -> ADM, nadm-sec: each answer a fresh ES256 signature). Discovery: \`h2load -n $N -c 8 -m 32 '.../nnrf-disc/v1/nf-instances?target-nf-type=ADM&requester-nf-type=AIOTF&service-names=nadm-sec'\` with one ADM registered."
	say ""
	say "| NRF operation | req/s | 2xx |"
	say "|---|---|---|"
	say "| POST /oauth2/token (AccessTokenRequest) | $(h2rate $W/h2-tok.txt) | $(h2ok $W/h2-tok.txt)/$NT |"
	say "| GET /nnrf-disc/v1/nf-instances (SearchNFInstances) | $(h2rate $W/h2-disc.txt) | $(h2ok $W/h2-disc.txt)/$N |"
fi
[ -n "${NRF_PID:-}" ] && stop_pid $NRF_PID

# --- AKMA: the AAnF, aiot-msgin5g (TLS 1.3 PSK handshakes, MSG) ---------------------------------
source bench/akma.sh

# --- device ------------------------------------------------------------------------------------
if want device; then
	echo "== device" >&2
	say ""
	say "### Device library (Cortex-M0, -Os), per suite"
	say ""
	run bash bench/device.sh "$W/dev" | tee -a "$OUT"
fi

# --- the card: USIM AUTHENTICATE through pcscd, a device's paging on the card vs soft --------
if want uicc; then
	echo "== uicc" >&2
	say ""
	say "### AIoT-UICC through pcscd (issue 16)"
	say ""
	run bash bench/uicc.sh "${QUICK:+1}" | tee -a "$OUT"
fi

# --- the ADM on Redis Cluster: against SQLite, two instances, writes, failover, RSS ---------------
if want cluster; then
	say ""
	say "### The ADM on Redis Cluster (issue 17)"
	say ""
	echo "== cluster" >&2
	source bench/cluster.sh
fi

# --- keys in a PKCS#11 token (SoftHSM2) against keys in memory ----------------------------------
if want pkcs11; then
	echo "== pkcs11" >&2
	say ""
	say "### ADM get-authentication with K_AIOT_root in a PKCS#11 token (issue 17)"
	say ""
	run bash bench/pkcs11.sh "${QUICK:+10000}" | tee -a "$OUT"
fi

cat "$OUT" >>docs/benchmarks.md
echo "appended to docs/benchmarks.md:" >&2
cat "$OUT"
