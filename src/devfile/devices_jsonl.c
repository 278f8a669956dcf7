/* SPDX-License-Identifier: Apache-2.0 */
/* devices.jsonl, one line at a time (devices_jsonl.h, docs/protocol.md §5.6). Checks run in
 * the order of the line: its length and bytes, the JSON object, its members, their values.
 * The writer (aiot_devline_format) is at the end. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/aiot_err.h"
#include "common/base64.h"
#include "common/hex.h"
#include "crypto/ct.h"
#include "crypto/kdf.h"
#include "devices_jsonl.h"

enum { M_ID, M_KEY, M_SUITE, M_RES_BITS, M_GROUP, M_PRIVACY, M_TID, M_COUNT };
static const char *const member_names[M_COUNT] = {"aiotDevPermId", "key",     "suite", "resBits",
                                                  "group",         "privacy", "tid"};

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(msg, mlen, __VA_ARGS__);                                                  \
		return -1;                                                                         \
	} while (0)

static int only_space(const char *p, const char *end)
{
	for (; p != NULL && p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return 0;
	return 1;
}

/* Before any JSON: 1 for a blank line, -1 for a line no writer of the format makes. */
static int check_bytes(const char *line, size_t len, char *msg, size_t mlen)
{
	if (len > AIOT_DEVLINE_MAX_LEN)
		FAIL("line longer than %d bytes", AIOT_DEVLINE_MAX_LEN);
	if (only_space(line, line + len))
		return 1;
	if (memchr(line, '\0', len) != NULL)
		FAIL("NUL byte in line");
	return 0;
}

/* Each member at most once, none unknown, the required ones present. */
static int members(const cJSON *o, unsigned flags, const cJSON *m[M_COUNT], char *msg, size_t mlen)
{
	size_t required = flags & AIOT_DEVLINE_ALL ? M_GROUP + 1 : M_SUITE + 1;
	for (const cJSON *c = o->child; c != NULL; c = c->next) {
		size_t k = 0;
		while (k < M_COUNT && strcmp(c->string, member_names[k]) != 0)
			k++;
		if (k == M_COUNT)
			FAIL("unknown member \"%.40s\"", c->string);
		if (m[k] != NULL)
			FAIL("duplicate member \"%s\"", member_names[k]);
		m[k] = c;
	}
	for (size_t k = 0; k < required; k++)
		if (m[k] == NULL)
			FAIL("missing member \"%s\"", member_names[k]);
	return 0;
}

/* aiotDevPermId, suite, key: who the device is and what it keeps (TS 33.369 5.2). */
static int credentials(const cJSON *m[M_COUNT], size_t id_max, aiot_devline *d, char *msg,
                       size_t mlen)
{
	const char *id = cJSON_GetStringValue(m[M_ID]);
	int n = id ? aiot_b64_decode(id, strlen(id), d->perm_id, id_max) : -1;
	if (n < 1)
		FAIL("aiotDevPermId: not base64 of 1 to %zu bytes", id_max);
	d->perm_id_len = (uint8_t)n;
	const char *suite = cJSON_GetStringValue(m[M_SUITE]);
	if (suite == NULL || aiot_suite_from_name(suite, &d->suite) != AIOT_OK)
		FAIL("suite: not \"3gpp\" or \"aes\"");
	const char *key = cJSON_GetStringValue(m[M_KEY]);
	n = key ? aiot_hex_decode(key, strlen(key), d->key, sizeof d->key) : -1;
	if (n < 0 || aiot_suite_check_key(d->suite, (size_t)n) != AIOT_OK)
		FAIL("key: not hex of a %s key",
		     d->suite == AIOT_SUITE_AES ? "128-bit" : "128- or 256-bit");
	d->key_len = (uint8_t)n;
	return 0;
}

/* resBits, group, privacy, tid: the device's profile. */
static int profile(const cJSON *m[M_COUNT], aiot_devline *d, char *msg, size_t mlen)
{
	d->res_bits = AIOT_RES_BITS_DEFAULT;
	if (m[M_RES_BITS] != NULL) {
		double rb = cJSON_IsNumber(m[M_RES_BITS]) ? m[M_RES_BITS]->valuedouble : -1;
		if (!(rb == 32 || rb == 64 || rb == 96 || rb == 128))
			FAIL("resBits: not 32, 64, 96 or 128");
		d->res_bits = (uint8_t)rb;
	}
	if (m[M_GROUP] != NULL) {
		const char *g = cJSON_GetStringValue(m[M_GROUP]);
		if (g == NULL || g[0] == '\0' || strlen(g) > AIOT_DEVLINE_GROUP_MAX)
			FAIL("group: not a string of 1 to %d characters", AIOT_DEVLINE_GROUP_MAX);
		memcpy(d->group, g, strlen(g) + 1);
	}
	if (m[M_PRIVACY] != NULL && !cJSON_IsBool(m[M_PRIVACY]))
		FAIL("privacy: not true or false");
	d->privacy = m[M_PRIVACY] != NULL && cJSON_IsTrue(m[M_PRIVACY]);
	if (m[M_TID] != NULL) {
		const char *tid = cJSON_GetStringValue(m[M_TID]);
		if (!d->privacy)
			FAIL("tid given without \"privacy\":true");
		if (tid == NULL || aiot_hex_decode(tid, strlen(tid), d->tid, 16) != 16)
			FAIL("tid: not 32 hex digits");
		d->has_tid = 1;
	}
	return 0;
}

int aiot_devline_parse(const char *line, size_t len, unsigned flags, size_t id_max,
                       aiot_devline *out, char *msg, size_t mlen)
{
	const cJSON *m[M_COUNT] = {0};
	const char *end = NULL;
	cJSON *o = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (id_max > AIOT_DEVLINE_ID_MAX)
		id_max = AIOT_DEVLINE_ID_MAX;
	rc = check_bytes(line, len, msg, mlen);
	if (rc != 0)
		return rc;
	rc = -1;
	o = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	if (o == NULL || !cJSON_IsObject(o))
		snprintf(msg, mlen, "not a JSON object");
	else if (!only_space(end, line + len))
		snprintf(msg, mlen, "trailing characters after the JSON object");
	else if (members(o, flags, m, msg, mlen) == 0 &&
	         credentials(m, id_max, out, msg, mlen) == 0 && profile(m, out, msg, mlen) == 0)
		rc = 0;
	if (m[M_KEY] != NULL && cJSON_IsString(m[M_KEY])) /* K_AIOT_root in hex */
		aiot_zeroize(m[M_KEY]->valuestring, strlen(m[M_KEY]->valuestring));
	cJSON_Delete(o);
	if (rc != 0)
		aiot_zeroize(out, sizeof *out);
	return rc;
}

/* ---- the writer ------------------------------------------------------------------------ */

typedef struct out {
	char *p;
	size_t len, cap;
	int full;
} out;

static void put(out *o, const char *s, size_t n)
{
	if (o->full || n >= o->cap - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void puts_(out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A JSON string literal of s (quotes included). */
static void put_json_str(out *o, const char *s)
{
	char esc[8];
	put(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			put(o, (const char[]){'\\', (char)c}, 2);
		else if (c < 0x20)
			put(o, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", c));
		else
			put(o, (const char *)&c, 1);
	}
	put(o, "\"", 1);
}

int aiot_devline_format(const aiot_devline *d, char *buf, size_t cap)
{
	char id[AIOT_B64_LEN(AIOT_DEVLINE_ID_MAX) + 1], key[65], hex[33], num[8];
	out o = {buf, 0, cap, cap == 0};

	if (d->perm_id_len == 0 || d->perm_id_len > AIOT_DEVLINE_ID_MAX ||
	    aiot_suite_check_key(d->suite, d->key_len) != AIOT_OK ||
	    !AIOT_RES_BITS_VALID(d->res_bits) || d->group[0] == '\0' ||
	    strlen(d->group) > AIOT_DEVLINE_GROUP_MAX || (d->has_tid && !d->privacy))
		return -1;
	aiot_b64_encode(d->perm_id, d->perm_id_len, id);
	aiot_hex_encode(d->key, d->key_len, key);
	puts_(&o, "{\"aiotDevPermId\":\"");
	puts_(&o, id);
	puts_(&o, "\",\"key\":\"");
	puts_(&o, key);
	puts_(&o, "\",\"suite\":\"");
	puts_(&o, aiot_suite_name(d->suite));
	snprintf(num, sizeof num, "%u", (unsigned)d->res_bits);
	puts_(&o, "\",\"resBits\":");
	puts_(&o, num);
	puts_(&o, ",\"group\":");
	put_json_str(&o, d->group);
	if (d->privacy)
		puts_(&o, ",\"privacy\":true");
	if (d->has_tid) {
		aiot_hex_encode(d->tid, 16, hex);
		puts_(&o, ",\"tid\":\"");
		puts_(&o, hex);
		puts_(&o, "\"");
	}
	puts_(&o, "}\n");
	aiot_zeroize(key, sizeof key);
	return o.full ? -1 : (int)o.len;
}
