/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mirror tests of the UDM/AUSF codecs and the ARPF's arithmetic, sans-I/O:
 *   ueau.c       request and result written by one side, read by the other, equal; SUCI
 *                null scheme -> SUPI; refusals with their status and cause
 *   udm_av.c     SQN_HE = SEQ || IND (TS 33.102 C.1.1, C.3.2): increments, resync never
 *                backwards, wrap refused; AUTN of TS 35.208 set 1
 *   udm_sub.c    store record and provisioning line round trip, OP -> OPc
 *   ausf_json.c  routes
 *   ausf_ctx.c   add/find/expire/replace
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ausf/ausf_ctx.h"
#include "ausf/ausf_json.h"
#include "common/aiot_err.h"
#include "crypto/aka5g.h"
#include "crypto/milenage.h"
#include "udm/udm_av.h"
#include "udm/udm_sub.h"
#include "udm/ueau.h"

static const char SNN[] = "5G:mnc001.mcc001.3gppnetwork.org";
static const char AUSF_ID[] = "3f1c2a4e-1111-4222-8333-444455556666";

static void request_mirror(void **state)
{
	(void)state;
	ueau_request q = {.supi = "imsi-001010000000001", .resync = {.present = 1}}, p;
	snprintf(q.snn, sizeof q.snn, "%s", SNN);
	snprintf(q.ausf_id, sizeof q.ausf_id, "%s", AUSF_ID);
	memset(q.resync.rand, 0xa5, 16);
	memset(q.resync.auts, 0x3c, 14);
	char *j = ueau_request_json(&q);
	sbi_err e = {0};
	assert_non_null(j);
	assert_int_equal(
	    ueau_request_parse(q.supi, strlen(q.supi), (uint8_t *)j, strlen(j), &p, &e), 0);
	assert_memory_equal(&q, &p, sizeof q);
	free(j);
}

static void result_mirror(void **state)
{
	(void)state;
	ueau_result r = {.supi = "imsi-00101123456789", .akma = 1, .rid = "4321"}, p;
	memset(r.rand, 1, 16);
	memset(r.autn, 2, 16);
	memset(r.xres_star, 3, 16);
	memset(r.kausf, 4, 32);
	char *j = ueau_result_json(&r);
	sbi_err e = {0};
	assert_non_null(j);
	assert_int_equal(ueau_result_parse((uint8_t *)j, strlen(j), &p, &e), 0);
	assert_memory_equal(&r, &p, sizeof r);
	free(j);
	const char *eap = "{\"authType\":\"EAP_AKA_PRIME\",\"supi\":\"imsi-001010000000001\"}";
	assert_int_equal(ueau_result_parse((const uint8_t *)eap, strlen(eap), &p, &e), -1);
}

static void supi_or_suci(void **state)
{
	(void)state;
	char supi[UEAU_SUPI_MAX + 1];
	sbi_err e = {0};
	assert_int_equal(ueau_supi_from("suci-0-001-01-0-0-0-0000000001", supi, &e), 0);
	assert_string_equal(supi, "imsi-001010000000001");
	assert_int_equal(ueau_supi_from("suci-0-310-410-1234-0-0-123456789", supi, &e), 0);
	assert_string_equal(supi, "imsi-310410123456789");
	memset(&e, 0, sizeof e);
	assert_int_equal(ueau_supi_from("suci-0-001-01-0-1-1-abcdef", supi, &e), -1);
	assert_int_equal(e.status, 501);
	assert_string_equal(e.cause, "UNSUPPORTED_PROTECTION_SCHEME");
	assert_int_equal(ueau_supi_from("nai-user@example.org", supi, &e), -1);
	assert_int_equal(e.status, 404);
	assert_int_equal(ueau_supi_from("suci-0-001-01-0-0-0-", supi, &e), -1);
	assert_int_equal(e.status, 400);
	assert_int_equal(ueau_supi_from("suci-0-001-01-0-0-0-12345678901234", supi, &e), -1);
	assert_int_equal(ueau_supi_from("imsi-1234", supi, &e), -1);
	assert_int_equal(e.status, 400);
	assert_true(ueau_snn_valid(SNN));
	assert_true(ueau_snn_valid("5G:mnc001.mcc001.3gppnetwork.org:0123456789A"));
	assert_false(ueau_snn_valid("5G:mnc01.mcc001.3gppnetwork.org"));
	assert_false(ueau_snn_valid("5G:mnc001.mcc001.3gppnetwork.org:0123456789a"));
}

static void sqn(void **state)
{
	(void)state;
	uint8_t s[6] = {0}, ms[6];
	assert_int_equal(udm_sqn_next(s, s), AIOT_OK);
	assert_memory_equal(s, "\x00\x00\x00\x00\x00\x21", 6); /* SEQ 1, IND 1 */
	for (int i = 0; i < 31; i++)
		assert_int_equal(udm_sqn_next(s, s), AIOT_OK);
	assert_memory_equal(s, "\x00\x00\x00\x00\x04\x00", 6); /* SEQ 32, IND 0 again */
	memcpy(ms, "\x00\x00\x00\x00\x20\x07", 6);             /* SEQ_MS 256 */
	udm_sqn_resync(s, ms);
	assert_memory_equal(s, "\x00\x00\x00\x00\x20\x00", 6); /* SEQ_HE 256, IND kept */
	memcpy(ms, "\x00\x00\x00\x00\x00\x27", 6);             /* an older SEQ_MS: no change */
	udm_sqn_resync(s, ms);
	assert_memory_equal(s, "\x00\x00\x00\x00\x20\x00", 6);
	memset(s, 0xff, 6);
	assert_int_equal(udm_sqn_next(s, ms), AIOT_ERR_STATE); /* SEQ used up: no wrap */
}

static const uint8_t K1[16] = {0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f,
                               0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc};
static const uint8_t OPC1[16] = {0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e,
                                 0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf};
static const uint8_t RAND1[16] = {0x23, 0x55, 0x3c, 0xbe, 0x96, 0x37, 0xa8, 0x9d,
                                  0x21, 0x8a, 0xe6, 0x4d, 0xae, 0x47, 0xbf, 0x35};

static void vector(void **state)
{
	(void)state;
	udm_sub s = {.amf = {0xb9, 0xb9}};
	memcpy(s.k, K1, 16);
	memcpy(s.opc, OPC1, 16);
	udm_av av;
	uint8_t sqn[6] = {0xff, 0x9b, 0xb4, 0xd0, 0xb6, 0x07}, xres[16];
	assert_int_equal(udm_av_make(&s, sqn, SNN, RAND1, &av), AIOT_OK);
	/* TS 35.208 set 1: AK aa689c648370, MAC-A 4a9ffac354dfafb3 */
	assert_memory_equal(av.autn,
	                    "\x55\xf3\x28\xb4\x35\x77\xb9\xb9\x4a\x9f\xfa\xc3\x54\xdf\xaf\xb3", 16);
	aiot_milenage_out m;
	aiot_milenage(K1, OPC1, RAND1, sqn, s.amf, &m);
	assert_int_equal(aiot_5g_res_star(m.ck, m.ik, SNN, RAND1, m.res, 8, xres), AIOT_OK);
	assert_memory_equal(av.xres_star, xres, 16);
}

static void sub_encodings(void **state)
{
	(void)state;
	const char *line =
	    "{\"supi\":\"imsi-001010000000002\",\"k\":\"fec86ba6eb707ed08905757b1bb44b8f\","
	    "\"op\":\"dbc59adcb6f9a0ef735477b7fadf8374\",\"sqn\":\"0000000007e0\","
	    "\"amf\":\"b9b9\",\"akmaInd\":true,\"routingId\":\"12\"}";
	udm_sub s, t;
	char err[200];
	uint8_t secret[UDM_SECRET_LEN];
	assert_int_equal(udm_sub_from_line(&s, line, strlen(line), err, sizeof err), AIOT_OK);
	/* TS 35.208 test set 2: OPc */
	assert_memory_equal(s.opc,
	                    "\x10\x06\x02\x0f\x0a\x47\x8b\xf6\xb6\x99\xf1\x5c\x06\x2e\x42\xb3", 16);
	char *meta = udm_sub_meta(&s);
	udm_sub_secret(&s, secret);
	assert_int_equal(udm_sub_load(&t, s.supi, meta, secret, sizeof secret, err, sizeof err),
	                 AIOT_OK);
	assert_memory_equal(&s, &t, sizeof s);
	free(meta);
	const char *both =
	    "{\"supi\":\"imsi-001010000000002\",\"k\":\"fec86ba6eb707ed08905757b1bb44b8f\","
	    "\"op\":\"dbc59adcb6f9a0ef735477b7fadf8374\",\"opc\":"
	    "\"dbc59adcb6f9a0ef735477b7fadf8374\"}";
	assert_int_equal(udm_sub_from_line(&s, both, strlen(both), err, sizeof err),
	                 AIOT_ERR_MALFORMED);
	const char *rid =
	    "{\"supi\":\"imsi-001010000000002\",\"k\":\"fec86ba6eb707ed08905757b1bb44b8f\","
	    "\"opc\":\"dbc59adcb6f9a0ef735477b7fadf8374\",\"routingId\":\"12345\"}";
	assert_int_equal(udm_sub_from_line(&s, rid, strlen(rid), err, sizeof err),
	                 AIOT_ERR_MALFORMED);
}

static void routes(void **state)
{
	(void)state;
	char id[AUSF_CTX_ID_LEN + 1];
	assert_int_equal(ausf_route("/nausf-auth/v1/ue-authentications", id), AUSF_R_CREATE);
	assert_int_equal(
	    ausf_route("/nausf-auth/v1/ue-authentications/abc/5g-aka-confirmation", id),
	    AUSF_R_CONFIRM);
	assert_string_equal(id, "abc");
	assert_int_equal(
	    ausf_route("/nausf-auth/v1/ue-authentications/a/b/5g-aka-confirmation", id),
	    AUSF_R_NONE);
	assert_int_equal(ausf_route("/nausf-auth/v1/ue-authentications//5g-aka-confirmation", id),
	                 AUSF_R_NONE);
	assert_int_equal(ausf_route("/nausf-auth/v1/ue-authentications/deregister", id),
	                 AUSF_R_NONE);
}

/* The bodies the AUSF writes, to the octet (it_ausf validates the same texts against the
 * YAMLs). */
static void ausf_bodies(void **state)
{
	(void)state;
	uint8_t k[32];
	memset(k, 0xab, sizeof k);
	char *j =
	    ausf_akma_json("imsi-001010000000001", "12.00@5gc.mnc001.mcc001.3gppnetwork.org", k);
	assert_string_equal(j,
	                    "{\"supi\":\"imsi-001010000000001\",\"aKId\":\"12.00@5gc.mnc001.mcc001."
	                    "3gppnetwork.org\",\"kAkma\":\"abababababababababababababababababababab"
	                    "abababababababababababab\"}");
	free(j);
	j = ausf_confirm_json(0, "imsi-001010000000001", k);
	assert_string_equal(j, "{\"authResult\":\"AUTHENTICATION_FAILURE\"}");
	free(j);
}

static void contexts(void **state)
{
	(void)state;
	ausf_ctx_tab *t = ausf_ctx_tab_new(2);
	assert_non_null(t);
	ausf_ctx *a = ausf_ctx_add(t, "a"), *b = ausf_ctx_add(t, "b");
	assert_non_null(a);
	assert_non_null(b);
	a->expires_ms = 100;
	b->expires_ms = AUSF_NEVER;
	assert_null(ausf_ctx_add(t, "c")); /* full */
	assert_ptr_equal(ausf_ctx_find(t, "a", 99), a);
	assert_null(ausf_ctx_find(t, "a", 100)); /* expired, even before the sweep */
	assert_int_equal(ausf_ctx_expire(t, 150), 1);
	assert_int_equal(ausf_ctx_count(t), 1);
	ausf_ctx *b2 = ausf_ctx_add(t, "b"); /* replaces */
	assert_non_null(b2);
	assert_int_equal(ausf_ctx_count(t), 1);
	ausf_ctx_tab_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(request_mirror), cmocka_unit_test(result_mirror),
	    cmocka_unit_test(supi_or_suci),   cmocka_unit_test(sqn),
	    cmocka_unit_test(vector),         cmocka_unit_test(sub_encodings),
	    cmocka_unit_test(routes),         cmocka_unit_test(contexts),
	    cmocka_unit_test(ausf_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
