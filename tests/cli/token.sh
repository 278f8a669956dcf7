# `aiot token` and `aiot pki --nf-id`: what an operator or a script sees (exit status 0, 1 for a
# refused token or a file problem, 2 for a bad command line; the refusal's reason on stderr).
# $1 = the aiot binary.
set -uo pipefail
AIOT=$1
W=$(mktemp -d /tmp/aiot-token.XXXXXX)
trap 'rm -rf "$W"' EXIT
FAILS=0
CHECKS=0
ok() { CHECKS=$((CHECKS + 1)); echo "ok   $*"; }
bad() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL $*" >&2; }
# expect NAME CODE STDERR-FRAGMENT cmd args...
expect() {
	local name=$1 code=$2 frag=$3 rc=0
	shift 3
	"$@" >"$W/out" 2>"$W/err" </dev/null || rc=$?
	if [ "$rc" != "$code" ]; then
		bad "$name: exit $rc, expected $code ($(head -c 300 "$W/err"))"
	elif [ -n "$frag" ] && ! grep -qF -- "$frag" "$W/err"; then
		bad "$name: stderr lacks '$frag': $(head -c 300 "$W/err")"
	else
		ok "$name"
	fi
}
NRF=6b1e0f4e-2c4a-4d59-9a51-0d6f8c1e2a10
SUB=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d

K1=$("$AIOT" token keygen --key $W/nrf.pem --pub $W/nrf.pub)
K2=$("$AIOT" token keygen --key $W/nrf.pem) # loads the existing key
[ "$K1" = "$K2" ] && [ ${#K1} = 43 ] && ok "keygen twice: the same key, a 43-character kid" || bad "kid $K1 / $K2"
[ "$(stat -c %a $W/nrf.pem)" = 600 ] && ok "signing key mode 0600" || bad "mode $(stat -c %a $W/nrf.pem)"
[ "$("$AIOT" token kid --pub $W/nrf.pub)" = "$K1" ] && ok "kid of the public key = keygen's" || bad "kid --pub"
T=$("$AIOT" token sign --key $W/nrf.pem --iss $NRF --sub $SUB --aud ADM --scope 'nadm-sec nadm-dm')
V=(--pub $W/nrf.pub --iss $NRF --aud ADM)
expect "verify: a fresh token" 0 "" "$AIOT" token verify "${V[@]}" --scope nadm-dm --peer $SUB --token "$T"
echo "$T" | "$AIOT" token verify "${V[@]}" >/dev/null && ok "verify: the token on standard input" || bad "stdin"
expect "verify: missing scope" 1 "refused: no_scope" "$AIOT" token verify "${V[@]}" --scope nadm-sec:get-tid:invoke --token "$T"
expect "verify: another peer" 1 "refused: bad_sub" "$AIOT" token verify "${V[@]}" --peer $NRF --token "$T"
expect "verify: another audience" 1 "refused: bad_aud" "$AIOT" token verify --pub $W/nrf.pub --iss $NRF --aud AIOTF --token "$T"
expect "verify: another issuer" 1 "refused: bad_iss" "$AIOT" token verify --pub $W/nrf.pub --iss $SUB --aud ADM --token "$T"
expect "verify: expired" 1 "refused: expired" "$AIOT" token verify "${V[@]}" --token \
	"$("$AIOT" token sign --key $W/nrf.pem --iss $NRF --sub $SUB --aud ADM --scope a --iat 1000 --exp 2000)"
chmod 644 $W/nrf.pem
expect "sign: a group-readable key is refused" 1 "chmod 600" "$AIOT" token sign --key $W/nrf.pem --claims '{}'
expect "verify: no --pub" 2 "--pub FILE is required" "$AIOT" token verify --iss $NRF --aud ADM --token "$T"
expect "sign: --exp not a time" 2 "not a time" "$AIOT" token sign --key $W/nrf.pem --exp soon --claims '{}'
expect "token: unknown subcommand" 2 "keygen, kid, sign or verify" "$AIOT" token frobnicate
expect "pki --nf-id: not a UUID" 2 "NAME=UUID" "$AIOT" pki --out $W/pki --names adm --nf-id adm=123
expect "pki --nf-id: a name not in --names" 2 "NAME=UUID" "$AIOT" pki --out $W/pki --names adm --nf-id aiotf=$SUB
expect "pki --nf-id: valid" 0 "" "$AIOT" pki --out $W/pki --names adm,aiotf --nf-id aiotf=$SUB
openssl x509 -in $W/pki/aiotf.crt -noout -ext subjectAltName | grep -q "URI:urn:uuid:$SUB" && ok "aiotf.crt: URI SAN" || bad "no URI SAN"
openssl x509 -in $W/pki/adm.crt -noout -ext subjectAltName | grep -q "URI:" && bad "adm.crt has a URI SAN" || ok "adm.crt: no URI SAN"
echo "token.sh: $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
