/* SPDX-License-Identifier: Apache-2.0 */
#include "sbi_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "common/aiot_err.h"
#include "common/base64.h"
#include "common/hex.h"

#define CAUSE_INCORRECT "MANDATORY_IE_INCORRECT"
#define CAUSE_OPT_INCORRECT "OPTIONAL_IE_INCORRECT"
#define CAUSE_MISSING "MANDATORY_IE_MISSING"
#define CAUSE_FORMAT "INVALID_MSG_FORMAT"

/* "<name>: <what>" */
static int fail(sbi_err *e, const char *cause, const char *name, const char *what)
{
	e->cause = cause;
	e->status = 400;
	snprintf(e->text, sizeof e->text, "%s: %s", name, what);
	return -1;
}

/* Shared presence/type check. 1: item found and is a string; 0: absent optional. */
static int get_string(const cJSON *obj, const char *name, int required, const char **s, sbi_err *e)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (it == NULL || cJSON_IsNull(it)) {
		if (required)
			return fail(e, CAUSE_MISSING, name, "missing");
		return 0;
	}
	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return fail(e, required ? CAUSE_INCORRECT : CAUSE_OPT_INCORRECT, name,
		            "expected a string");
	*s = it->valuestring;
	return 1;
}

int sbi_json_hex(const cJSON *obj, const char *name, int required, uint8_t *out, size_t n,
                 sbi_err *e)
{
	const char *s;
	int rc = get_string(obj, name, required, &s, e);
	if (rc <= 0)
		return rc;
	size_t len = strlen(s);
	if (len != 2 * n || aiot_hex_decode(s, len, out, n) != (int)n) {
		e->cause = required ? CAUSE_INCORRECT : CAUSE_OPT_INCORRECT;
		e->status = 400;
		snprintf(e->text, sizeof e->text, "%s: expected %zu hex digits", name, 2 * n);
		return -1;
	}
	return 1;
}

int sbi_json_b64(const cJSON *obj, const char *name, int required, uint8_t *out, size_t cap,
                 size_t *len, sbi_err *e)
{
	const char *s;
	int rc = get_string(obj, name, required, &s, e);
	if (rc <= 0)
		return rc;
	int n = aiot_b64_decode(s, strlen(s), out, cap);
	if (n <= 0) {
		e->cause = required ? CAUSE_INCORRECT : CAUSE_OPT_INCORRECT;
		e->status = 400;
		snprintf(e->text, sizeof e->text, "%s: expected base64 of 1 to %zu bytes", name,
		         cap);
		return -1;
	}
	*len = (size_t)n;
	return 1;
}

int sbi_json_bool(const cJSON *obj, const char *name, int required, int *out, sbi_err *e)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (it == NULL || cJSON_IsNull(it)) {
		if (required)
			return fail(e, CAUSE_MISSING, name, "missing");
		return 0;
	}
	if (!cJSON_IsBool(it))
		return fail(e, required ? CAUSE_INCORRECT : CAUSE_OPT_INCORRECT, name,
		            "expected a boolean");
	*out = cJSON_IsTrue(it);
	return 1;
}

int sbi_json_array(const cJSON *obj, const char *name, int required, size_t max, const cJSON **arr,
                   size_t *count, sbi_err *e)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (it == NULL || cJSON_IsNull(it)) {
		if (required)
			return fail(e, CAUSE_MISSING, name, "missing");
		return 0;
	}
	if (!cJSON_IsArray(it))
		return fail(e, required ? CAUSE_INCORRECT : CAUSE_OPT_INCORRECT, name,
		            "expected an array");
	size_t n = (size_t)cJSON_GetArraySize(it);
	if (n == 0)
		return fail(e, required ? CAUSE_INCORRECT : CAUSE_OPT_INCORRECT, name,
		            "at least one item required");
	if (n > max) {
		e->cause = NULL; /* TS 29.500 Table 5.2.7.2-1 has no cause for 413 */
		e->status = 413;
		snprintf(e->text, sizeof e->text, "%s: %zu items, at most %zu accepted", name, n,
		         max);
		return -1;
	}
	*arr = it;
	*count = n;
	return 1;
}

cJSON *sbi_json_parse_object(const uint8_t *body, size_t len, sbi_err *e)
{
	cJSON *j = sbi_json_parse(body, len, e);
	if (j != NULL && !cJSON_IsObject(j)) {
		sbi_json_wipe(j);
		fail(e, CAUSE_FORMAT, "body", "must be a JSON object");
		return NULL;
	}
	return j;
}

int sbi_media_is(const char *ct, const char *media)
{
	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	size_t n = strlen(media);
	if (strncasecmp(ct, media, n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int sbi_pct_decode(const char *in, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == '%') {
			if (i + 2 >= len) /* "%X" cut short */
				return -1;
			int h = hexval(in[i + 1]), l = hexval(in[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (char)(h << 4 | l);
			i += 2;
		}
		if (c == '\0' || o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return (int)o;
}

cJSON *sbi_json_hex_item(const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];
	if (n > 64)
		return NULL;
	aiot_hex_encode(p, n, buf);
	cJSON *j = cJSON_CreateString(buf);
	OPENSSL_cleanse(buf, sizeof buf); /* it may be a key (K_AIOTF) */
	return j;
}

cJSON *sbi_json_b64_item(const uint8_t *p, size_t n)
{
	char buf[AIOT_B64_LEN(128) + 1];
	if (n > 128)
		return NULL;
	aiot_b64_encode(p, n, buf);
	return cJSON_CreateString(buf);
}

int sbi_err_status(const sbi_err *e)
{
	if (e->status >= 400 && e->status <= 599)
		return e->status;
	return e->cause != NULL && strcmp(e->cause, "SYSTEM_FAILURE") == 0 ? 500 : 400;
}

int sbi_json_put(cJSON *o, const char *name, cJSON *v)
{
	if (v == NULL)
		return -1;
	if (o == NULL || !cJSON_AddItemToObject(o, name, v)) {
		cJSON_Delete(v);
		return -1;
	}
	return 0;
}

static void wipe_strings(cJSON *j)
{
	for (; j != NULL; j = j->next) {
		if (j->valuestring != NULL)
			OPENSSL_cleanse(j->valuestring, strlen(j->valuestring));
		wipe_strings(j->child);
	}
}

void sbi_json_wipe(cJSON *j)
{
	if (j == NULL)
		return;
	wipe_strings(j->child);
	if (j->valuestring != NULL)
		OPENSSL_cleanse(j->valuestring, strlen(j->valuestring));
	cJSON_Delete(j);
}
