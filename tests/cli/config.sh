# Configuration errors and exit codes of every program: 0 ok, 1 runtime failure, 2 bad
# command line or configuration. An unknown key names FILE:LINE and the nearest valid key; a
# key given twice names both lines. $1 = the aiot binary (the daemons sit beside it).
set -uo pipefail
B=$(cd "$(dirname "$1")" && pwd)
W=$(mktemp -d /tmp/aiot-cfg.XXXXXX)
trap 'rm -rf "$W"' EXIT
FAILS=0
CHECKS=0
ok() { CHECKS=$((CHECKS + 1)); echo "ok   $*"; }
bad() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL $*" >&2; }

# expect NAME CODE STDERR-FRAGMENT cmd args...: exit status and a fixed string of stderr.
expect() {
	local name=$1 code=$2 frag=$3 rc=0
	shift 3
	timeout 20 "$@" >"$W/out" 2>"$W/err" </dev/null || rc=$?
	if [ "$rc" != "$code" ]; then
		bad "$name: exit $rc, expected $code ($(head -c 300 "$W/err"))"
	elif [ -n "$frag" ] && ! grep -qF -- "$frag" "$W/err"; then
		bad "$name: stderr lacks '$frag': $(head -c 300 "$W/err")"
	else
		ok "$name: exit $rc${frag:+, '$frag'}"
	fi
}

for x in aiot-adm aiot-aiotf aiot-reader aiot-devsim; do
	[ -x "$B/$x" ] || { echo "$x not built: skipped"; exit 0; }
done

# A typo in a nested key, on line 4, for each daemon: exit 2, FILE:LINE and a suggestion.
typo() { # daemon file-text key suggestion
	local f=$W/$1-typo.yaml
	printf '%s\n' "$2" >"$f"
	expect "$1: typo key" 2 "$1: $f:4: unknown key '$3' (did you mean '$4'?)" "$B/$1" -c "$f"
}
typo aiot-adm $'listen: 127.0.0.1:0\nlimits:\n  max-body: 65536\n  max-streem: 10' \
	limits.max-streem limits.max-streams
typo aiot-aiotf $'name: aiotf-1\nng:\n  listen: 127.0.0.1:0\n  report-rat: 10' \
	ng.report-rat ng.report-rate
typo aiot-reader $'air: 127.0.0.1:9\nname: r1\nreader-index: 2\ngnb-idd: 5' gnb-idd gnb-id
# far from every key: no suggestion
printf 'listen: 127.0.0.1:0\nfrobnicate: 1\n' >$W/far.yaml
expect "aiot-adm: unknown key, nothing near" 2 "$W/far.yaml:2: unknown key 'frobnicate'" \
	"$B/aiot-adm" -c $W/far.yaml
grep -q 'did you mean' $W/err && bad "a suggestion for 'frobnicate': $(cat $W/err)" ||
	ok "no suggestion for a key far from every valid one"

# Duplicate keys: a leaf, a mapping, and the same setting written nested and dotted.
printf 'listen: 127.0.0.1:0\nworkers: 2\nlisten: 127.0.0.1:1\n' >$W/dup1.yaml
printf 'limits:\n  max-body: 65536\nworkers: 2\nlimits:\n  max-streams: 8\n' >$W/dup2.yaml
printf 'ng:\n  report-rate: 5\nng.report-rate: 6\n' >$W/dup3.yaml
for d in aiot-adm aiot-aiotf aiot-reader; do
	expect "$d: duplicate leaf" 2 "$W/dup1.yaml:3: duplicate key 'listen' (first at $W/dup1.yaml:1)" \
		"$B/$d" -c $W/dup1.yaml
done
expect "aiot-adm: duplicate mapping" 2 "$W/dup2.yaml:4: duplicate key 'limits' (first at $W/dup2.yaml:1)" \
	"$B/aiot-adm" -c $W/dup2.yaml
expect "aiot-aiotf: nested and dotted" 2 "$W/dup3.yaml:3: duplicate key 'ng.report-rate' (first at $W/dup3.yaml:2)" \
	"$B/aiot-aiotf" -c $W/dup3.yaml

# Bad values name their line too; bad flags and YAML are usage errors as well.
printf 'listen: 127.0.0.1:0\nworkers: many\n' >$W/val.yaml
expect "aiot-adm: bad value" 2 "$W/val.yaml:2: workers: 'many' is not an integer" \
	"$B/aiot-adm" -c $W/val.yaml
printf 'listen: [a, b]\n' >$W/seq.yaml
expect "aiot-aiotf: a list" 2 "$W/seq.yaml:1: lists are not supported" "$B/aiot-aiotf" -c $W/seq.yaml
expect "aiot-adm: missing file" 2 "$W/none.yaml" "$B/aiot-adm" -c $W/none.yaml
expect "aiot-adm: store missing" 2 "store and kek-file are required" "$B/aiot-adm"
expect "aiot-adm: unknown flag" 2 "" "$B/aiot-adm" --bogus 1
expect "aiot-aiotf: stray argument" 2 "unexpected argument 'x'" "$B/aiot-aiotf" x
expect "aiot-reader: bad log level" 2 "log-level: 'loud'" "$B/aiot-reader" --log-level loud
expect "aiot-devsim: unknown flag" 2 "" "$B/aiot-devsim" --bogus 1
expect "aiot-devsim: bad number" 2 "loss: 'x'" "$B/aiot-devsim" --devices $W/d.jsonl --loss x
expect "aiot: unknown command" 2 "" "$1" frobnicate
expect "aiot crypto: bad hex" 2 "" "$1" crypto kdf --key zz --fc 01
for d in aiot-adm aiot-aiotf aiot-reader aiot-devsim; do
	expect "$d --help" 0 "" "$B/$d" --help
done

# A runtime failure, after a valid configuration: 1.
expect "aiot-adm: KEK file missing (runtime)" 1 "$W/no-kek" "$B/aiot-adm" --store sqlite:$W/a.db \
	--kek-file $W/no-kek --listen 127.0.0.1:0

echo "config.sh: $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
