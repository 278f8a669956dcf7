#!/usr/bin/env bash
# K_AKMA and K_AF out of the AAnF's memory once their contexts are gone (docs/security.md
# T11e): N register-anchorkey requests (K_AKMA in the request bodies: none is left as
# text while the contexts live), a
# retrieve-applicationkey for each (K_AF in the answers), then remove-context for each; the
# live AAnF's writable memory is then searched for every K_AKMA and K_AF, as hex text and as
# bytes (tests/tools/memscan.py, as it_keymem does for the ADM). The index wipes a context it
# drops, request bodies and answers are wiped when freed: none is found.
source "$(dirname "$0")/lib.bash"
[ -x "$B/aiot-aanf" ] || { echo "aiot-aanf not built: skipped"; exit 0; }
[ -r /proc/self/mem ] && [ "$(id -u)" = 0 ] || { echo "not root: cannot read the AAnF's memory: skipped"; exit 0; }
[ "$SANITIZED" = 0 ] || { echo "AddressSanitizer build: memory scan skipped"; exit 0; }
N=50
GLIBC_TUNABLES=glibc.malloc.tcache_count=0 start_daemon $W/aanf.log "$B/aiot-aanf" --listen 127.0.0.1:0 \
	--store sqlite:$W/aanf.db --kek-file $W/kek --workers 1
U=http://127.0.0.1:$PORT/naanf-akma/v1
post() { curl -s --http2-prior-knowledge -o "$1" -H 'content-type: application/json' -d "$2" "$U/$3"; }
register() { # FROM TO, one after the other
	for i in $(seq $1 $2); do
		k=$(openssl rand -hex 32); a="$i.$(openssl rand -hex 32)@5gc.mnc001.mcc001.3gppnetwork.org"
		echo "$k" >>$W/keys; echo "$a" >>$W/akids
		post $W/reg.$i "{\"supi\":\"imsi-00101$(printf %010d $i)\",\"aKId\":\"$a\",\"kAkma\":\"$k\"}" register-anchorkey
	done
}
# After a few requests (before later allocations reuse their blocks) the live contexts hold
# K_AKMA as bytes (the index); as hex text only the request path had it (without the wiping
# of request bodies, 1 of 3 was still there).
register 1 3
read -r TEXT RAW < <(python3 "$S/tests/tools/memscan.py" $LASTPID $W/keys 2>$W/scan.err)
echo "     of 3 live K_AKMA: $TEXT as hex text, $RAW as bytes (the index) in the AAnF's memory"
check "no K_AKMA left as hex text by the requests that brought them" 0 "$TEXT"
register 4 $N
check "$N contexts registered" $N "$(cat $W/reg.* | jq -r .kAkma | grep -c .)"
pids=()
for i in $(seq 1 $N); do
	post $W/kaf.$i "{\"afId\":\"af.example.org\",\"aKId\":\"$(sed -n ${i}p $W/akids)\"}" retrieve-applicationkey &
	pids+=($!)
done
wait "${pids[@]}" || true
cat $W/kaf.* | jq -r .kaf >>$W/kafs || true
check "$N K_AF answered" $N "$(sort -u $W/kafs | grep -c '^[0-9a-f]\{64\}$')"
removed=0
for i in $(seq 1 $N); do
	st=$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
		-d "{\"supi\":\"imsi-00101$(printf %010d $i)\"}" $U/remove-context)
	[ "$st" = 204 ] && removed=$((removed + 1))
done
check "$N contexts removed (204)" $N $removed
cat $W/keys $W/kafs >$W/all
read -r TEXT RAW < <(python3 "$S/tests/tools/memscan.py" $LASTPID $W/all 2>$W/scan.err)
cat $W/scan.err
echo "     of $N K_AKMA and $N K_AF, left in the AAnF's memory: $TEXT as hex text, $RAW as bytes"
check "no K_AKMA or K_AF left as hex text" 0 "$TEXT"
check "no K_AKMA or K_AF left as bytes" 0 "$RAW"
finish
