#!/usr/bin/env bash
# Every configuration key is a flag too (README "Running each daemon alone"): the ADM's
# limits.* as --limits.KEY, overriding the file; and the AIOTF's ADM URL decides TLS: an
# http:// URL ignores the file's adm.ca/cert/key (with a notice), an https:// one needs them.
. "$(dirname "$0")/lib.bash"
for x in aiot aiot-adm aiot-aiotf; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 3 --out $W/d.jsonl 2>/dev/null
ID=$(head -1 $W/d.jsonl | jq -r .aiotDevPermId)
printf 'limits:\n  max-rand-d: 1\n' >$W/adm.yaml
start_daemon $W/adm.log "$B/aiot-adm" -c $W/adm.yaml --store sqlite:$W/adm.db --kek-file $W/kek \
	--listen 127.0.0.1:0 --limits.max-rand-d 2 --workers 1
auth() { # N randD values -> status
	local l; l=$(for _ in $(seq 1 $1); do echo "\"$(rand16)\""; done | paste -sd,)
	h2post http://127.0.0.1:$PORT/nadm-sec/v1/get-authentication \
		"{\"aiotDevPermId\":\"$ID\",\"randN\":\"$(rand16)\",\"randDlist\":[$l]}" | cut -d' ' -f1
}
check "--limits.max-rand-d 2 overrides the file's 1: two randD accepted" 200 "$(auth 2)"
check "--limits.max-rand-d 2: three refused" 413 "$(auth 3)"
rc=0; "$B/aiot-adm" --store sqlite:$W/adm.db --kek-file $W/kek --limits.max-xres x 2>$W/bad.log || rc=$?
[ $rc -ne 0 ] && grep -q "limits.max-xres" $W/bad.log && ok "a malformed --limits.max-xres is refused" ||
	bad "--limits.max-xres x: rc $rc: $(cat $W/bad.log)"
"$B/aiot-adm" --help | grep -q -- '--limits.KEY' && ok "aiot-adm --help names --limits.KEY" ||
	bad "aiot-adm --help: no --limits.KEY"

# The shipped config/aiotf.yaml (https ADM, TLS client files under /etc) with an http:// ADM.
sed -e 's/127.0.0.1:7780/127.0.0.1:0/; s/127.0.0.1:38412/127.0.0.1:0/; s/127.0.0.1:9108/127.0.0.1:0/' \
	"$S/config/aiotf.yaml" >$W/aiotf.yaml
start_daemon $W/aiotf.log "$B/aiot-aiotf" -c $W/aiotf.yaml --adm http://127.0.0.1:$PORT
grep -q "is h2c: adm.ca, adm.cert and adm.key ignored" $W/aiotf.log &&
	ok "aiotf -c config/aiotf.yaml --adm http://: starts, TLS client keys ignored with a notice" ||
	bad "no notice: $(cat $W/aiotf.log)"
kill $LASTPID
rc=0; timeout 10 "$B/aiot-aiotf" -c $W/aiotf.yaml 2>$W/https.log || rc=$?
[ $rc -ne 0 ] && grep -q "/etc/aiot" $W/https.log && ok "aiotf with the file's https ADM: its missing CA file is an error" ||
	bad "https ADM without its files: rc $rc: $(cat $W/https.log)"
finish
