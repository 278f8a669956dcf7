#!/usr/bin/env bash
# The ADM with its keys in a PKCS#11 token (docs/pkcs11.md) on a real SoftHSM2 token in the
# work dir: `aiot provision --pkcs11-*` imports the keys of both suites and both key lengths
# (and `--import` a file of them); opensc's pkcs11-tool sees sensitive objects whose value it
# cannot read; aiot-adm with the token answers get-authentication (XRES), get-session-key
# (K_AIOTF), get-tid (the next T-ID) and get-doa-authentication (MAC_N, XRES_D) exactly as
# `aiot crypto` computes them with the device's key. Errors: module not loadable, no token,
# wrong PIN, PIN file readable by others, half the flags, a token-backed store without the
# token and a plain one with it (exit 2, messages that say what to do, no PIN in them); a
# device whose object is gone is named at start and gets a 500 naming it. Then the same on a
# Redis Cluster store (scripts/redis-cluster.sh).
source "$(dirname "$0")/lib.bash"
ADM=$B/aiot-adm
MOD=${AIOT_PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
PIN=2718-2818
mkdir $W/tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' $W >$W/softhsm2.conf
export SOFTHSM2_CONF=$W/softhsm2.conf
softhsm2-util --init-token --free --label aiot-keys --pin $PIN --so-pin 1414 >/dev/null
printf '%s\n' $PIN >$W/pin; chmod 600 $W/pin
P11=(--pkcs11-module $MOD --pkcs11-token aiot-keys --pkcs11-pin-file $W/pin)
DB=$W/adm.db; KEK=$W/kek
tool() { pkcs11-tool --module $MOD --login --pin $PIN "$@" 2>/dev/null; }

# --- provisioning into the token --------------------------------------------------------------
prov() { "$AIOT" provision --store sqlite:$DB --kek-file $KEK "${P11[@]}" "$@" 2>>$W/prov.log; }
prov --count 6 --group g128 --out $W/g128.jsonl
prov --count 3 --group g256 --key-bits 256 --res-bits 128 --out $W/g256.jsonl
prov --count 3 --group gaes --suite aes --res-bits 32 --out $W/gaes.jsonl
prov --count 2 --group gpriv --privacy --out $W/gpriv.jsonl
# --import: a device maker's file of keys (made by a plain store, then imported into the token)
"$AIOT" provision --store sqlite:$W/other.db --kek-file $W/kek2 --count 2 --suite aes --group gimp --out $W/gimp.jsonl 2>>$W/prov.log
prov --import $W/gimp.jsonl
check "16 devices in the store" 16 "$(sqlite3 $DB 'select count(*) from devices')"
check "16 secret-key objects in the token" 16 "$(tool --list-objects --type secrkey | grep -c '^Secret Key Object')"
# why: SoftHSM's HMAC takes keys of 32 bytes and more (docs/pkcs11.md)
pkcs11-tool --module $MOD -M 2>/dev/null | grep -q "SHA256-HMAC, keySize={32," && ok "the token's SHA256-HMAC minimum is 32 bytes" || bad "mechanisms: $(pkcs11-tool --module $MOD -M 2>&1 | grep -i hmac)"
check "3gpp objects are 32-byte generic secrets (128-bit keys zero-padded)" 11 "$(tool --list-objects --type secrkey | grep -c 'Generic secret length 32')"
check "aes objects are AES-128" 5 "$(tool --list-objects --type secrkey | grep -c 'AES length 16')"
# pkcs11-tool lists "extractable" among Access when CKA_EXTRACTABLE is true
check "every object sensitive, none extractable (pkcs11-tool Access)" sensitive \
	"$(tool --list-objects --type secrkey | sed -n 's/^ *Access: *//p' | sort -u)"
ID=$(jq -r .aiotDevPermId $W/g128.jsonl | head -1)
LABEL=$(echo -n "$ID" | base64 -d | od -An -tx1 -v | tr -d ' \n')
OBJID=$(tool --list-objects --type secrkey | grep -A1 "label: *$LABEL" | awk '/ID:/{print $2}')
check "CKA_LABEL is the permanent ID in hex, CKA_ID the tagged reference" "61696f7450313101" "${OBJID:0:16}"
if tool --read-object --type secrkey --id $OBJID -o $W/value; then bad "pkcs11-tool read a key's CKA_VALUE"; else ok "pkcs11-tool cannot read a key's value (CKA_SENSITIVE, not extractable)"; fi
rc=0; "$AIOT" provision --store sqlite:$DB --kek-file $KEK --count 1 --out $W/half.jsonl --pkcs11-module $MOD 2>$W/half.log || rc=$?
[ $rc -eq 2 ] && grep -q "go together" $W/half.log && ok "provision: half the flags, exit 2" || bad "provision half: rc $rc $(cat $W/half.log)"
if "$AIOT" provision --store sqlite:$DB --kek-file $KEK --count 1 --out $W/mix.jsonl 2>$W/mix.log; then bad "plain devices added to a token-backed store"
else grep -q "holds references to PKCS#11 token objects" $W/mix.log && ok "no plain devices in a token-backed store" || bad "mix: $(cat $W/mix.log)"; fi

# --- the ADM on the token: every derivation with K_AIOT_root as aiot crypto's -------------------
start_daemon $W/adm.log "$ADM" --listen 127.0.0.1:0 --store sqlite:$DB --kek-file $KEK --workers 2 "${P11[@]}"
SEC=http://127.0.0.1:$PORT/nadm-sec/v1
grep -q "keys: PKCS#11 token 'aiot-keys', 16 devices" $W/adm.log && ok "aiot-adm started on the token" || bad "start: $(cat $W/adm.log)"
RN=$(rand16); RD=$(rand16); RD2=$(rand16)
for f in g128 g256 gaes gimp; do
	for n in 1 2; do
		id=$(sed -n ${n}p $W/$f.jsonl | jq -r .aiotDevPermId); key=$(sed -n ${n}p $W/$f.jsonl | jq -r .key)
		suite=$(sed -n ${n}p $W/$f.jsonl | jq -r .suite); bits=$(sed -n ${n}p $W/$f.jsonl | jq -r .resBits)
		r=$(h2post $SEC/get-authentication "{\"aiotDevPermId\":\"$id\",\"randN\":\"$RN\",\"randDlist\":[\"$RD\",\"$RD2\"]}")
		check "$f #$n ($suite, ${#key}-hex key): XRES = aiot crypto res" \
			"$("$AIOT" crypto res --suite $suite --key $key --rand-n $RN --rand-d $RD --bits $bits) $("$AIOT" crypto res --suite $suite --key $key --rand-n $RN --rand-d $RD2 --bits $bits)" \
			"$(echo "${r#* }" | jq -r '[.authDataSets[].authDataSet[0].xres]|join(" ")')"
		r=$(h2post $SEC/get-session-key "{\"aiotDevPermId\":\"$id\",\"randN\":\"$RN\",\"randD\":\"$RD\"}")
		check "$f #$n: K_AIOTF = aiot crypto kaiotf" "$("$AIOT" crypto kaiotf --suite $suite --key $key --rand-n $RN --rand-d $RD)" "$(echo "${r#* }" | jq -r .kAiotf)"
	done
done
# by filteringInfo: every device of the group in one request
FILT=$(jq -r .aiotDevPermId $W/gaes.jsonl | head -1 | base64 -d | head -c 4 | base64)
r=$(h2post $SEC/get-authentication "{\"filteringInfo\":\"$FILT\",\"randN\":\"$RN\",\"randDlist\":[\"$RD\"]}")
want=$(while read -r l; do "$AIOT" crypto res --suite aes --key $(echo "$l" | jq -r .key) --rand-n $RN --rand-d $RD --bits 32; done <$W/gaes.jsonl | sort | tr '\n' ' ')
check "filtered get-authentication: the group's XRES" "$want" "$(echo "${r#* }" | jq -r '.authDataSets[0].authDataSet[].xres' | sort | tr '\n' ' ')"
# get-tid: the next T-ID from the session's RANDs, derived in the token
id=$(jq -r .aiotDevPermId $W/gpriv.jsonl | head -1); key=$(jq -r .key $W/gpriv.jsonl | head -1)
h2post $SEC/get-session-key "{\"aiotDevPermId\":\"$id\",\"randN\":\"$RN\",\"randD\":\"$RD2\"}" >/dev/null
r=$(h2post $SEC/get-tid "{\"aiotDevPermId\":\"$id\"}")
check "get-tid: next T-ID = aiot crypto tid" "$("$AIOT" crypto tid --suite 3gpp --key $key --rand-n $RN --rand-d $RD2)" "$(echo "${r#* }" | jq -r .tid)"
# get-doa-authentication: MAC_N and XRES_D
for f in g256 gaes; do
	id=$(jq -r .aiotDevPermId $W/$f.jsonl | head -1); key=$(jq -r .key $W/$f.jsonl | head -1)
	suite=$(jq -r .suite $W/$f.jsonl | head -1); bits=$(jq -r .resBits $W/$f.jsonl | head -1)
	p2=$(echo -n "$id" | base64 -d | od -An -tx1 -v | tr -d ' \n'); rd=$(rand16)
	r=$(h2post $SEC/get-doa-authentication "{\"aiotDevPermId\":\"$id\",\"randD\":\"$rd\"}")
	rn=$(echo "${r#* }" | jq -r .randN)
	check "$f: DO-A macN xresD = aiot crypto macn resd" \
		"$("$AIOT" crypto macn --suite $suite --key $key --rand-n $rn --rand-d $rd --id $p2) $("$AIOT" crypto resd --suite $suite --key $key --rand-n $rn --rand-d $rd --id $p2 --bits $bits)" \
		"$(echo "${r#* }" | jq -r '"\(.macN) \(.xresD)"')"
done
kill $LASTPID; wait $LASTPID 2>/dev/null || true

# --- configuration errors: exit 2 with a message that says what is wrong ------------------------
# expect_exit2 LABEL MESSAGE-REGEX args...
expect_exit2() {
	local label=$1 re=$2; shift 2
	local rc=0
	timeout 20 "$ADM" --listen 127.0.0.1:0 --store sqlite:$DB --kek-file $KEK --workers 1 "$@" 2>$W/err.log || rc=$?
	if [ $rc -eq 2 ] && grep -Eq "$re" $W/err.log && ! grep -q -- "$PIN\|0000" $W/err.log; then ok "$label: exit 2"
	else bad "$label: rc $rc: $(cat $W/err.log)"; fi
}
printf '0000\n' >$W/badpin; chmod 600 $W/badpin
printf '%s\n' $PIN >$W/pin644; chmod 644 $W/pin644
expect_exit2 "module not loadable" "PKCS#11 module /nonexistent.so cannot be loaded" \
	--pkcs11-module /nonexistent.so --pkcs11-token aiot-keys --pkcs11-pin-file $W/pin
expect_exit2 "no token with that label" "no PKCS#11 token labelled 'other' \(.*'aiot-keys'" \
	--pkcs11-module $MOD --pkcs11-token other --pkcs11-pin-file $W/pin
expect_exit2 "wrong PIN" "wrong PIN for PKCS#11 token 'aiot-keys' \(CKR_PIN_INCORRECT" \
	--pkcs11-module $MOD --pkcs11-token aiot-keys --pkcs11-pin-file $W/badpin
expect_exit2 "PIN file readable by others" "PIN file.*pin644" \
	--pkcs11-module $MOD --pkcs11-token aiot-keys --pkcs11-pin-file $W/pin644
expect_exit2 "half the flags" "need all of --pkcs11-module, --pkcs11-token and --pkcs11-pin-file" \
	--pkcs11-module $MOD --pkcs11-token aiot-keys
expect_exit2 "token-backed store without the token" "the store's keys are in a PKCS#11 token"
"$AIOT" provision --store sqlite:$W/plain.db --kek-file $KEK --count 2 --out $W/plain.jsonl 2>>$W/prov.log
rc=0; "$ADM" --listen 127.0.0.1:0 --store sqlite:$W/plain.db --kek-file $KEK --workers 1 "${P11[@]}" 2>$W/err.log || rc=$?
[ $rc -eq 2 ] && grep -q "the store is not token-backed: device .* holds a key" $W/err.log && ok "plain store with the token: exit 2" || bad "plain store: rc $rc $(cat $W/err.log)"

# --- a device whose object is gone: named at start, 500 naming it, the others still served -----
tool --delete-object --type secrkey --id $OBJID >/dev/null
start_daemon $W/adm2.log "$ADM" --listen 127.0.0.1:0 --store sqlite:$DB --kek-file $KEK --workers 2 "${P11[@]}"
SEC=http://127.0.0.1:$PORT/nadm-sec/v1
grep -q "1 of 16 devices have no key object in PKCS#11 token 'aiot-keys' ($ID)" $W/adm2.log && ok "missing object named at start" || bad "start warning: $(cat $W/adm2.log)"
r=$(h2post $SEC/get-authentication "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randDlist\":[\"$RD\"]}")
check "missing object: get-authentication 500" 500 "${r%% *}"
echo "${r#* }" | jq -r .detail | grep -qF "holds no key object for aiotDevPermId $ID" && ok "500 ProblemDetails names the device" || bad "detail: $r"
r=$(h2post $SEC/get-session-key "{\"aiotDevPermId\":\"$ID\",\"randN\":\"$RN\",\"randD\":\"$RD\"}")
check "missing object: get-session-key 500" 500 "${r%% *}"
id=$(sed -n 2p $W/g128.jsonl | jq -r .aiotDevPermId)
r=$(h2post $SEC/get-authentication "{\"aiotDevPermId\":\"$id\",\"randN\":\"$RN\",\"randDlist\":[\"$RD\"]}")
check "another device still served" 200 "${r%% *}"
kill -0 $LASTPID && ok "aiot-adm still running" || bad "aiot-adm died"
kill $LASTPID; wait $LASTPID 2>/dev/null || true

# --- the same on Redis Cluster: the store holds references there too ----------------------------
RC=$S/scripts/redis-cluster.sh
export AIOT_REDIS_DIR=$W/redis
trap '"$RC" stop 2>/dev/null || true; cleanup' EXIT
"$RC" start >$W/rc.out 2>$W/rc.err || { cat $W/rc.err >&2; exit 1; }
URL=$(tail -1 $W/rc.out)
for s in 3gpp aes; do
	"$AIOT" provision --store "$URL" --kek-file $KEK "${P11[@]}" --count 2 --suite $s --group r$s --out $W/r$s.jsonl 2>>$W/prov.log
done
start_daemon $W/adm3.log "$ADM" --listen 127.0.0.1:0 --store "$URL" --kek-file $KEK --workers 2 "${P11[@]}"
SEC=http://127.0.0.1:$PORT/nadm-sec/v1
for s in 3gpp aes; do
	id=$(jq -r .aiotDevPermId $W/r$s.jsonl | head -1); key=$(jq -r .key $W/r$s.jsonl | head -1)
	r=$(h2post $SEC/get-authentication "{\"aiotDevPermId\":\"$id\",\"randN\":\"$RN\",\"randDlist\":[\"$RD\"]}")
	check "redis-cluster store, $s: XRES = aiot crypto res" "$("$AIOT" crypto res --suite $s --key $key --rand-n $RN --rand-d $RD)" \
		"$(echo "${r#* }" | jq -r '.authDataSets[0].authDataSet[0].xres')"
done
! grep -q -- "$PIN" $W/adm.log $W/adm2.log $W/prov.log && ok "the PIN is in no log" || bad "PIN logged"
finish
