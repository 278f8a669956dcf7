/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mirror tests of the serving network's Nausf_UEAuthentication JSON (src/ue/ue_aka_json.h)
 * against the AUSF's own codecs (src/ausf/ausf_json.h): what one side writes, the other
 * reads back equal; and the refusals of the UE's decoders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ausf/ausf_json.h"
#include "ue/ue_aka_json.h"

static const char SNN[] = "5G:mnc001.mcc001.3gppnetwork.org";
static const char HREF[] = "http://127.0.0.1:7782/nausf-auth/v1/ue-authentications/"
                           "00112233445566778899aabbccddeeff/5g-aka-confirmation";

static void authinfo_mirror(void **state)
{
	(void)state;
	uint8_t rand[16], auts[AIOT_AUTS_LEN];
	ausf_authinfo a;
	sbi_err e = {0};
	memset(rand, 0x5a, sizeof rand);
	memset(auts, 0xc3, sizeof auts);
	char *j = ue_authinfo_json("imsi-001010000000001", SNN, NULL, NULL);
	assert_non_null(j);
	assert_int_equal(ausf_authinfo_parse((const uint8_t *)j, strlen(j), &a, &e), 0);
	assert_string_equal(a.supi_or_suci, "imsi-001010000000001");
	assert_string_equal(a.snn, SNN);
	assert_int_equal(a.resync.present, 0);
	free(j);
	j = ue_authinfo_json("imsi-001010000000001", SNN, rand, auts);
	assert_non_null(j);
	assert_int_equal(ausf_authinfo_parse((const uint8_t *)j, strlen(j), &a, &e), 0);
	assert_int_equal(a.resync.present, 1);
	assert_memory_equal(a.resync.rand, rand, 16);
	assert_memory_equal(a.resync.auts, auts, sizeof auts);
	free(j);
	/* a quote in a name is escaped, not injected: the AUSF refuses the SUPI */
	j = ue_authinfo_json("imsi-00101\",\"x\":\"", SNN, NULL, NULL);
	assert_non_null(j);
	assert_int_not_equal(ausf_authinfo_parse((const uint8_t *)j, strlen(j), &a, &e), 0);
	free(j);
}

static void confirm_mirror(void **state)
{
	(void)state;
	uint8_t rs[16], back[16];
	sbi_err e = {0};
	memset(rs, 0x77, sizeof rs);
	char *j = ue_confirm_json(rs);
	assert_non_null(j);
	assert_int_equal(ausf_confirm_parse((const uint8_t *)j, strlen(j), back, &e), 0);
	assert_memory_equal(back, rs, 16);
	free(j);
}

static void challenge_mirror(void **state)
{
	(void)state;
	uint8_t rand[16], autn[16], hx[16];
	ue_challenge c;
	char why[200];
	memset(rand, 1, 16);
	memset(autn, 2, 16);
	memset(hx, 3, 16);
	char *j = ausf_ctx_json(rand, autn, hx, HREF, SNN);
	assert_non_null(j);
	assert_int_equal(ue_challenge_parse(j, strlen(j), &c, why, sizeof why), 0);
	assert_memory_equal(c.rand, rand, 16);
	assert_memory_equal(c.autn, autn, 16);
	assert_memory_equal(c.hxres_star, hx, 16);
	assert_string_equal(c.href, HREF);
	/* one octet short of the whole text: refused */
	assert_int_equal(ue_challenge_parse(j, strlen(j) - 1, &c, why, sizeof why), -1);
	free(j);
	static const char *bad[] = {
	    "{\"authType\":\"EAP_AKA_PRIME\",\"5gAuthData\":{},\"_links\":{}}",
	    ("{\"authType\":\"5G_AKA\",\"5gAuthData\":{\"rand\":\"00\",\"autn\":\"00\","
	     "\"hxresStar\":\"00\"},\"_links\":{\"5g-aka\":{\"href\":\"x\"}}}"),
	    "[]",
	    "{\"authType\":\"5G_AKA\",\"authType\":\"5G_AKA\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(ue_challenge_parse(bad[i], strlen(bad[i]), &c, why, sizeof why),
		                 -1);
}

static void confirmation_mirror(void **state)
{
	(void)state;
	uint8_t kseaf[32];
	ue_confirmation c;
	char why[200];
	memset(kseaf, 0x42, sizeof kseaf);
	char *j = ausf_confirm_json(1, "imsi-001010000000001", kseaf);
	assert_non_null(j);
	assert_int_equal(ue_confirmation_parse(j, strlen(j), &c, why, sizeof why), 0);
	assert_int_equal(c.success, 1);
	assert_string_equal(c.supi, "imsi-001010000000001");
	assert_int_equal(c.has_kseaf, 1);
	assert_memory_equal(c.kseaf, kseaf, 32);
	free(j);
	j = ausf_confirm_json(0, NULL, NULL);
	assert_non_null(j);
	assert_int_equal(ue_confirmation_parse(j, strlen(j), &c, why, sizeof why), 0);
	assert_int_equal(c.success, 0);
	assert_int_equal(c.has_kseaf, 0);
	free(j);
	static const char *bad[] = {
	    "{\"authResult\":\"OK\"}",
	    "{\"authResult\":\"AUTHENTICATION_SUCCESS\",\"kseaf\":\"0011\"}",
	    "{\"authResult\":\"AUTHENTICATION_SUCCESS\",\"supi\":7}",
	    "{}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(ue_confirmation_parse(bad[i], strlen(bad[i]), &c, why, sizeof why),
		                 -1);
}

static void problem_text(void **state)
{
	(void)state;
	char t[300];
	const char *p = "{\"status\":403,\"cause\":\"SERVING_NETWORK_NOT_AUTHORIZED\","
	                "\"detail\":\"\\u001b[2Jx\"}";
	ue_problem_text(p, strlen(p), 403, t, sizeof t);
	assert_string_equal(t, "403 SERVING_NETWORK_NOT_AUTHORIZED (?[2Jx)");
	ue_problem_text("not json", 8, 503, t, sizeof t);
	assert_string_equal(t, "503");
	ue_problem_text(NULL, 0, 500, t, sizeof t);
	assert_string_equal(t, "500");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(authinfo_mirror),  cmocka_unit_test(confirm_mirror),
	    cmocka_unit_test(challenge_mirror), cmocka_unit_test(confirmation_mirror),
	    cmocka_unit_test(problem_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
