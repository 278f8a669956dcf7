/* SPDX-License-Identifier: Apache-2.0 */
/* The access token parser (src/oauth): the input as a compact JWS through the verifier
 * (form, header, signature), as a claims object through the parser and the policy, and, signed
 * with the fuzzer's own key, through sign then verify, which must agree with the parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "oauth/jws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key;
static char kid[AIOT_JWS_KID_LEN + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const aiot_jwt_policy pol = {
	    .issuer = "6b1e0f4e-2c4a-4d59-9a51-0d6f8c1e2a10", .nf_type = "ADM", .leeway_s = 30};
	static const char *const scopes[] = {"nadm-sec", NULL};
	aiot_jwt_claims c, c2;
	uint8_t out[4096];
	char err[128], *text, *tok = NULL;

	if (key == NULL && ((key = EVP_EC_gen("P-256")) == NULL || aiot_jws_kid(key, kid) != 0))
		abort();
	(void)aiot_b64url_decode((const char *)data, size, out, sizeof out);
	(void)aiot_jws_verify_es256(key, kid, (const char *)data, size, &c);
	aiot_jwt_status st = aiot_jwt_claims_parse(data, size, &c);
	if (st == AIOT_JWT_OK)
		(void)aiot_jwt_validate(&c, &pol, 1800000000, "peer", scopes);
	if (size == 0 || size > 2048 || memchr(data, 0, size) != NULL ||
	    (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (aiot_jws_sign_es256(key, kid, text, &tok, err, sizeof err) == 0 &&
	    aiot_jws_verify_es256(key, kid, tok, strlen(tok), &c2) !=
	        (strlen(tok) > AIOT_JWS_MAX_TOKEN ? AIOT_JWT_TOO_LARGE : st))
		abort(); /* the mirror: a signed claims text verifies exactly as it parses */
	free(tok);
	free(text);
	return 0;
}
