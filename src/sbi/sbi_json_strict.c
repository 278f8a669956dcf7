/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict JSON for bodies a peer wrote (RFC 8259, I-JSON RFC 7493). cJSON 1.7 alone accepts
 * data after the document, a second document, NUL in strings (silently truncating them), raw
 * control characters, invalid UTF-8 and duplicate member names (the first one wins, so a proxy
 * reading the last one would see another request than we execute). All are refused here with
 * 400 INVALID_MSG_FORMAT (TS 29.500 5.2.7.2). Linear passes; depth is cJSON's nesting limit.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbi_json.h"
#include "common/hex.h"

#define SMALL_OBJECT 32 /* members compared pairwise; larger objects are sorted */

__attribute__((format(printf, 2, 3))) static int refuse(sbi_err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
	e->cause = "INVALID_MSG_FORMAT";
	e->status = 400;
	return -1;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 4), or 0: overlong forms,
 * surrogates, code points above U+10FFFF and truncated sequences are ill-formed. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	size_t len;
	uint32_t cp, min;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		len = 2, cp = p[0] & 0x1Fu, min = 0x80;
	else if ((p[0] & 0xF0) == 0xE0)
		len = 3, cp = p[0] & 0x0Fu, min = 0x800;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		len = 4, cp = p[0] & 0x07u, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3Fu);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* "\uXXXX" at p: the code unit, or -1 if it is not one. */
static long u_escape(const uint8_t *p, size_t n)
{
	if (n < 6 || p[0] != '\\' || p[1] != 'u')
		return -1;
	uint8_t h[2];
	if (aiot_hex_decode((const char *)p + 2, 4, h, 2) != 2)
		return -1;
	return (long)h[0] << 8 | h[1];
}

/* The escape at b[i] == '\\': bytes it spans, or -1. Other escapes are left to cJSON. */
static long escape_check(const uint8_t *b, size_t i, size_t len, sbi_err *e)
{
	long u = u_escape(b + i, len - i);
	if (u < 0)
		return 2;
	if (u == 0)
		return refuse(e, "body: \\u0000 (U+0000) in a string at byte %zu", i);
	if (u >= 0xDC00 && u <= 0xDFFF)
		return refuse(e, "body: unpaired surrogate escape at byte %zu", i);
	if (u < 0xD800 || u > 0xDBFF)
		return 6;
	long lo = u_escape(b + i + 6, len - i - 6);
	if (lo < 0xDC00 || lo > 0xDFFF)
		return refuse(e, "body: unpaired surrogate escape at byte %zu", i);
	return 12;
}

/* Inside strings: no raw control characters (RFC 8259 7), well-formed UTF-8 (8.1), no
 * U+0000 and no unpaired surrogates (RFC 7493 2.1). */
static int strings_check(const uint8_t *b, size_t len, sbi_err *e)
{
	int in = 0;
	for (size_t i = 0; i < len;) {
		long step = 1;
		if (!in)
			in = b[i] == '"';
		else if (b[i] == '"')
			in = 0;
		else if (b[i] == '\\')
			step = escape_check(b, i, len, e);
		else if (b[i] < 0x20)
			return refuse(e,
			              "body: raw control character U+%04X in a string at byte %zu",
			              b[i], i);
		else if (b[i] >= 0x80 && (step = (long)utf8_len(b + i, len - i)) == 0)
			return refuse(e, "body: invalid UTF-8 at byte %zu", i);
		if (step < 0)
			return -1;
		i += (size_t)step;
	}
	return 0;
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp((*(const cJSON *const *)x)->string, (*(const cJSON *const *)y)->string);
}

/* The name, cut at 64 bytes on a character boundary so the detail stays UTF-8. */
static int duplicate(sbi_err *e, const char *name)
{
	int n = (int)strnlen(name, 64);
	while (name[n] != '\0' && n > 0 && ((uint8_t)name[n] & 0xC0) == 0x80)
		n--;
	return refuse(e, "body: duplicate member \"%.*s\"", n, name);
}

/* Member names of one object are unique (RFC 7493 2.3); names hold no NUL (checked above). */
static int names_unique(const cJSON *obj, sbi_err *e)
{
	size_t n = (size_t)cJSON_GetArraySize(obj), i = 0;
	if (n <= SMALL_OBJECT) {
		for (const cJSON *a = obj->child; a != NULL; a = a->next)
			for (const cJSON *b = a->next; b != NULL; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return duplicate(e, a->string);
		return 0;
	}
	const cJSON **v = malloc(n * sizeof *v);
	if (v == NULL) {
		snprintf(e->text, sizeof e->text, "body: out of memory");
		e->cause = "SYSTEM_FAILURE";
		e->status = 500;
		return -1;
	}
	for (const cJSON *a = obj->child; a != NULL; a = a->next)
		v[i++] = a;
	qsort(v, n, sizeof *v, name_cmp);
	int rc = 0;
	for (i = 1; i < n && rc == 0; i++)
		if (strcmp(v[i - 1]->string, v[i]->string) == 0)
			rc = duplicate(e, v[i]->string);
	free(v);
	return rc;
}

/* Recursion depth is bounded by CJSON_NESTING_LIMIT, which cJSON enforced while parsing. */
static int members_check(const cJSON *j, sbi_err *e)
{
	for (const cJSON *c = j->child; c != NULL; c = c->next)
		if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && members_check(c, e) != 0)
			return -1;
	return cJSON_IsObject(j) ? names_unique(j, e) : 0;
}

cJSON *sbi_json_parse(const uint8_t *body, size_t len, sbi_err *e)
{
	if (body == NULL || len == 0) {
		refuse(e, "body: request body required");
		return NULL;
	}
	if (strings_check(body, len, e) != 0)
		return NULL;
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts((const char *)body, len, &end, 0);
	if (j == NULL) {
		refuse(e, "body: not valid JSON");
		return NULL;
	}
	for (size_t i = (size_t)(end - (const char *)body); i < len; i++)
		if (strchr(" \t\r\n", body[i]) == NULL || body[i] == '\0') {
			refuse(e, "body: trailing data after the JSON document at byte %zu", i);
			goto fail;
		}
	if (members_check(j, e) != 0)
		goto fail;
	return j;
fail:
	sbi_json_wipe(j); /* an answer may carry K_AIOTF */
	return NULL;
}
