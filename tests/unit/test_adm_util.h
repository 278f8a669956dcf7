/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the ADM handler tests (test_adm_*.c): calls to the ADM, by adm_handle() directly
 * (answers that write nothing) or through an SBI server of the test process (answers given
 * once a store write committed), and checks of their answers. The including test defines
 * the_adm and srv before including this header.
 */
#ifndef AIOT_TEST_ADM_UTIL_H
#define AIOT_TEST_ADM_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "adm/adm.h"
#include "common/hex.h"
#include "sbi/sbi_client.h"

typedef struct answer {
	int status;
	char ct[64];
	cJSON *j; /* the body parsed, or NULL */
} answer;

/* adm_handle() called as the server's worker would (for answers that write nothing). */
static answer direct(const char *method, const char *path, const char *query, const char *ct,
                     const char *body)
{
	sbi_request req = {.method = method,
	                   .path = path,
	                   .query = query,
	                   .content_type = ct,
	                   .body = (const uint8_t *)(body ? body : ""),
	                   .body_len = body ? strlen(body) : 0};
	sbi_response resp = {0};
	answer a = {0};
	adm_handle(the_adm, &req, &resp);
	a.status = resp.status;
	snprintf(a.ct, sizeof a.ct, "%s", resp.content_type ? resp.content_type : "");
	a.j = resp.body ? cJSON_ParseWithLength(resp.body, resp.body_len) : NULL;
	free(resp.body);
	return a;
}

/* Through the SBI server (for answers given once a store write committed). */
static answer served(const char *method, const char *path, const char *ct, const char *body)
{
	sbi_client_cfg cfg = {
	    .host = "127.0.0.1", .port = sbi_server_port(srv), .timeout_ms = 10000};
	char err[256], *out = NULL;
	answer a = {0};
	a.status = sbi_fetch(&cfg, method, path, ct, body, &out, err, sizeof err);
	if (a.status == 0)
		fail_msg("%s %s: %s", method, path, err);
	a.j = out ? cJSON_Parse(out) : NULL;
	free(out);
	return a;
}

static const char *str(const cJSON *j, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, name));
}

/* A ProblemDetails with status (and cause, when given). Frees a. */
static void problem(answer a, int status, const char *cause)
{
	assert_int_equal(a.status, status);
	assert_string_equal(a.ct, "application/problem+json");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(a.j, "status")->valueint, status);
	if (cause != NULL)
		assert_string_equal(str(a.j, "cause"), cause);
	cJSON_Delete(a.j);
}

static char *hex16(const uint8_t b[16])
{
	static char s[4][33];
	static int k;
	char *o = s[k++ % 4];
	aiot_hex_encode(b, 16, o);
	return o;
}

/* snprintf that fails the test rather than truncate. */
static void fmt(char *b, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *b, size_t cap, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(b, cap, f, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < cap);
}

#endif
