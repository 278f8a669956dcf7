/* SPDX-License-Identifier: Apache-2.0 */
/* The AccessTokenReq form and the token policy of the NRF (src/nrf/nrf_token.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nrf/nrf_token.h"
#include "nrfc/nrfc_token.h"

#define ID "0f6c2a4e-1111-4aaa-8bbb-00000000000a"
#define BASE "grant_type=client_credentials&nfInstanceId=" ID

static int parse(const char *form, nrf_token_req *r, nrf_token_err *e)
{
	memset(e, 0, sizeof *e);
	return nrf_token_req_parse((const uint8_t *)form, strlen(form), r, e);
}

/* The form's error code, or "ok". */
static const char *verdict(const char *form)
{
	nrf_token_req r;
	nrf_token_err e;
	return parse(form, &r, &e) == 0 ? "ok" : e.error;
}

static void test_form_ok(void **state)
{
	(void)state;
	nrf_token_req r;
	nrf_token_err e;
	assert_int_equal(
	    parse(BASE "&nfType=AIOTF&targetNfType=ADM&scope=nadm-sec+nadm-dm", &r, &e), 0);
	assert_string_equal(r.nf_instance_id, ID);
	assert_string_equal(r.nf_type, "AIOTF");
	assert_string_equal(r.target_nf_type, "ADM");
	assert_string_equal(r.scope, "nadm-sec nadm-dm");
	assert_string_equal(r.target_nf_instance_id, "");
	/* percent-decoding (names too), the ID lowercased, the order free */
	assert_int_equal(parse("scope=nadm-sec%3Aget-rand%3Ainvoke%20nadm-sec&target%4EfInstanceId="
	                       "0F6C2A4E-2222-4AAA-8BBB-00000000000B&" BASE "&nfType=AIOTF",
	                       &r, &e),
	                 0);
	assert_string_equal(r.scope, "nadm-sec:get-rand:invoke nadm-sec");
	assert_string_equal(r.target_nf_instance_id, "0f6c2a4e-2222-4aaa-8bbb-00000000000b");
	/* properties of the YAML this NRF does not use are accepted */
	assert_string_equal(verdict(BASE "&targetNfType=ADM&scope=nadm-sec&requesterFqdn=a.example&"
	                                 "targetPlmn=%7B%22mcc%22%3A%22001%22%7D"),
	                    "ok");
}

static void test_form_refused(void **state)
{
	(void)state;
	static const struct {
		const char *form, *error;
	} cases[] = {
	    {"", "invalid_request"},
	    {BASE "&targetNfType=ADM", "invalid_request"},                       /* no scope */
	    {"nfInstanceId=" ID "&targetNfType=ADM&scope=x", "invalid_request"}, /* no grant */
	    {"grant_type=client_credentials&targetNfType=ADM&scope=x", "invalid_request"},
	    {BASE "&scope=nadm-sec", "invalid_request"}, /* no target */
	    {"grant_type=password&nfInstanceId=" ID "&targetNfType=ADM&scope=x",
	     "unsupported_grant_type"},
	    {BASE "&targetNfType=ADM&scope=a&scope=b", "invalid_request"},   /* repeated */
	    {BASE "&targetNfType=ADM&scope=a&s%63ope=b", "invalid_request"}, /* repeated, escaped */
	    {BASE "&targetNfType=ADM&scope=a&afId=1&afId=2", "invalid_request"},
	    {BASE "&targetNfType=ADM&scope=a&client_secret=x", "invalid_request"}, /* unknown */
	    {BASE "&targetNfType=ADM&scope=a%zz", "invalid_request"},              /* bad escape */
	    {BASE "&targetNfType=ADM&scope=a%2", "invalid_request"},
	    {BASE "&targetNfType=ADM&scope=a%00b", "invalid_request"}, /* NUL */
	    {BASE "&targetNfType=ADM&scope=a&", "invalid_request"},    /* empty field */
	    {BASE "&&targetNfType=ADM&scope=a", "invalid_request"},
	    {BASE "&targetNfType=ADM&scope", "invalid_request"}, /* no '=' */
	    {BASE "&targetNfType=ADM&=a", "invalid_request"},
	    {"grant_type=client_credentials&nfInstanceId=aiotf&targetNfType=ADM&scope=a",
	     "invalid_request"},
	    {BASE "&targetNfInstanceId=x&scope=a", "invalid_request"},
	    {BASE "&targetNfType=adm&scope=a", "invalid_request"}, /* not an NFType */
	    {BASE "&targetNfType=ADM&nfType=A+F&scope=a", "invalid_request"},
	    {BASE "&targetNfType=ADM&scope=a++b", "invalid_scope"}, /* the YAML's pattern */
	    {BASE "&targetNfType=ADM&scope=+a", "invalid_scope"},
	    {BASE "&targetNfType=ADM&scope=", "invalid_scope"},
	    {BASE "&targetNfType=ADM&scope=a%2Fb", "invalid_scope"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *v = verdict(cases[i].form);
		if (strcmp(v, cases[i].error) != 0)
			fail_msg("%s: %s, want %s", cases[i].form, v, cases[i].error);
	}
	/* a value longer than the bound */
	char big[2200];
	int n = snprintf(big, sizeof big, BASE "&targetNfType=ADM&scope=");
	memset(big + n, 'a', sizeof big - (size_t)n - 1);
	big[sizeof big - 1] = '\0';
	assert_string_equal(verdict(big), "invalid_request");
}

static void test_policy(void **state)
{
	(void)state;
	nrf_token_policy p = {0};
	nrf_token_err e;
	assert_int_equal(nrf_token_policy_add(&p, "AIOTF", "nadm-sec nadm-dm"), 0);
	assert_int_equal(nrf_token_policy_add(&p, "AF", "naiotf-aiot"), 0);
	assert_int_equal(nrf_token_policy_add(&p, "AF", "nadm-sec"), -1);  /* twice */
	assert_int_equal(nrf_token_policy_add(&p, "ADM", "a  b"), -1);     /* pattern */
	assert_int_equal(nrf_token_policy_add(&p, "adm", "nadm-sec"), -1); /* type */
	assert_int_equal(nrf_token_policy_check(&p, "AIOTF", "nadm-sec", &e), 0);
	assert_int_equal(nrf_token_policy_check(&p, "AIOTF", "nadm-dm nadm-sec", &e), 0);
	/* a service grants its operation scopes (TS 33.501 13.4.1.1) */
	assert_int_equal(
	    nrf_token_policy_check(&p, "AIOTF", "nadm-sec nadm-sec:get-authentication:invoke", &e),
	    0);
	assert_int_equal(nrf_token_policy_check(&p, "AF", "naiotf-aiot:inventory", &e), 0);
	/* not a prefix of another name */
	assert_int_equal(nrf_token_policy_check(&p, "AIOTF", "nadm-secx", &e), -1);
	assert_string_equal(e.error, "invalid_scope");
	assert_int_equal(nrf_token_policy_check(&p, "AIOTF", "nadm-se", &e), -1);
	assert_int_equal(nrf_token_policy_check(&p, "AF", "naiotf-aiot nadm-sec", &e), -1);
	assert_string_equal(e.error, "invalid_scope");
	/* default deny */
	assert_int_equal(nrf_token_policy_check(&p, "ADM", "nadm-sec", &e), -1);
	assert_string_equal(e.error, "unauthorized_client");
}

/* The consumer's side (nrfc_token.h): its form is what the NRF's parser accepts, and the
 * AccessTokenRsp reader takes only a Bearer token with a usable expires_in. */
static void test_consumer(void **state)
{
	(void)state;
	char form[512];
	nrf_token_req r;
	nrf_token_err e;
	int n = nrfc_token_form(form, sizeof form, ID, "AIOTF", "ADM", "nadm-sec nadm-dm");
	assert_true(n > 0);
	assert_string_equal(form, BASE "&nfType=AIOTF&targetNfType=ADM&scope=nadm-sec%20nadm-dm");
	assert_int_equal(nrf_token_req_parse((const uint8_t *)form, (size_t)n, &r, &e), 0);
	assert_string_equal(r.scope, "nadm-sec nadm-dm");
	assert_int_equal(nrfc_token_form(form, 40, ID, "AIOTF", "ADM", "nadm-sec"), -1);

	char *tok = NULL;
	uint32_t life = 0;
	const char *good =
	    "{\"access_token\":\"a.b.c\",\"token_type\":\"Bearer\",\"expires_in\":60,"
	    "\"scope\":\"nadm-sec\"}";
	assert_int_equal(nrfc_token_rsp_parse(good, strlen(good), &tok, &life), 0);
	assert_string_equal(tok, "a.b.c");
	assert_int_equal(life, 60);
	free(tok);
	static const char *const bad[] = {
	    "{\"access_token\":\"a.b.c\",\"token_type\":\"bearer\",\"expires_in\":60}",
	    "{\"access_token\":\"a.b.c\",\"token_type\":\"Bearer\"}",
	    "{\"access_token\":\"a.b.c\",\"token_type\":\"Bearer\",\"expires_in\":0}",
	    "{\"access_token\":\"a.b.c\",\"token_type\":\"Bearer\",\"expires_in\":1.5}",
	    "{\"access_token\":\"\",\"token_type\":\"Bearer\",\"expires_in\":60}",
	    "{\"error\":\"invalid_scope\"}",
	    "[1]",
	    "{",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(nrfc_token_rsp_parse(bad[i], strlen(bad[i]), &tok, &life), -1);
		assert_null(tok);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_form_ok),
	    cmocka_unit_test(test_form_refused),
	    cmocka_unit_test(test_policy),
	    cmocka_unit_test(test_consumer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
