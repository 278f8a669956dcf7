/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The producer's check (src/oauth/oauth_guard.c) as the SBI server calls it, without
 * sockets: the Authorization field (none, Basic, two, Bearer), the scopes by API root and
 * operation, the refusals' status and challenge, a mutual TLS peer, the per-worker caches, and
 * the configuration keys (oauth_cfg.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/ec.h>

#include "oauth/oauth_guard.h"
#include "svc/config.h"

#define NRF "6b1e0f4e-2c4a-4d59-9a51-0d6f8c1e2a10"
#define PEER "0e9a6a4c-1b7e-4a63-8f4c-7f3a52f5a0c1"

static EVP_PKEY *key;
static char kid[AIOT_JWS_KID_LEN + 1];
static const aiot_oauth_service services[] = {
    {"/nadm-sec/v1/", "nadm-sec"}, {"/nadm-dm/v1/", "nadm-dm"}, {NULL, NULL}};
static const char *const op_scopes[] = {"nadm-sec:get-rand:invoke", "", NULL};

static char *token(const char *scope, const char *sub)
{
	char claims[512], err[128], *t = NULL;
	long long now = (long long)time(NULL);
	snprintf(claims, sizeof claims,
	         "{\"iss\":\"" NRF "\",\"sub\":\"%s\",\"aud\":\"ADM\",\"scope\":\"%s\","
	         "\"exp\":%lld,\"iat\":%lld}",
	         sub, scope, now + 600, now);
	if (aiot_jws_sign_es256(key, kid, claims, &t, err, sizeof err) != 0)
		fail_msg("%s", err);
	return t;
}

static aiot_oauth_guard *guard(int op_scopes_on)
{
	char err[256];
	EVP_PKEY_up_ref(key); /* the guard takes one reference */
	aiot_oauth_cfg oc = {.nrf_key = key,
	                     .policy = {.issuer = NRF, .nf_type = "ADM", .leeway_s = 30},
	                     .services = services,
	                     .op_scopes = op_scopes,
	                     .nops = 2,
	                     .operation_scopes = op_scopes_on,
	                     .workers = 2,
	                     .cache_slots = 4};
	aiot_oauth_guard *g = aiot_oauth_guard_new(&oc, err, sizeof err);
	assert_non_null(g);
	return g;
}

/* Runs the hook on a request: its status (0 = passed) and the challenge in *www. */
static int run(aiot_oauth_guard *g, const char *path, int op, const sbi_header *h, size_t nh,
               const char *peer, int worker, const char **www)
{
	sbi_request req = {.method = "POST",
	                   .path = path,
	                   .headers = h,
	                   .nheaders = nh,
	                   .worker = worker,
	                   .peer_nf_instance = peer};
	sbi_response resp = {0};
	int rc = aiot_oauth_authorize(g, &req, op, &resp), status = rc == 0 ? 0 : resp.status;
	*www = NULL;
	for (size_t i = 0; i < resp.nextra; i++)
		if (strcmp(resp.extra[i].name, "www-authenticate") == 0)
			*www = resp.extra[i].value;
	if (rc != 0) {
		assert_non_null(resp.body); /* a ProblemDetails */
		assert_string_equal(resp.content_type, "application/problem+json");
		assert_non_null(strstr(resp.body, "\"status\""));
	}
	free(resp.body);
	return status;
}

static void test_fields(void **state)
{
	aiot_oauth_guard *g = guard(0);
	char *t = token("nadm-sec", PEER), bearer[1024];
	const char *www;
	(void)state;
	snprintf(bearer, sizeof bearer, "Bearer %s", t);
	sbi_header ok[] = {{"authorization", bearer}},
	           two[] = {{"authorization", bearer}, {"authorization", bearer}},
	           basic[] = {{"authorization", "Basic YTpi"}},
	           lower[] = {{"authorization", bearer}}, empty[] = {{"authorization", "Bearer "}};
	assert_int_equal(run(g, "/nadm-sec/v1/get-rand", 0, NULL, 0, NULL, 0, &www), 401);
	assert_string_equal(www, "Bearer");
	assert_int_equal(run(g, "/nadm-sec/v1/get-rand", 0, basic, 1, NULL, 0, &www), 401);
	assert_string_equal(www, "Bearer");
	assert_int_equal(run(g, "/nadm-sec/v1/get-rand", 0, two, 2, NULL, 0, &www), 400);
	assert_string_equal(www, "Bearer error=\"invalid_request\"");
	assert_int_equal(run(g, "/nadm-sec/v1/get-rand", 0, empty, 1, NULL, 0, &www), 401);
	assert_string_equal(www, "Bearer error=\"invalid_token\"");
	assert_int_equal(run(g, "/nadm-sec/v1/get-rand", 0, ok, 1, NULL, 0, &www), 0);
	assert_int_equal(run(g, "/nadm-sec/v1/get-rand", 0, ok, 1, NULL, 1, &www),
	                 0);         /* worker 1 */
	memcpy(bearer, "bEARER", 6); /* RFC 6750 2.1: the scheme is case-insensitive */
	assert_int_equal(run(g, "/nadm-sec/v1/get-rand", 0, lower, 1, NULL, 0, &www), 0);
	/* the service's scope by API root */
	assert_int_equal(run(g, "/nadm-dm/v1/af-authorization-data", 1, ok, 1, NULL, 0, &www), 403);
	assert_string_equal(www, "Bearer error=\"insufficient_scope\"");
	/* mutual TLS: sub must be the peer's NF instance */
	assert_int_equal(run(g, "/nadm-sec/v1/get-rand", 0, ok, 1, PEER, 0, &www), 0);
	assert_int_equal(run(g, "/nadm-sec/v1/get-rand", 0, ok, 1, NRF, 0, &www), 401);
	free(t);
	char *m = aiot_oauth_metrics(g);
	assert_non_null(strstr(m, "aiot_oauth2_refused_total{reason=\"no_token\"} 3\n"));
	assert_non_null(strstr(m, "aiot_oauth2_refused_total{reason=\"malformed\"} 1\n"));
	assert_non_null(strstr(m, "aiot_oauth2_refused_total{reason=\"no_scope\"} 1\n"));
	assert_non_null(strstr(m, "aiot_oauth2_refused_total{reason=\"bad_sub\"} 1\n"));
	free(m);
	aiot_oauth_guard_free(g);
}

static void test_operation_scopes(void **state)
{
	aiot_oauth_guard *off = guard(0), *on = guard(1);
	char *svc = token("nadm-sec", PEER), *op = token("nadm-sec nadm-sec:get-rand:invoke", PEER);
	char b1[1024], b2[1024];
	const char *www;
	(void)state;
	snprintf(b1, sizeof b1, "Bearer %s", svc);
	snprintf(b2, sizeof b2, "Bearer %s", op);
	sbi_header h1[] = {{"authorization", b1}}, h2[] = {{"authorization", b2}};
	assert_int_equal(run(off, "/nadm-sec/v1/get-rand", 0, h1, 1, NULL, 0, &www), 0);
	assert_int_equal(run(on, "/nadm-sec/v1/get-rand", 0, h1, 1, NULL, 0, &www), 403);
	assert_int_equal(run(on, "/nadm-sec/v1/get-rand", 0, h2, 1, NULL, 0, &www), 0);
	/* an operation without a scope of its own (""), and an unknown one (-1) */
	assert_int_equal(run(on, "/nadm-sec/v1/x", 1, h1, 1, NULL, 0, &www), 0);
	assert_int_equal(run(on, "/nadm-sec/v1/y", -1, h1, 1, NULL, 0, &www), 0);
	free(svc);
	free(op);
	aiot_oauth_guard_free(off);
	aiot_oauth_guard_free(on);
}

static void test_config(void **state)
{
	static const struct {
		const char *yaml;
		int rc, on;
	} cases[] = {
	    {"listen: x\n", 0, 0},
	    {"oauth2:\n  required: false\n", 0, 0},
	    {"oauth2:\n  required: yes\n", -1, 0},
	    {"oauth2:\n  required: true\n", -1, 0}, /* no key, no issuer */
	    {"oauth2:\n  required: true\n  nrf-public-key: PUB\n  issuer: " NRF "\n", 0, 1},
	    {"oauth2:\n  required: true\n  nrf-public-key: PUB\n  issuer: nrf\n", -1, 0},
	    {"oauth2:\n  required: true\n  nrf-public-key: /nonexistent\n  issuer: " NRF "\n", -1,
	     0},
	    {"oauth2:\n  leeway-s: 31\n", -1, 0},
	};
	char pub[] = "/tmp/oauth_guard_pubXXXXXX", err[256], yaml[512];
	int fd = mkstemp(pub);
	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(aiot_jws_pubkey_save(key, pub, err, sizeof err), 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cfg *c = cfg_new();
		aiot_oauth_guard *g = NULL;
		const char *at = strstr(cases[i].yaml, "PUB");
		if (at != NULL)
			snprintf(yaml, sizeof yaml, "%.*s%s%s", (int)(at - cases[i].yaml),
			         cases[i].yaml, pub, at + 3);
		else
			snprintf(yaml, sizeof yaml, "%s", cases[i].yaml);
		assert_int_equal(cfg_load_string(c, yaml, strlen(yaml), err, sizeof err), 0);
		assert_int_equal(aiot_oauth_guard_from_cfg(c, "ADM", NULL, services, op_scopes, 1,
		                                           &g, err, sizeof err),
		                 cases[i].rc);
		assert_int_equal(g != NULL, cases[i].on);
		aiot_oauth_guard_free(g);
		cfg_free(c);
	}
	unlink(pub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_operation_scopes),
	    cmocka_unit_test(test_config),
	};
	key = EVP_EC_gen("P-256");
	if (key == NULL || aiot_jws_kid(key, kid) != 0)
		return 1;
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	EVP_PKEY_free(key);
	return rc;
}
