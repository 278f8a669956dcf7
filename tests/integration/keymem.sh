#!/usr/bin/env bash
# K_AIOTF out of the ADM's freed memory (issue 11 item 8, docs/security.md T11c): after N
# get-session-key answers, the live ADM's writable memory is searched for each K_AIOTF it
# sent, as hex text (cJSON's strings and print buffers, the HTTP/2 response body, nghttp2's
# frames, libevent's socket buffers) and as raw bytes. Every one of those is wiped when freed
# (sbi_wipe_freed_memory, sbi_wipe_mem, sbi_response.sensitive), so none is found; without
# the wiping 2 to 4 of 100 were found (the last blocks freed and not yet reused).
source "$(dirname "$0")/lib.bash"
[ -x "$B/aiot-adm" ] || { echo "aiot-adm not built: skipped"; exit 0; }
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 0; }
[ -r /proc/self/mem ] && [ "$(id -u)" = 0 ] || { echo "not root: cannot read the ADM's memory: skipped"; exit 0; }
# ASan maps terabytes of shadow and keeps freed blocks in its own quarantine: the scan is
# about glibc's heap, so it runs in the release build only.
[ "$SANITIZED" = 0 ] || { echo "AddressSanitizer build: memory scan skipped"; exit 0; }
N=100
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 4 --group g --out $W/a.jsonl 2>$W/prov.log
# No tcache: glibc would overwrite the start of every freed block with its own pointers,
# hiding what a free left behind.
GLIBC_TUNABLES=glibc.malloc.tcache_count=0 start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db --kek-file $W/kek --workers 1
SEC=http://127.0.0.1:$PORT/nadm-sec/v1
# N clients at once (one connection each: curl 7.88 cannot multiplex with prior knowledge),
# so N answers are alive together and a freed block is not simply reused by the next one.
cp=()
for i in $(seq 1 $N); do
	ID=$(sed -n "$((i % 4 + 1))p" $W/a.jsonl | jq -r .aiotDevPermId)
	curl -s --http2-prior-knowledge -o $W/ans.$i -H 'content-type: application/json' \
		-d "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$(rand16)\",\"randD\":\"$(rand16)\"}" \
		$SEC/get-session-key &
	cp+=($!)
done
wait "${cp[@]}" || true
cat $W/ans.* | jq -r .kAiotf >$W/keys || true
check "$N distinct K_AIOTF answered" $N "$(sort -u $W/keys | grep -c '^[0-9a-f]\{32\}$')"
read -r TEXT RAW < <(python3 "$S/tests/tools/memscan.py" $LASTPID $W/keys 2>$W/scan.err)
cat $W/scan.err
echo "     K_AIOTF left in the ADM's memory after $N answers: $TEXT as hex text, $RAW as bytes"
check "no K_AIOTF left as hex text in the ADM's memory" 0 "$TEXT"
check "no K_AIOTF left as bytes in the ADM's memory" 0 "$RAW"
finish
