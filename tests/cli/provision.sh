#!/usr/bin/env bash
# `aiot provision`: 1000 devices (JSONL, file modes, row count, group code, no key in the
# database files), import into a second store, every class of bad argument and bad import
# line failing clearly, and the provisioning rate for 100,000 devices.
# usage: provision.sh path/to/aiot source-dir
set -euo pipefail
AIOT=$1
T=$(mktemp -d /tmp/aiot-provision-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
checks=0

ok() { checks=$((checks + 1)); echo "ok   $1"; }
bad() { checks=$((checks + 1)); fail=$((fail + 1)); echo "FAIL $1" >&2; }
expect_eq() { # name expected actual
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected '$2', got '$3'"; fi
}
# expect_fail name exit-code message-fragment -- command...
expect_fail() {
	local name=$1 code=$2 frag=$3 rc=0
	shift 4
	"$@" >"$T/out.txt" 2>"$T/err.txt" || rc=$?
	if [ "$rc" -ne "$code" ]; then
		bad "$name: exit $rc, expected $code ($(head -c 300 "$T/err.txt"))"
	elif ! grep -qF -- "$frag" "$T/err.txt"; then
		bad "$name: stderr lacks '$frag': $(head -c 300 "$T/err.txt")"
	else
		ok "$name ($(head -n1 "$T/err.txt" | cut -c1-110))"
	fi
}
mode() { stat -c %a "$1"; }
count() { sqlite3 "$1" 'select count(*) from devices'; }

# --- 1000 devices -------------------------------------------------------------------------
"$AIOT" provision --store "sqlite:$T/a.db" --kek-file "$T/kek" --count 1000 --group line-7 \
	--privacy --res-bits 96 --out "$T/a.jsonl" 2>"$T/err.txt"
ok "provision 1000: $(tail -n1 "$T/err.txt")"
expect_eq "JSONL has 1000 lines" 1000 "$(wc -l <"$T/a.jsonl")"
re='^\{"aiotDevPermId":"[A-Za-z0-9+/]{16}","key":"[0-9a-f]{32}","suite":"3gpp","resBits":96,"group":"line-7","privacy":true,"tid":"[0-9a-f]{32}"\}$'
expect_eq "every line has the documented shape" 1000 "$(grep -cE "$re" "$T/a.jsonl")"
expect_eq "permanent IDs unique" 1000 "$(grep -o '"aiotDevPermId":"[^"]*"' "$T/a.jsonl" | sort -u | wc -l)"
expect_eq "keys unique" 1000 "$(grep -o '"key":"[^"]*"' "$T/a.jsonl" | sort -u | wc -l)"
expect_eq "KEK file mode" 600 "$(mode "$T/kek")"
expect_eq "KEK file size" 32 "$(stat -c %s "$T/kek")"
expect_eq "JSONL mode (it holds keys)" 600 "$(mode "$T/a.jsonl")"
expect_eq "database mode" 600 "$(mode "$T/a.db")"
expect_eq "sqlite3 count(*)" 1000 "$(count "$T/a.db")"
code=$(printf '%s' line-7 | sha256sum | cut -c1-8 | tr a-f A-F)
expect_eq "group code = SHA-256(group)[0..4]" "$code" \
	"$(sqlite3 "$T/a.db" 'select distinct hex(substr(perm_id,1,4)) from devices')"
expect_eq "12-byte permanent IDs" 12 "$(sqlite3 "$T/a.db" 'select distinct length(perm_id) from devices')"
first_id=$(head -n1 "$T/a.jsonl" | sed 's/.*"aiotDevPermId":"\([^"]*\)".*/\1/' | base64 -d | xxd -p)
first_tid=$(head -n1 "$T/a.jsonl" | sed 's/.*"tid":"\([^"]*\)".*/\1/')
expect_eq "T-ID stored with its device" "${first_tid^^}" \
	"$(sqlite3 "$T/a.db" "select hex(tid) from devices where perm_id = x'$first_id'")"
expect_eq "tid_type STORED" 0 "$(sqlite3 "$T/a.db" 'select distinct tid_type from devices')"

# No key in the clear in the database files (the -wal too, if any): hex of all the bytes.
cat "$T"/a.db* | xxd -p | tr -d '\n' >"$T/db.hex"
grep -o '"key":"[0-9a-f]*"' "$T/a.jsonl" | cut -d'"' -f4 >"$T/keys.txt"
grep -q "$first_id" "$T/db.hex" && ok "positive control: a permanent ID is found in the file hex" \
	|| bad "positive control: permanent ID not found in the database hex"
expect_eq "no key from the JSONL in the database files" 0 "$(grep -o -F -f "$T/keys.txt" "$T/db.hex" | wc -l)"

# Other suite and key sizes.
"$AIOT" provision --store "sqlite:$T/a.db" --kek-file "$T/kek" --count 10 --suite aes \
	--res-bits 32 --out "$T/aes.jsonl" 2>/dev/null
expect_eq "suite aes: 128-bit keys, no privacy" 10 \
	"$(grep -cE '"key":"[0-9a-f]{32}","suite":"aes","resBits":32,"group":"default"\}$' "$T/aes.jsonl")"
"$AIOT" provision --store "sqlite:$T/a.db" --kek-file "$T/kek" --count 10 --key-bits 256 \
	--out "$T/k256.jsonl" 2>/dev/null
expect_eq "suite 3gpp --key-bits 256" 10 "$(grep -cE '"key":"[0-9a-f]{64}","suite":"3gpp"' "$T/k256.jsonl")"
expect_eq "store holds 1020" 1020 "$(count "$T/a.db")"

# --- import into a second store -----------------------------------------------------------
"$AIOT" provision --store "sqlite:$T/b.db" --kek-file "$T/kek2" --import "$T/a.jsonl" 2>"$T/err.txt"
ok "import: $(tail -n1 "$T/err.txt")"
expect_eq "imported count" 1000 "$(count "$T/b.db")"
q='select hex(perm_id), group_name, suite, res_bits, privacy, hex(tid) from devices order by perm_id'
expect_eq "imported rows equal the originals" "$(sqlite3 "$T/a.db" "$q" | grep -i "^$code" )" \
	"$(sqlite3 "$T/b.db" "$q")"
cat "$T"/b.db* | xxd -p | tr -d '\n' >"$T/db2.hex"
expect_eq "no key in the second store's files" 0 "$(grep -o -F -f "$T/keys.txt" "$T/db2.hex" | wc -l)"
expect_fail "re-import: duplicate IDs refused" 1 "already exists" -- \
	"$AIOT" provision --store "sqlite:$T/b.db" --kek-file "$T/kek2" --import "$T/a.jsonl"
expect_eq "nothing from the refused batch" 1000 "$(count "$T/b.db")"
"$AIOT" provision --store "sqlite:$T/b.db" --kek-file "$T/kek2" --import "$T/aes.jsonl" 2>/dev/null
expect_eq "import of aes devices" 1010 "$(count "$T/b.db")"

# --- bad arguments ------------------------------------------------------------------------
P=("$AIOT" provision --store "sqlite:$T/c.db" --kek-file "$T/kek")
expect_fail "no --out" 2 "--count and --out are required" -- "${P[@]}" --count 5
expect_fail "no --store" 2 "--store and --kek-file are required" -- "$AIOT" provision --kek-file "$T/kek" --count 1 --out "$T/x"
expect_fail "--count 0" 2 "--count" -- "${P[@]}" --count 0 --out "$T/x.jsonl"
expect_fail "--count -1" 2 "not an unsigned integer" -- "${P[@]}" --count -1 --out "$T/x.jsonl"
expect_fail "--count abc" 2 "not an unsigned integer" -- "${P[@]}" --count abc --out "$T/x.jsonl"
expect_fail "--suite bogus" 2 "not 3gpp or aes" -- "${P[@]}" --count 1 --suite des --out "$T/x.jsonl"
expect_fail "--res-bits 48" 2 "not 32, 64, 96 or 128" -- "${P[@]}" --count 1 --res-bits 48 --out "$T/x.jsonl"
expect_fail "--key-bits 192" 2 "not 128 or 256" -- "${P[@]}" --count 1 --key-bits 192 --out "$T/x.jsonl"
expect_fail "aes with 256-bit keys" 2 "128-bit keys only" -- "${P[@]}" --count 1 --suite aes --key-bits 256 --out "$T/x.jsonl"
expect_fail "empty group" 2 "--group" -- "${P[@]}" --count 1 --group "" --out "$T/x.jsonl"
expect_fail "64-character group" 2 "--group" -- "${P[@]}" --count 1 --group "$(printf 'g%.0s' {1..64})" --out "$T/x.jsonl"
expect_fail "unknown option" 2 "unknown or incomplete option" -- "${P[@]}" --count 1 --bogus --out "$T/x.jsonl"
expect_fail "--import with --count" 2 "--import takes no" -- "${P[@]}" --count 1 --import "$T/a.jsonl"
expect_fail "--out exists" 1 "refusing to overwrite" -- "${P[@]}" --count 1 --out "$T/a.jsonl"
expect_fail "bad store URI" 1 "sqlite:PATH" -- "$AIOT" provision --store "redis:x" --kek-file "$T/kek" --count 1 --out "$T/y.jsonl"
cp "$T/kek" "$T/kek644"; chmod 644 "$T/kek644"
expect_fail "KEK readable by group/other" 1 "group/other" -- "$AIOT" provision --store "sqlite:$T/c.db" --kek-file "$T/kek644" --count 1 --out "$T/z1.jsonl"
head -c 31 /dev/urandom >"$T/kek31"; chmod 600 "$T/kek31"
expect_fail "KEK of 31 bytes" 1 "exactly 32 bytes" -- "$AIOT" provision --store "sqlite:$T/c.db" --kek-file "$T/kek31" --count 1 --out "$T/z2.jsonl"
expect_fail "wrong KEK for the store" 1 "wrong key-encryption key" -- "$AIOT" provision --store "sqlite:$T/a.db" --kek-file "$T/kek2" --count 1 --out "$T/z3.jsonl"
expect_eq "store unchanged by the failures" 1020 "$(count "$T/a.db")"

# --- bad import files: the error names the line; nothing is imported ------------------------
good=$(sed -n 2p "$T/a.jsonl")
key=$(echo "$good" | sed 's/.*"key":"\([^"]*\)".*/\1/')
id=$(echo "$good" | sed 's/.*"aiotDevPermId":"\([^"]*\)".*/\1/')
bad_import() { # name fragment bad-line
	{ sed -n 3,4p "$T/a.jsonl"; echo "$3"; sed -n 5p "$T/a.jsonl"; } >"$T/bad.jsonl"
	expect_fail "import: $1" 1 "$2" -- "$AIOT" provision --store "sqlite:$T/d.db" --kek-file "$T/kek" --import "$T/bad.jsonl"
	if [ -e "$T/d.db" ] && [ "$(count "$T/d.db")" != 0 ]; then bad "import: $1 imported something"; fi
}
bad_import "not JSON" "bad.jsonl:3: not a JSON object" '{"aiotDevPermId":'
bad_import "JSON array" ":3: not a JSON object" '[1,2]'
bad_import "trailing data" ":3: trailing characters" "$good x"
bad_import "bad base64 ID" ":3: aiotDevPermId" "${good/\"$id\"/\"$id=\"}"
bad_import "unpadded base64 ID" ":3: aiotDevPermId" "${good/\"$id\"/\"AAAAAAAAAAAAAAA\"}"
bad_import "short key" ":3: key" "${good/$key/${key:2}}"
bad_import "non-hex key" ":3: key" "${good/$key/zz${key:2}}"
bad_import "256-bit key for aes" ":3: key" "$(echo "${good/$key/$key$key}" | sed 's/"3gpp"/"aes"/')"
bad_import "unknown suite" ":3: suite" "${good/\"3gpp\"/\"des\"}"
bad_import "resBits 48" ":3: resBits" "${good/\"resBits\":96/\"resBits\":48}"
bad_import "resBits as a string" ":3: resBits" "${good/\"resBits\":96/\"resBits\":\"96\"}"
bad_import "unknown member" ':3: unknown member "color"' "${good/\{/\{\"color\":1,}"
bad_import "duplicate member" ':3: duplicate member "key"' "${good/\{/\{\"key\":\"$key\",}"
bad_import "missing member" ':3: missing member "group"' "${good/,\"group\":\"line-7\"/}"
bad_import "tid without privacy" ":3: tid given without" "${good/\"privacy\":true/\"privacy\":false}"
bad_import "short tid" ":3: tid" "$(echo "$good" | sed 's/"tid":"[0-9a-f]*"/"tid":"abcd"/')"
expect_fail "import: missing file" 1 "No such file" -- "$AIOT" provision --store "sqlite:$T/d.db" --kek-file "$T/kek" --import "$T/none.jsonl"
: >"$T/empty.jsonl"
expect_fail "import: empty file" 1 "no devices" -- "$AIOT" provision --store "sqlite:$T/d.db" --kek-file "$T/kek" --import "$T/empty.jsonl"


# --- files at rest: owner, mode, symbolic links; a failure leaves nothing behind ------------
ln -s "$T/kek" "$T/kek-link"
expect_fail "symlinked KEK refused" 1 "symbolic link" -- "$AIOT" provision --store "sqlite:$T/a.db" --kek-file "$T/kek-link" --count 1 --out "$T/s1.jsonl"
ln -s "$T/a.db" "$T/link.db"
expect_fail "symlinked store refused" 1 "symbolic link" -- "$AIOT" provision --store "sqlite:$T/link.db" --kek-file "$T/kek" --count 1 --out "$T/s2.jsonl"
if [ "$(id -u)" = 0 ]; then
	cp "$T/kek" "$T/kek-nobody"; chown nobody "$T/kek-nobody"
	expect_fail "KEK owned by another user refused" 1 "owned by uid" -- "$AIOT" provision --store "sqlite:$T/a.db" --kek-file "$T/kek-nobody" --count 1 --out "$T/s3.jsonl"
	cp "$T/a.db" "$T/nobody.db"; chown nobody "$T/nobody.db"
	expect_fail "store owned by another user refused" 1 "owned by uid" -- "$AIOT" provision --store "sqlite:$T/nobody.db" --kek-file "$T/kek" --count 1 --out "$T/s4.jsonl"
else
	echo "skip owner checks: not root (chown needs root)"
fi
cp "$T/a.db" "$T/g.db"; chmod 640 "$T/g.db"
expect_fail "group-readable store refused" 1 "group/other" -- "$AIOT" provision --store "sqlite:$T/g.db" --kek-file "$T/kek" --count 1 --out "$T/s5.jsonl"
for f in s1 s2 s3 s4 s5; do [ -e "$T/$f.jsonl" ] && bad "refused run left $f.jsonl"; done
expect_eq "refusals left the store unchanged" 1020 "$(count "$T/a.db")"
# A run that fails creates nothing: no empty output file, no KEK, no empty store; the retry works.
expect_fail "store in a missing directory" 1 "store" -- "$AIOT" provision --store "sqlite:$T/nodir/x.db" --kek-file "$T/kek-new" --count 5 --out "$T/f1.jsonl"
expect_eq "failed run: no output file, no KEK file" "no no" \
	"$([ -e "$T/f1.jsonl" ] && echo yes || echo no) $([ -e "$T/kek-new" ] && echo yes || echo no)"
expect_fail "wrong KEK (a new one) for an existing store" 1 "wrong key-encryption key" -- "$AIOT" provision --store "sqlite:$T/a.db" --kek-file "$T/kek-new" --count 5 --out "$T/f1.jsonl"
expect_eq "wrong-KEK run: no output file, no new KEK file" "no no" \
	"$([ -e "$T/f1.jsonl" ] && echo yes || echo no) $([ -e "$T/kek-new" ] && echo yes || echo no)"
expect_fail "--out exists, new store and KEK" 1 "refusing to overwrite" -- "$AIOT" provision --store "sqlite:$T/new.db" --kek-file "$T/kek-new" --count 5 --out "$T/a.jsonl"
expect_eq "that run: no store, lock or KEK left, the existing file kept" "0 1000" \
	"$(ls "$T"/new.db* "$T/kek-new" 2>/dev/null | wc -l) $(wc -l <"$T/a.jsonl")"
"$AIOT" provision --store "sqlite:$T/a.db" --kek-file "$T/kek" --count 5 --out "$T/f1.jsonl" 2>/dev/null \
	&& ok "the retry succeeds" || bad "the retry failed"
expect_eq "store holds 1025" 1025 "$(count "$T/a.db")"

# --- one process per store; SIGTERM finishes the batch: file and store in step -------------
"$AIOT" provision --store "sqlite:$T/t.db" --kek-file "$T/kek" --count 50000000 --out "$T/t.jsonl" 2>"$T/t.err" &
pv=$!
for _ in $(seq 500); do [ -s "$T/t.jsonl" ] && break; sleep 0.02; done
expect_fail "second process on a store in use refused (names the holder)" 1 "in use by another process (pid $pv" -- \
	"$AIOT" provision --store "sqlite:$T/t.db" --kek-file "$T/kek" --count 1 --out "$T/t2.jsonl"
[ -e "$T/t2.jsonl" ] && bad "refused second process left its output file"
ADM="$(dirname "$AIOT")/aiot-adm"
expect_fail "aiot-adm on a store in use refused" 1 "in use by another process" -- \
	"$ADM" --store "sqlite:$T/t.db" --kek-file "$T/kek" --listen 127.0.0.1:0
kill -TERM $pv
rc=0; wait $pv || rc=$?
expect_eq "SIGTERM mid-provision: exit 1, interrupted" "1 1" "$rc $(grep -c 'interrupted by signal 15' "$T/t.err")"
lines=$(wc -l <"$T/t.jsonl")
expect_eq "SIGTERM: every stored device has its line and vice versa ($lines)" "$lines" "$(count "$T/t.db")"
expect_eq "SIGTERM: no torn last line" "$lines" "$(grep -c '}$' "$T/t.jsonl")"
[ "$lines" -gt 0 ] && [ "$lines" -lt 50000000 ] && ok "SIGTERM landed mid-run" || bad "SIGTERM: $lines lines"
expect_fail "aiot-adm refuses a missing store (only provision creates one)" 1 "does not exist" -- \
	"$ADM" --store "sqlite:$T/missing.db" --kek-file "$T/kek" --listen 127.0.0.1:0
[ -e "$T/missing.db" ] && bad "aiot-adm created missing.db" || ok "no missing.db created"

# --- rate: 100,000 devices ----------------------------------------------------------------
start=$(date +%s.%N)
"$AIOT" provision --store "sqlite:$T/big.db" --kek-file "$T/kek" --count 100000 --privacy \
	--out "$T/big.jsonl" 2>"$T/err.txt"
end=$(date +%s.%N)
grep -q "100000 / 100000 devices" "$T/err.txt" && ok "progress lines on stderr" || bad "no progress line"
echo "rate: $(tail -n1 "$T/err.txt" | sed 's/^aiot provision: //'); wall $(echo "$end - $start" | bc 2>/dev/null || echo "?") s"
expect_eq "100,000 rows" 100000 "$(count "$T/big.db")"
expect_eq "100,000 lines" 100000 "$(wc -l <"$T/big.jsonl")"

echo "$((checks - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
