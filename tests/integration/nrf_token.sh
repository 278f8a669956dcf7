#!/usr/bin/env bash
# Nnrf_AccessToken end to end (issue 14 items 1, 4): aiot-nrf issues ES256 tokens to curl by
# POST /oauth2/token (an AccessTokenReq form), PyJWT verifies them with the public key the NRF
# wrote beside its signing key; every refusal is an AccessTokenErr with the RFC 6749 5.2 code;
# bodies validate against TS29510_Nnrf_AccessToken.yaml; under mutual TLS nfInstanceId must
# be the client certificate's NF instance.
source "$(dirname "$0")/lib.bash"
PY=/usr/bin/python3
FORGE=$S/tests/tools/jwt_forge.py
AIOTF_ID=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
ROGUE_ID=11111111-2222-4333-8444-555555555555
ADM_ID=2f0c4b4e-7d1a-4e2b-9c3d-5a6b7c8d9e01
nrf_yaml() { # DIR [extra YAML lines]
	mkdir -p $1
	cat >$1/nrf.yaml <<YAML
listen: 127.0.0.1:0
signing-key: $1/signing.pem
metrics: 127.0.0.1:0
workers: 1
token:
  lifetime-s: ${LIFETIME:-600}
  policy:
    AIOTF: nadm-sec nadm-dm
    AF: naiotf-aiot
${2:-}
YAML
}
nrf_yaml $W/n
start_daemon $W/nrf.log "$B/aiot-nrf" -c $W/n/nrf.yaml
NP=$PORT; NMP=$MPORT
NRF_ID=$(sed -n 's/.*nfInstanceId \([0-9a-f-]*\),.*/\1/p' $W/nrf.log)
[ -s $W/n/signing.pub.pem ] && openssl pkey -pubin -in $W/n/signing.pub.pem -noout 2>/dev/null &&
	ok "the NRF wrote its public key beside the signing key" || bad "no signing.pub.pem"
TOK=http://127.0.0.1:$NP/oauth2/token
M=$W/manifest; NB=0
# tok EXPECTED LABEL FORM [curl args]: the status; the body goes to check_bodies.py
tok() {
	local want=$1 label=$2 form=$3; shift 3
	NB=$((NB + 1)); BODY=$W/body.$NB
	local out st ct
	out=$(curl -sS --http2-prior-knowledge -D $W/hdr.$NB -o $BODY -w '%{http_code} %{content_type}' \
		-H 'content-type: application/x-www-form-urlencoded' --data-binary "$form" "$@" "${URL:-$TOK}")
	st=${out%% *}; ct=${out#* }; ct=${ct%%;*}
	check "$label: status" "$want" "$st"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' TS29510_Nnrf_AccessToken.yaml "POST /oauth2/token" "$st" "${ct:--}" "$BODY" "$label" >>$M
}
err_is() { check "$1: error" "$2" "$(jq -r .error $BODY)"; }
G="grant_type=client_credentials&nfInstanceId=$AIOTF_ID"

# --- a token, checked by an independent JWS implementation --------------------------------
tok 200 "AIOTF -> ADM, nadm-sec" "$G&nfType=AIOTF&targetNfType=ADM&scope=nadm-sec"
T=$(jq -r .access_token $BODY)
check "AccessTokenRsp: token_type, expires_in, scope" "Bearer 600 nadm-sec" "$(jq -r '"\(.token_type) \(.expires_in) \(.scope)"' $BODY)"
grep -qi '^cache-control: no-store' $W/hdr.$NB && grep -qi '^pragma: no-cache' $W/hdr.$NB &&
	ok "Cache-Control: no-store, Pragma: no-cache (RFC 6749 5.1)" || bad "headers: $(cat $W/hdr.$NB)"
check "PyJWT verifies it with the NRF's public key (aud ADM, iss the NRF): sub" "$AIOTF_ID" \
	"$("$FORGE" verify $W/n/signing.pub.pem ADM "$NRF_ID" "$T" 2>&1)"
C=$(echo "$T" | cut -d. -f2 | $PY -c 'import sys,base64;s=sys.stdin.read().strip();print(base64.urlsafe_b64decode(s+"="*(-len(s)%4)).decode())')
check "claims: iss, sub, aud, scope, exp - iat = the lifetime" "$NRF_ID $AIOTF_ID ADM nadm-sec 600" \
	"$(echo "$C" | jq -r '"\(.iss) \(.sub) \(.aud) \(.scope) \(.exp - .iat)"')"
check "aiot token verify accepts it too" 0 "$("$B/aiot" token verify --pub $W/n/signing.pub.pem --iss $NRF_ID --aud ADM --scope nadm-sec --token "$T" >/dev/null; echo $?)"
tok 200 "targetNfInstanceId, form escapes (+, %3A)" "$G&nfType=AIOTF&targetNfInstanceId=$ADM_ID&scope=nadm-sec+nadm-sec%3Aget-authentication%3Ainvoke"
T2=$(jq -r .access_token $BODY)
check "aud = [targetNfInstanceId], the operation scope granted by the service's rule" "[\"$ADM_ID\"] nadm-sec nadm-sec:get-authentication:invoke" \
	"$(echo "$T2" | cut -d. -f2 | $PY -c 'import sys,base64,json;s=sys.stdin.read().strip();c=json.loads(base64.urlsafe_b64decode(s+"="*(-len(s)%4)));print(json.dumps(c["aud"]),c["scope"])')"
tok 200 "AF -> AIOTF, naiotf-aiot" "grant_type=client_credentials&nfInstanceId=$ROGUE_ID&nfType=AF&targetNfType=AIOTF&scope=naiotf-aiot"

# --- refusals (RFC 6749 5.2 codes, 400 AccessTokenErr) -------------------------------------
tok 400 "grant_type=password" "grant_type=password&nfInstanceId=$AIOTF_ID&nfType=AIOTF&targetNfType=ADM&scope=nadm-sec"
err_is "grant_type=password" unsupported_grant_type
tok 400 "scope not allowed for AF" "grant_type=client_credentials&nfInstanceId=$ROGUE_ID&nfType=AF&targetNfType=ADM&scope=nadm-sec"
err_is "scope not allowed for AF" invalid_scope
tok 400 "NF type without a rule (default deny)" "grant_type=client_credentials&nfInstanceId=$ROGUE_ID&nfType=ADM&targetNfType=ADM&scope=nadm-sec"
err_is "NF type without a rule" unauthorized_client
tok 400 "malformed form (bad escape)" "$G&nfType=AIOTF&targetNfType=ADM&scope=nadm%zzsec"
err_is "malformed form" invalid_request
tok 400 "a parameter twice" "$G&nfType=AIOTF&targetNfType=ADM&scope=nadm-sec&scope=nadm-dm"
err_is "a parameter twice" invalid_request
tok 400 "unknown parameter" "$G&nfType=AIOTF&targetNfType=ADM&scope=nadm-sec&client_secret=x"
err_is "unknown parameter" invalid_request
tok 400 "no scope" "$G&nfType=AIOTF&targetNfType=ADM"
err_is "no scope" invalid_request
tok 400 "scope malformed" "$G&nfType=AIOTF&targetNfType=ADM&scope=nadm-sec++x"
err_is "scope malformed" invalid_scope
tok 400 "unregistered and no nfType" "$G&targetNfType=ADM&scope=nadm-sec"
err_is "unregistered and no nfType" invalid_request
tok 415 "JSON instead of a form" '{"grant_type":"client_credentials"}' -H 'content-type: application/json'
# a registered instance: nfType must be the profile's (or is taken from it)
curl -sS --http2-prior-knowledge -o /dev/null -X PUT -H content-type:application/json http://127.0.0.1:$NP/nnrf-nfm/v1/nf-instances/$ADM_ID \
	--data-binary "{\"nfInstanceId\":\"$ADM_ID\",\"nfType\":\"ADM\",\"nfStatus\":\"REGISTERED\",\"ipv4Addresses\":[\"127.0.0.1\"]}"
tok 400 "registered as ADM, asks as AIOTF" "grant_type=client_credentials&nfInstanceId=$ADM_ID&nfType=AIOTF&targetNfType=ADM&scope=nadm-sec"
err_is "registered as ADM, asks as AIOTF" invalid_client
tok 400 "registered as ADM, no nfType: the profile's type, no rule" "grant_type=client_credentials&nfInstanceId=$ADM_ID&targetNfType=ADM&scope=nadm-sec"
err_is "registered ADM without nfType" unauthorized_client

# --- mutual TLS: nfInstanceId must be the certificate's NF instance -------------------------
"$B/aiot" pki --out $W/pki --names nrf,aiotf,rogue --nf-id aiotf=$AIOTF_ID --nf-id rogue=$ROGUE_ID >/dev/null
nrf_yaml $W/t "tls:
  cert: $W/pki/nrf.crt
  key: $W/pki/nrf.key
  ca: $W/pki/ca.crt"
start_daemon $W/nrf-tls.log "$B/aiot-nrf" -c $W/t/nrf.yaml
as() { echo --cacert $W/pki/ca.crt --cert $W/pki/$1.crt --key $W/pki/$1.key; }
URL=https://127.0.0.1:$PORT/oauth2/token tok 200 "mTLS, nfInstanceId = the certificate's" "$G&nfType=AIOTF&targetNfType=ADM&scope=nadm-sec" $(as aiotf)
URL=https://127.0.0.1:$PORT/oauth2/token tok 400 "mTLS, nfInstanceId of another NF" "$G&nfType=AIOTF&targetNfType=ADM&scope=nadm-sec" $(as rogue)
err_is "mTLS, nfInstanceId of another NF" invalid_client

# --- metrics and the bodies -------------------------------------------------------------------
curl -s http://127.0.0.1:$NMP/metrics >$W/metrics
mt() { sed -n "s/^aiot_nrf_tokens_total{result=\"$1\"} //p" $W/metrics; }
check "/metrics: tokens issued, invalid_request, invalid_scope, unauthorized_client, invalid_client" "3 5 2 2 1" \
	"$(mt issued) $(mt invalid_request) $(mt invalid_scope) $(mt unauthorized_client) $(mt invalid_client)"
promtool check metrics <$W/metrics >/dev/null 2>&1 && ok "promtool accepts /metrics" || bad "promtool: $(promtool check metrics <$W/metrics 2>&1 | head -3)"
rc=0; $PY "$S/tests/schema/check_bodies.py" --spec "$S/spec/openapi" --batch $M >$W/check.txt 2>&1 || rc=$?
check "check_bodies.py: $(grep -c '^ok' $W/check.txt) bodies valid against TS29510_Nnrf_AccessToken.yaml" 0 $rc
[ $rc -eq 0 ] || cat $W/check.txt >&2
grep -q "eyJ" $W/nrf.log && bad "a token in the log" || ok "no token logged"
finish
