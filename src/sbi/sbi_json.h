/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict field access for SBI JSON bodies (cJSON), checked against the OpenAPI schemas of
 * TS 29.369 / TS 29.571 / TS 29.503: types, required fields and patterns. Each getter
 * returns 1 when the field was present and valid, 0 when absent and optional, and -1 on a
 * violation, with a ProblemDetails-ready explanation in err ("randN: expected 32 hex
 * digits"). Unknown members are ignored (OpenAPI additionalProperties defaults to true;
 * TS 29.501 5.2.4 extensibility).
 */
#ifndef AIOT_SBI_JSON_H
#define AIOT_SBI_JSON_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sbi_err {
	char text[200];
	const char *cause; /* TS 29.500 Table 5.2.7.2-1 application error, or NULL */
	int status;        /* the HTTP status to answer; 0 = 400 (or 500 for SYSTEM_FAILURE) */
} sbi_err;

/* The status a ProblemDetails for e carries (sbi_err.status). */
int sbi_err_status(const sbi_err *e);

/* Hex string of exactly n bytes (pattern ^[A-Fa-f0-9]{2n}$), e.g. Rand (n = 16). */
int sbi_json_hex(const cJSON *obj, const char *name, int required, uint8_t *out, size_t n,
                 sbi_err *e);
/* "Bytes" (base64, format byte) into out; *len receives the decoded length (1..cap). */
int sbi_json_b64(const cJSON *obj, const char *name, int required, uint8_t *out, size_t cap,
                 size_t *len, sbi_err *e);
int sbi_json_bool(const cJSON *obj, const char *name, int required, int *out, sbi_err *e);
/* An array (minItems 1 .. maxItems max) returned in *arr. */
int sbi_json_array(const cJSON *obj, const char *name, int required, size_t max, const cJSON **arr,
                   size_t *count, sbi_err *e);

/* Parse a JSON text a peer wrote, strictly (sbi_json_strict.c): NULL with err (400
 * INVALID_MSG_FORMAT) on trailing data, a second document, U+0000 or a raw control character
 * in a string, invalid UTF-8, an unpaired surrogate escape or a duplicate member name. */
cJSON *sbi_json_parse(const uint8_t *body, size_t len, sbi_err *e);
/* sbi_json_parse of a body that must be a JSON object. */
cJSON *sbi_json_parse_object(const uint8_t *body, size_t len, sbi_err *e);

/* Content-type check: 1 if ct is media (case-insensitive, parameters ignored). */
int sbi_media_is(const char *ct, const char *media);

/* Percent-decode a URI path segment (RFC 3986 2.1) into out; -1 on bad escapes, NUL or
 * overflow. */
int sbi_pct_decode(const char *in, size_t len, char *out, size_t cap);

/* Lowercase hex string of n bytes as a new cJSON string item; NULL on allocation failure. */
cJSON *sbi_json_hex_item(const uint8_t *p, size_t n);
/* Base64 of n bytes as a new cJSON string item. */
cJSON *sbi_json_b64_item(const uint8_t *p, size_t n);

/* Add v (NULL: its creation failed, out of memory) to o under name; v is freed when it
 * cannot be added. 0 or -1. */
int sbi_json_put(cJSON *o, const char *name, cJSON *v);
/* Zeroise every string of j (a reply holding a key, K_AIOTF), then delete it. */
void sbi_json_wipe(cJSON *j);

#endif
