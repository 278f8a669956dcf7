/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The claims of an access token (RFC 7519 4.1; TS 29.510 6.3.5.2.4 AccessTokenClaims: iss,
 * sub, aud, scope, exp required; iat, nbf optional) and what a producer checks of them
 * (TS 33.501 13.4.1.2): the issuer, itself in the audience, the time window, the subject
 * under mutual TLS, and the scopes of the service and operation.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "oauth/jws.h"
#include "sbi/sbi_json.h"
#include "svc/nf_id.h"

#define MAX_DATE 253402300799.0 /* 9999-12-31T23:59:59Z */

static int get_str(const cJSON *o, const char *name, char *out, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	size_t n;
	if (!cJSON_IsString(v) || (n = strlen(v->valuestring)) == 0 || n >= cap)
		return -1;
	memcpy(out, v->valuestring, n + 1);
	return 0;
}

/* NumericDate (RFC 7519 2): 1 present, 0 absent, -1 not a date. */
static int get_date(const cJSON *o, const char *name, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 ||
	    v->valuedouble > MAX_DATE || v->valuedouble != floor(v->valuedouble))
		return -1;
	*out = (int64_t)v->valuedouble;
	return 1;
}

/* aud: one string, or an array of 1..AIOT_JWT_MAX_AUD strings (RFC 7519 4.1.3). */
static int get_aud(const cJSON *o, aiot_jwt_claims *c)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "aud"), *it;
	if (cJSON_IsString(a)) {
		c->naud = 1;
		c->aud_is_array = 0;
		return get_str(o, "aud", c->aud[0], sizeof c->aud[0]);
	}
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 1 ||
	    cJSON_GetArraySize(a) > AIOT_JWT_MAX_AUD)
		return -1;
	c->naud = 0;
	c->aud_is_array = 1;
	cJSON_ArrayForEach(it, a)
	{
		size_t n;
		if (!cJSON_IsString(it) || (n = strlen(it->valuestring)) == 0 ||
		    n > AIOT_JWT_MAX_STR)
			return -1;
		memcpy(c->aud[c->naud++], it->valuestring, n + 1);
	}
	return 0;
}

/* The scope pattern of TS 29.510: ^([a-zA-Z0-9_:-]+)( [a-zA-Z0-9_:-]+)*$ */
int aiot_jwt_scope_valid(const char *s)
{
	static const char set[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:-";
	for (;;) {
		size_t n = strspn(s, set);
		if (n == 0)
			return 0;
		s += n;
		if (*s == '\0')
			return 1;
		if (*s++ != ' ')
			return 0;
	}
}

aiot_jwt_status aiot_jwt_claims_parse(const uint8_t *json, size_t len, aiot_jwt_claims *out)
{
	sbi_err e;
	cJSON *o = sbi_json_parse_object(json, len, &e);
	aiot_jwt_status st = AIOT_JWT_MALFORMED;

	memset(out, 0, sizeof *out);
	if (o == NULL || get_str(o, "iss", out->iss, sizeof out->iss) != 0 ||
	    get_str(o, "sub", out->sub, sizeof out->sub) != 0 || get_aud(o, out) != 0 ||
	    get_str(o, "scope", out->scope, sizeof out->scope) != 0 || !aiot_uuid_valid(out->iss) ||
	    !aiot_uuid_valid(out->sub) || !aiot_jwt_scope_valid(out->scope) ||
	    get_date(o, "exp", &out->exp) != 1 || get_date(o, "iat", &out->iat) < 0 ||
	    (out->has_nbf = get_date(o, "nbf", &out->nbf)) < 0)
		goto out;
	st = AIOT_JWT_OK;
out:
	cJSON_Delete(o);
	return st;
}

int aiot_jwt_has_scope(const char *list, const char *scope)
{
	size_t n = strlen(scope);
	for (const char *p = list; *p != '\0';) {
		size_t l = strcspn(p, " ");
		if (l == n && n > 0 && memcmp(p, scope, n) == 0)
			return 1;
		p += l;
		p += strspn(p, " ");
	}
	return 0;
}

static int in_audience(const aiot_jwt_claims *c, const aiot_jwt_policy *pol)
{
	if (!c->aud_is_array)
		return pol->nf_type != NULL && strcmp(c->aud[0], pol->nf_type) == 0;
	for (size_t i = 0; i < c->naud; i++)
		if (pol->nf_instance != NULL && strcasecmp(c->aud[i], pol->nf_instance) == 0)
			return 1;
	return 0;
}

aiot_jwt_status aiot_jwt_validate(const aiot_jwt_claims *c, const aiot_jwt_policy *pol, int64_t now,
                                  const char *peer_nf, const char *const *scopes)
{
	int64_t leeway = pol->leeway_s < 0                     ? 0
	                 : pol->leeway_s > AIOT_JWT_MAX_LEEWAY ? AIOT_JWT_MAX_LEEWAY
	                                                       : pol->leeway_s;
	if (now >= c->exp + leeway) /* RFC 7519 4.1.4: on or after exp */
		return AIOT_JWT_EXPIRED;
	if ((c->has_nbf && c->nbf > now + leeway) || c->iat > now + leeway)
		return AIOT_JWT_NOT_YET_VALID;
	if (pol->issuer == NULL || strcasecmp(c->iss, pol->issuer) != 0)
		return AIOT_JWT_BAD_ISS;
	if (!in_audience(c, pol))
		return AIOT_JWT_BAD_AUD;
	if (peer_nf != NULL && strcasecmp(c->sub, peer_nf) != 0)
		return AIOT_JWT_BAD_SUB;
	for (size_t i = 0; scopes != NULL && scopes[i] != NULL; i++)
		if (!aiot_jwt_has_scope(c->scope, scopes[i]))
			return AIOT_JWT_NO_SCOPE;
	return AIOT_JWT_OK;
}
