/* SPDX-License-Identifier: Apache-2.0 */
/* The AccessTokenReq form and the token policy (nrf_token.h): pure functions. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nrf_token.h"
#include "oauth/jws.h"
#include "svc/nf_id.h"

const char *const nrf_token_nf_types[] = {
    "NRF",      "UDM",        "AMF",    "SMF",      "AUSF",      "NEF",      "PCF",    "SMSF",
    "NSSF",     "UDR",        "LMF",    "GMLC",     "5G_EIR",    "SEPP",     "UPF",    "N3IWF",
    "AF",       "UDSF",       "BSF",    "CHF",      "NWDAF",     "PCSCF",    "CBCF",   "HSS",
    "UCMF",     "SOR_AF",     "SPAF",   "MME",      "SCSAS",     "SCEF",     "SCP",    "NSSAAF",
    "ICSCF",    "SCSCF",      "DRA",    "IMS_AS",   "AANF",      "5G_DDNMF", "NSACF",  "MFAF",
    "EASDF",    "DCCF",       "MB_SMF", "TSCTSF",   "ADRF",      "GBA_BSF",  "CEF",    "MB_UPF",
    "NSWOF",    "PKMF",       "MNPF",   "SMS_GMSC", "SMS_IWMSC", "MBSF",     "MBSTF",  "PANF",
    "IP_SM_GW", "SMS_ROUTER", "DCSF",   "MRF",      "MRFP",      "MF",       "SLPKMF", "RH",
    "EIF",      "AIOTF",      "ADM",    NULL,
};

/* The properties of AccessTokenReq this NRF accepts and does not use. */
static const char *const ignored[] = {
    "requesterPlmn",
    "requesterPlmnList",
    "requesterSnssaiList",
    "requesterFqdn",
    "requesterSnpnList",
    "targetPlmn",
    "targetSnpn",
    "targetSnssaiList",
    "targetNsiList",
    "targetNfSetId",
    "targetNfServiceSetId",
    "hnrfAccessTokenUri",
    "sourceNfInstanceId",
    "vendorId",
    "analyticsIds",
    "requesterInterIndList",
    "sourceVendorId",
    "afId",
    NULL,
};

static int fail(nrf_token_err *e, const char *error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(nrf_token_err *e, const char *error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	e->error = error;
	vsnprintf(e->description, sizeof e->description, fmt, ap);
	va_end(ap);
	return -1;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* Form decoding of in[0..len) into out (cap incl. NUL): '+' is a space, %XX an octet. Length,
 * or -1: a bad escape, a NUL, or more than cap - 1 octets. */
static long form_decode(const char *in, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)in[i];
		if (c == '%') {
			int hi = i + 2 < len ? hexval(in[i + 1]) : -1;
			int lo = hi >= 0 ? hexval(in[i + 2]) : -1;
			if (lo < 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c == 0 || o + 1 >= cap)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (long)o;
}

static int nf_type_valid(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n < 33 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

enum { F_GRANT, F_ID, F_TYPE, F_TTYPE, F_TID, F_SCOPE, F_N };

/* One name=value pair into the fields; seen[] catches a repeated name. */
static int take_pair(const char *p, size_t len, char (*val)[NRF_TOKEN_MAX_SCOPE + 1], int *seen,
                     uint64_t *seen_ignored, nrf_token_err *e)
{
	static const char *const names[F_N] = {"grant_type",   "nfInstanceId",       "nfType",
	                                       "targetNfType", "targetNfInstanceId", "scope"};
	char name[64];
	const char *eq = memchr(p, '=', len);
	if (eq == NULL || form_decode(p, (size_t)(eq - p), name, sizeof name) <= 0)
		return fail(e, "invalid_request", "malformed form field");
	for (int i = 0; i < F_N; i++) {
		if (strcmp(name, names[i]) != 0)
			continue;
		if (seen[i]++)
			return fail(e, "invalid_request", "%s given twice", name);
		if (form_decode(eq + 1, len - (size_t)(eq - p) - 1, val[i], sizeof val[i]) < 0)
			return fail(e, "invalid_request", "%s: malformed value", name);
		return 0;
	}
	for (size_t i = 0; ignored[i] != NULL; i++) {
		if (strcmp(name, ignored[i]) != 0)
			continue;
		if (*seen_ignored & (1ull << i))
			return fail(e, "invalid_request", "%s given twice", name);
		*seen_ignored |= 1ull << i;
		return 0;
	}
	return fail(e, "invalid_request", "unknown parameter '%.40s'", name);
}

/* The checks of the decoded fields (TS 29.510 6.3.5.2.2, RFC 6749 4.4.2). */
static int check_fields(char (*v)[NRF_TOKEN_MAX_SCOPE + 1], const int *seen, nrf_token_req *r,
                        nrf_token_err *e)
{
	if (!seen[F_GRANT] || !seen[F_ID] || !seen[F_SCOPE])
		return fail(e, "invalid_request",
		            "grant_type, nfInstanceId and scope are required");
	if (strcmp(v[F_GRANT], "client_credentials") != 0)
		return fail(e, "unsupported_grant_type", "grant_type must be client_credentials");
	if (!aiot_uuid_valid(v[F_ID]) || (seen[F_TID] && !aiot_uuid_valid(v[F_TID])))
		return fail(e, "invalid_request", "nfInstanceId and targetNfInstanceId are UUIDs");
	if ((seen[F_TYPE] && !nf_type_valid(v[F_TYPE])) ||
	    (seen[F_TTYPE] && !nf_type_valid(v[F_TTYPE])))
		return fail(e, "invalid_request", "nfType and targetNfType are NF types");
	if (!seen[F_TTYPE] && !seen[F_TID])
		return fail(e, "invalid_request", "targetNfType or targetNfInstanceId is required");
	if (!aiot_jwt_scope_valid(v[F_SCOPE]))
		return fail(e, "invalid_scope", "scope is malformed");
	for (char *s = v[F_ID]; *s; s++)
		*s = (char)tolower((unsigned char)*s);
	for (char *s = v[F_TID]; *s; s++)
		*s = (char)tolower((unsigned char)*s);
	snprintf(r->nf_instance_id, sizeof r->nf_instance_id, "%s", v[F_ID]);
	snprintf(r->nf_type, sizeof r->nf_type, "%s", v[F_TYPE]);
	snprintf(r->target_nf_type, sizeof r->target_nf_type, "%s", v[F_TTYPE]);
	snprintf(r->target_nf_instance_id, sizeof r->target_nf_instance_id, "%s", v[F_TID]);
	snprintf(r->scope, sizeof r->scope, "%s", v[F_SCOPE]);
	return 0;
}

int nrf_token_req_parse(const uint8_t *body, size_t len, nrf_token_req *r, nrf_token_err *e)
{
	char val[F_N][NRF_TOKEN_MAX_SCOPE + 1];
	int seen[F_N] = {0};
	uint64_t seen_ignored = 0;
	const char *p = (const char *)body, *end = p + len;

	memset(r, 0, sizeof *r);
	memset(val, 0, sizeof val);
	if (len == 0)
		return fail(e, "invalid_request", "empty form");
	while (p <= end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		if (take_pair(p, (size_t)(stop - p), val, seen, &seen_ignored, e) != 0)
			return -1;
		p = stop + 1;
	}
	return check_fields(val, seen, r, e);
}

int nrf_token_policy_add(nrf_token_policy *p, const char *nf_type, const char *scopes)
{
	if (p->n >= NRF_TOKEN_MAX_RULES || !nf_type_valid(nf_type) ||
	    !aiot_jwt_scope_valid(scopes) || strlen(scopes) > NRF_TOKEN_MAX_SCOPE)
		return -1;
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->rule[i].nf_type, nf_type) == 0)
			return -1;
	snprintf(p->rule[p->n].nf_type, sizeof p->rule[p->n].nf_type, "%s", nf_type);
	snprintf(p->rule[p->n].scopes, sizeof p->rule[p->n].scopes, "%s", scopes);
	p->n++;
	return 0;
}

/* 1 when one scope (s, n octets) is granted by the list: the same name, or an operation
 * scope "svc:..." of a granted service name "svc". */
static int granted(const char *list, const char *s, size_t n)
{
	for (const char *g = list; *g != '\0';) {
		size_t l = strcspn(g, " ");
		if ((l == n || (l < n && s[l] == ':')) && memcmp(g, s, l) == 0)
			return 1;
		g += l;
		g += strspn(g, " ");
	}
	return 0;
}

int nrf_token_policy_check(const nrf_token_policy *p, const char *nf_type, const char *scope,
                           nrf_token_err *e)
{
	const char *list = NULL;
	for (size_t i = 0; i < p->n && list == NULL; i++)
		if (strcmp(p->rule[i].nf_type, nf_type) == 0)
			list = p->rule[i].scopes;
	if (list == NULL)
		return fail(e, "unauthorized_client", "no scope may be granted to NF type %.32s",
		            nf_type);
	for (const char *s = scope; *s != '\0';) {
		size_t l = strcspn(s, " ");
		if (!granted(list, s, l))
			return fail(e, "invalid_scope", "scope %.*s is not granted to %.32s",
			            (int)(l < 64 ? l : 64), s, nf_type);
		s += l;
		s += strspn(s, " ");
	}
	return 0;
}
