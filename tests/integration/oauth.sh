#!/usr/bin/env bash
# OAuth 2.0 access tokens at the producers (issue 14 items 2, 3, 8): the real aiot-adm and
# aiot-aiotf with --oauth2-required, driven by curl with tokens minted by `aiot token sign`
# and by an independent implementation (PyJWT, python hmac: tests/tools/jwt_forge.py).
# Every forged or misused token is refused with the RFC 6750 status and challenge and a
# ProblemDetails body; genuine ones pass; mutual TLS binds sub to the client certificate's NF
# instance (URI SAN urn:uuid, `aiot pki --nf-id`); /metrics needs no token.
source "$(dirname "$0")/lib.bash"
FORGE=$S/tests/tools/jwt_forge.py
NRF_ID=6b1e0f4e-2c4a-4d59-9a51-0d6f8c1e2a10
ADM_ID=2f0c4b4e-7d1a-4e2b-9c3d-5a6b7c8d9e01
AIOTF_ID=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
ROGUE_ID=11111111-2222-4333-8444-555555555555

KID=$("$AIOT" token keygen --key $W/nrf.pem --pub $W/nrf.pub)
check "NRF key file mode 0600" 600 "$(stat -c %a $W/nrf.pem)"
check "kid = RFC 7638 thumbprint as PyJWT's JWK gives it" "$("$FORGE" kid $W/nrf.pub)" "$KID"
"$AIOT" provision --store sqlite:$W/adm.db --kek-file $W/kek --count 1 --out $W/d.jsonl 2>/dev/null
OAUTH=(--oauth2-required --nrf-public-key $W/nrf.pub --oauth2-issuer $NRF_ID)
start_daemon $W/adm.log "$B/aiot-adm" --listen 127.0.0.1:0 --store sqlite:$W/adm.db \
	--kek-file $W/kek --workers 2 --metrics 127.0.0.1:0 --nf-instance-id $ADM_ID "${OAUTH[@]}"
SEC=http://127.0.0.1:$PORT/nadm-sec/v1
grep -q "OAuth 2.0: required .*kid $KID" $W/adm.log && ok "ADM logs OAuth 2.0 required, kid $KID" || bad "ADM log: $(cat $W/adm.log)"

NOW=$(date +%s)
# mint [aiot token sign flags...]: a token of the NRF for the AIOTF, overridable per flag
mint() {
	local iss=$NRF_ID sub=$AIOTF_ID aud=ADM scope=nadm-sec extra=()
	while [ $# -gt 0 ]; do
		case $1 in --iss) iss=$2 ;; --sub) sub=$2 ;; --aud) aud=$2 ;; --scope) scope=$2 ;;
		*) extra+=("$1" "$2") ;; esac
		shift 2
	done
	"$AIOT" token sign --key $W/nrf.pem --iss "$iss" --sub "$sub" --aud "$aud" --scope "$scope" "${extra[@]}"
}
claims() { # the claims of a valid token as JSON
	echo "{\"iss\":\"$NRF_ID\",\"sub\":\"$AIOTF_ID\",\"aud\":\"${1:-ADM}\",\"scope\":\"nadm-sec\",\"exp\":$((NOW + 600)),\"iat\":$NOW}"
}
# call URL TOKEN [curl args]: "STATUS|WWW-Authenticate|content-type" (TOKEN "-": none)
call() {
	local url=$1 tok=$2; shift 2
	local auth=(); [ "$tok" != - ] && auth=(-H "authorization: Bearer $tok")
	local st
	st=$(curl -sS -o $W/body -D $W/hdr -w '%{http_code}' -X POST -H 'content-type: application/json' \
		--data-binary "${BODY:-}" "${auth[@]}" "$@" "$url")
	local www ct
	www=$(sed -n 's/^www-authenticate: \(.*\)\r$/\1/Ip' $W/hdr)
	ct=$(sed -n 's/^content-type: \(.*\)\r$/\1/Ip' $W/hdr)
	echo "$st|$www|$ct"
}
H2=(--http2-prior-knowledge)
INV='Bearer error="invalid_token"'
PJ=application/problem+json
refused() { # NAME TOKEN STATUS WWW [url]
	check "$1" "$3|$4|$PJ" "$(call "${5:-$SEC/get-rand}" "$2" "${H2[@]}")"
	jq -e ".status == $3" $W/body >/dev/null && ok "$1: ProblemDetails status $3" || bad "$1: body $(cat $W/body)"
}

# --- genuine tokens -----------------------------------------------------------------------
T=$(mint)
check "valid token (aiot token sign): get-rand 200" "200||application/json" "$(call $SEC/get-rand "$T" "${H2[@]}")"
check "the same token again (cached): 200" "200||application/json" "$(call $SEC/get-rand "$T" "${H2[@]}")"
check "PyJWT verifies aiot's token with the NRF public key" "$AIOTF_ID" "$("$FORGE" verify $W/nrf.pub ADM $NRF_ID "$T")"
P=$("$FORGE" es256 $W/nrf.pem "$KID" "$(claims)")
check "PyJWT-signed ES256 token: get-rand 200" "200||application/json" "$(call $SEC/get-rand "$P" "${H2[@]}")"
check "aiot token verify accepts PyJWT's token" 0 "$("$AIOT" token verify --pub $W/nrf.pub --iss $NRF_ID --aud ADM --scope nadm-sec --token "$P" >/dev/null; echo $?)"
A=$(mint --aud "$ROGUE_ID,$ADM_ID")
check "aud an array of NF instance IDs naming the ADM's: 200" "200||application/json" "$(call $SEC/get-rand "$A" "${H2[@]}")"

# --- every refusal ------------------------------------------------------------------------
refused "no token: 401" - 401 Bearer
refused "alg none: 401" "$("$FORGE" none "$KID" "$(claims)")" 401 "$INV"
refused "HS256 keyed with the NRF's public key: 401" "$("$FORGE" hs256 $W/nrf.pub "$KID" "$(claims)")" 401 "$INV"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $W/rogue.pem 2>/dev/null
openssl pkey -in $W/rogue.pem -pubout -out $W/rogue.pub 2>/dev/null
refused "unknown kid (another key, its own kid): 401" "$("$FORGE" es256 $W/rogue.pem "$("$FORGE" kid $W/rogue.pub)" "$(claims)")" 401 "$INV"
refused "another key under the NRF's kid: 401" "$("$FORGE" es256 $W/rogue.pem "$KID" "$(claims)")" 401 "$INV"
refused "one signature bit flipped: 401" "$("$FORGE" flip "$T")" 401 "$INV"
refused "expired: 401" "$(mint --iat $((NOW - 700)) --exp $((NOW - 31)))" 401 'Bearer error="invalid_token", error_description="expired"'
check "expired 20 s ago, within the 30 s leeway: 200" "200||application/json" "$(call $SEC/get-rand "$(mint --iat $((NOW - 700)) --exp $((NOW - 20)))" "${H2[@]}")"
refused "not yet valid (nbf in an hour): 401" "$(mint --nbf $((NOW + 3600)))" 401 'Bearer error="invalid_token", error_description="not yet valid"'
refused "wrong aud (AIOTF): 401" "$(mint --aud AIOTF)" 401 'Bearer error="invalid_token", error_description="wrong audience"'
refused "aud an array without the ADM's instance ID: 401" "$(mint --aud "$ROGUE_ID,ADM")" 401 'Bearer error="invalid_token", error_description="wrong audience"'
refused "aud the ADM's instance ID as a string (an NFType there): 401" "$(mint --aud $ADM_ID)" 401 'Bearer error="invalid_token", error_description="wrong audience"'
refused "sub not an NfInstanceId: 401" "$(mint --sub aiotf)" 401 "$INV"
refused "wrong iss: 401" "$(mint --iss $ROGUE_ID)" 401 "$INV"
refused "missing scope (nadm-dm for Nadm_Sec): 403" "$(mint --scope nadm-dm)" 403 'Bearer error="insufficient_scope"'
refused "scope of Nadm_Sec on Nadm_DM: 403" "$T" 403 'Bearer error="insufficient_scope"' "http://127.0.0.1:$PORT/nadm-dm/v1/af-authorization-data"
refused "malformed base64url: 401" 'eyJhbGciOiJFUzI1NiJ9!.e30.AAAA' 401 "$INV"
refused "header not JSON: 401" "$("$FORGE" raw '{"alg":"ES256",' "$(claims)")" 401 "$INV"
refused "claims not JSON under a valid signature: 401" "$("$AIOT" token sign --key $W/nrf.pem --claims 'not json')" 401 "$INV"
refused "oversized token (5000 octets): 401" "$(head -c 3750 /dev/zero | base64 -w0 | tr '+/' '-_' | tr -d '=').e30.AAAA" 401 "$INV"
check "two Authorization fields: 400" "400|Bearer error=\"invalid_request\"|$PJ" \
	"$(call $SEC/get-rand "$T" "${H2[@]}" -H "authorization: Bearer $T")"
check "Basic credentials are no token: 401" "401|Bearer|$PJ" "$(call $SEC/get-rand - "${H2[@]}" -H 'authorization: Basic YTpi')"
check "/metrics needs no token (not an SBI service)" 200 "$(curl -s -o $W/metrics -w '%{http_code}' http://127.0.0.1:$MPORT/metrics)"
m() { sed -n "s/^aiot_oauth2_refused_total{reason=\"$1\"} //p" $W/metrics; }
check "/metrics: refusals by reason (no_token, bad_alg, bad_kid, bad_signature)" "3 2 1 2" "$(m no_token) $(m bad_alg) $(m bad_kid) $(m bad_signature)"
promtool check metrics <$W/metrics >/dev/null 2>&1 && ok "promtool accepts /metrics" || bad "promtool: $(promtool check metrics <$W/metrics 2>&1 | head -3)"

# --- mutual TLS: sub must be the client certificate's NF instance, operation scopes on ------
"$AIOT" pki --out $W/pki --names adm,aiotf,rogue --nf-id aiotf=$AIOTF_ID --nf-id rogue=$ROGUE_ID >/dev/null
openssl x509 -in $W/pki/aiotf.crt -noout -ext subjectAltName | grep -q "URI:urn:uuid:$AIOTF_ID" &&
	ok "aiot pki --nf-id: URI SAN urn:uuid:$AIOTF_ID" || bad "no URI SAN in aiotf.crt"
"$AIOT" provision --store sqlite:$W/adm2.db --kek-file $W/kek --count 1 --out $W/d2.jsonl 2>/dev/null
cat >$W/adm2.yaml <<YAML
listen: 127.0.0.1:0
store: sqlite:$W/adm2.db
kek-file: $W/kek
workers: 1
nf-instance-id: $ADM_ID
tls:
  cert: $W/pki/adm.crt
  key: $W/pki/adm.key
  ca: $W/pki/ca.crt
oauth2:
  required: true
  nrf-public-key: $W/nrf.pub
  issuer: $NRF_ID
  operation-scopes: true
  leeway-s: 10
YAML
start_daemon $W/adm2.log "$B/aiot-adm" -c $W/adm2.yaml
grep -q "leeway 10 s, service and operation scopes" $W/adm2.log && ok "oauth2 settings from the YAML file" || bad "adm2 log: $(cat $W/adm2.log)"
TLS=https://127.0.0.1:$PORT/nadm-sec/v1/get-rand
as() { echo --cacert $W/pki/ca.crt --cert $W/pki/$1.crt --key $W/pki/$1.key; }
OP=$(mint --scope "nadm-sec nadm-sec:get-rand:invoke")
check "mTLS, sub = the peer's NF instance, operation scope: 200" "200||application/json" "$(call $TLS "$OP" $(as aiotf))"
check "the AIOTF's token presented by another NF (sub != peer): 401" "401|$INV|$PJ" "$(call $TLS "$OP" $(as rogue))"
check "a client certificate without an NF instance ID: sub not bound, 200" "200||application/json" "$(call $TLS "$OP" $(as adm))"
check "expired 20 s ago, beyond the file's 10 s leeway: 401" "401|Bearer error=\"invalid_token\", error_description=\"expired\"|$PJ" \
	"$(call $TLS "$(mint --scope 'nadm-sec nadm-sec:get-rand:invoke' --iat $((NOW - 700)) --exp $((NOW - 20)))" $(as aiotf))"
check "service scope only, operation scope required: 403" "403|Bearer error=\"insufficient_scope\"|$PJ" "$(call $TLS "$T" $(as aiotf))"
check "scope of another operation (get-tid): 403" "403|Bearer error=\"insufficient_scope\"|$PJ" \
	"$(call $TLS "$(mint --scope 'nadm-sec nadm-sec:get-tid:invoke')" $(as aiotf))"

# --- the AIOTF ------------------------------------------------------------------------------
start_daemon $W/aiotf.log "$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 --ng-transport tcp \
	--adm http://127.0.0.1:1 --nf-instance-id $AIOTF_ID "${OAUTH[@]}" --oauth2.operation-scopes true
INVU=http://127.0.0.1:$PORT/naiotf-aiot/v1/request-inv
AFT() { mint --sub 5d4c3b2a-1908-4a7b-8c6d-5e4f3a2b1c0d --aud "${1:-AIOTF}" --scope "${2:-naiotf-aiot naiotf-aiot:inventory}"; }
refused "AIOTF: no token: 401" - 401 Bearer $INVU
check "a bad oauth2 setting is a configuration error (exit 2)" 2 "$("$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 \
	--adm http://127.0.0.1:1 "${OAUTH[@]}" --oauth2.leeway-s 31 2>/dev/null; echo $?)"
check "oauth2.required without the NRF's key: exit 2" 2 "$("$B/aiot-aiotf" --listen 127.0.0.1:0 --ng-listen 127.0.0.1:0 \
	--adm http://127.0.0.1:1 --oauth2-required --oauth2-issuer $NRF_ID 2>/dev/null; echo $?)"
refused "AIOTF: token for the ADM: 401" "$(AFT ADM)" 401 'Bearer error="invalid_token", error_description="wrong audience"' $INVU
refused "AIOTF: no inventory scope: 403" "$(AFT AIOTF 'naiotf-aiot naiotf-aiot:command')" 403 'Bearer error="insufficient_scope"' $INVU
refused "AIOTF: alg none: 401" "$("$FORGE" none "$KID" "$(claims AIOTF)")" 401 "$INV" $INVU
BODY='{}' r=$(call $INVU "$(AFT)" "${H2[@]}")
check "AIOTF: valid token reaches the handler (400 for an empty InventoryRequest)" "400||$PJ" "$r"
grep -q "OAuth 2.0: required" $W/aiotf.log && ok "AIOTF logs OAuth 2.0 required" || bad "AIOTF log"
finish
