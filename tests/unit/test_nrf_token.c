/* SPDX-License-Identifier: Apache-2.0 */
/* The AccessTokenReq form and the token policy of the NRF (src/nrf/nrf_token.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "nrf/nrf_token.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_form_ok),
	    cmocka_unit_test(test_form_refused),
	    cmocka_unit_test(test_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
