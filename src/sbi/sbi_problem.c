/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Response helpers: ProblemDetails (TS 29.571 5.2.4.1, media type application/problem+json
 * per TS 29.500 5.2.7.2 / RFC 9457) and JSON bodies.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbi/sbi_internal.h"
#include "sbi/sbi_server.h"

const char *sbi_reason_phrase(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 301:
		return "Moved Permanently";
	case 303:
		return "See Other";
	case 307:
		return "Temporary Redirect";
	case 308:
		return "Permanent Redirect";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 411:
		return "Length Required";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Unknown";
	}
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 (RFC 3629 4, no overlongs/surrogates). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

size_t sbi_json_escape(char *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, o = 0;

	while (i < n) {
		unsigned char c = s[i];
		const char *esc = NULL;
		char tmp[8];
		size_t l;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') { /* as is: the common case */
			if (out)
				out[o] = (char)c;
			o++;
			i++;
			continue;
		}
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c < 0x20 || c == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", c);
			esc = tmp;
		}
		if (esc != NULL) {
			l = strlen(esc);
			if (out)
				memcpy(out + o, esc, l);
			o += l;
			i++;
			continue;
		}
		l = utf8_seq(s + i, n - i);
		if (l == 0) {
			if (out)
				memcpy(out + o, "\\ufffd", 6);
			o += 6;
			i++;
			continue;
		}
		if (out)
			memcpy(out + o, s + i, l);
		o += l;
		i += l;
	}
	return o;
}

/* TS 29.500 Table 5.2.7.2-1: the application errors common to all SBI APIs, by status. The
 * services of this tree (TS 29.369 Nadm_*, TS 29.569 Naiotf_AIoT) define none of their own in
 * their OpenAPI files. 405, 406, 408, 413, 415 and 431 have none: their ProblemDetails carry
 * no cause. */
static const struct {
	short status;
	const char *cause;
} causes[] = {
    {400, "INVALID_API"},
    {400, "INVALID_MSG_FORMAT"},
    {400, "INVALID_QUERY_PARAM"},
    {400, "MANDATORY_QUERY_PARAM_INCORRECT"},
    {400, "OPTIONAL_QUERY_PARAM_INCORRECT"},
    {400, "MANDATORY_QUERY_PARAM_MISSING"},
    {400, "MANDATORY_IE_INCORRECT"},
    {400, "OPTIONAL_IE_INCORRECT"},
    {400, "MANDATORY_IE_MISSING"},
    {400, "UNSPECIFIED_MSG_FAILURE"},
    {400, "RESOURCE_CONTEXT_NOT_FOUND"},
    {403, "CCA_VERIFICATION_FAILURE"},
    {403, "TOKEN_CCA_MISMATCH"},
    {403, "MODIFICATION_NOT_ALLOWED"},
    /* Not TS 29.500's: TS 29.503 6.3.7.3 (Nudm_UEAU, the UDM's counterpart of the ADM's
     * Nadm_Sec), the one cause of the 5G authentication services for a request refused as
     * an authentication; the ADM's DO-A extension (openapi/Nadm_Sec_DoA.yaml) uses it for a
     * replayed RAND_d. */
    {403, "AUTHENTICATION_REJECTED"},
    {403, "SERVING_NETWORK_NOT_AUTHORIZED"}, /* TS 29.509 6.1.7.3 */
    {404, "SUBSCRIPTION_NOT_FOUND"},
    {404, "USER_NOT_FOUND"}, /* TS 29.503 6.3.7.3 (Nudm_UEAU) */
    {404, "RESOURCE_URI_STRUCTURE_NOT_FOUND"},
    {411, "INCORRECT_LENGTH"},
    {429, "NF_CONGESTION_RISK"},
    {429, "NF_SERVICE_CONGESTION_RISK"},
    {500, "INSUFFICIENT_RESOURCES"},
    {500, "UNSPECIFIED_NF_FAILURE"},
    {500, "SYSTEM_FAILURE"},
    {500, "NF_FAILOVER"},
    {500, "NF_SERVICE_FAILOVER"},
    {501, "UNSUPPORTED_PROTECTION_SCHEME"}, /* TS 29.503 6.3.7.3: a SUCI not de-concealed */
    {502, "INBOUND_SERVER_ERROR"},
    {503, "NF_CONGESTION"},
    {503, "NF_SERVICE_CONGESTION"},
    {504, "TARGET_NF_NOT_REACHABLE"},
    {504, "TIMED_OUT_REQUEST"},
};

int sbi_cause_valid(int status, const char *cause)
{
	size_t i;

	if (cause == NULL)
		return 1;
	for (i = 0; i < sizeof(causes) / sizeof(causes[0]); i++)
		if (causes[i].status == status && strcmp(causes[i].cause, cause) == 0)
			return 1;
	return 0;
}

void sbi_problem(sbi_response *resp, int status, const char *cause, const char *fmt, ...)
{
	char *detail = NULL, *body = NULL, head[96];
	const char *title = sbi_reason_phrase(status);
	va_list ap;
	size_t len, o;
	int hl;

	assert(sbi_cause_valid(status, cause)); /* a cause is a constant of the code, never data */

	resp->status = status;
	resp->content_type = "application/problem+json";
	resp->body = NULL;
	resp->body_len = 0;

	va_start(ap, fmt);
	if (vasprintf(&detail, fmt, ap) < 0)
		detail = NULL;
	va_end(ap);

	hl = snprintf(head, sizeof(head), "{\"title\":\"%s\",\"status\":%d", title, status);
	if (hl < 0 || (size_t)hl >= sizeof(head))
		goto out;
	len = (size_t)hl + 2; /* "}" and NUL */
	if (detail != NULL)
		len += sizeof(",\"detail\":\"\"") + sbi_json_escape(NULL, detail);
	if (cause != NULL)
		len += sizeof(",\"cause\":\"\"") + sbi_json_escape(NULL, cause);
	body = malloc(len);
	if (body == NULL)
		goto out;
	memcpy(body, head, (size_t)hl);
	o = (size_t)hl;
	if (detail != NULL) {
		memcpy(body + o, ",\"detail\":\"", 11);
		o += 11;
		o += sbi_json_escape(body + o, detail);
		body[o++] = '"';
	}
	if (cause != NULL) {
		memcpy(body + o, ",\"cause\":\"", 10);
		o += 10;
		o += sbi_json_escape(body + o, cause);
		body[o++] = '"';
	}
	body[o++] = '}';
	body[o] = '\0';
	resp->body = body;
	resp->body_len = o;
out:
	free(detail);
}

void sbi_json(sbi_response *resp, int status, char *json)
{
	resp->status = status;
	resp->content_type = "application/json";
	resp->body = json;
	resp->body_len = json ? strlen(json) : 0;
}
