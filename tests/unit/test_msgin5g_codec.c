/* SPDX-License-Identifier: Apache-2.0 */
/* The MSGin5G decoders of peer data: the AKMA PSK identity in a ClientHello's
 * pre_shared_key extension (src/msgin5g/psk_identity.c), the MSGin5G-1 JSON messages
 * (msg.c), the AAnF's expiry (kaf_cache.c): good inputs, round trips, every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/aiot_err.h"
#include "msgin5g/kaf_cache.h"
#include "msgin5g/msg.h"
#include "msgin5g/psk_identity.h"

#define AKID                                                                                       \
	"1234.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef@5gc.mnc001.mcc001." \
	"3gppnetwork.org"

/* OfferedPsks with the given identities and one 32-octet binder each. */
static size_t offered(uint8_t *out, const char *const *ids, size_t n)
{
	size_t p = 2;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(ids[i]);
		out[p] = (uint8_t)(l >> 8), out[p + 1] = (uint8_t)l;
		memcpy(out + p + 2, ids[i], l);
		memset(out + p + 2 + l, 0, 4);
		p += 2 + l + 4;
	}
	out[0] = (uint8_t)((p - 2) >> 8), out[1] = (uint8_t)(p - 2);
	size_t b = p;
	p += 2;
	for (size_t i = 0; i < n; i++) {
		out[p] = 32;
		memset(out + p + 1, 0xB1, 32);
		p += 33;
	}
	out[b] = (uint8_t)((p - b - 2) >> 8), out[b + 1] = (uint8_t)(p - b - 2);
	return p;
}

static void test_psk_extension(void **state)
{
	(void)state;
	uint8_t ext[1024];
	const uint8_t *id;
	size_t id_len;
	const char *ids[] = {"other-psk", "3GPP-AKMA" AKID};
	size_t n = offered(ext, ids, 2);
	assert_int_equal(msgin5g_psk_find_identity(ext, n, &id, &id_len), AIOT_OK);
	assert_int_equal(id_len, strlen(ids[1]));
	assert_memory_equal(id, ids[1], id_len);
	for (size_t l = 0; l < n; l++) /* every prefix: refused */
		assert_int_equal(msgin5g_psk_find_identity(ext, l, &id, &id_len),
		                 AIOT_ERR_MALFORMED);
	ext[n] = 0;
	assert_int_equal(msgin5g_psk_find_identity(ext, n + 1, &id, &id_len), AIOT_ERR_MALFORMED);
	n = offered(ext, ids, 1);
	assert_int_equal(msgin5g_psk_find_identity(ext, n, &id, &id_len), AIOT_ERR_UNKNOWN);
	n = offered(ext, ids + 1, 1);
	ext[n - 33] = 31; /* a binder of 31 octets */
	assert_int_equal(msgin5g_psk_find_identity(ext, n, &id, &id_len), AIOT_ERR_MALFORMED);
	const char *empty[] = {""};
	n = offered(ext, empty, 1);
	assert_int_equal(msgin5g_psk_find_identity(ext, n, &id, &id_len), AIOT_ERR_MALFORMED);
}

/* The SEAL KM's identity (optional, non-normative): found in the extension, key id checked. */
static void test_psk_seal(void **state)
{
	(void)state;
	uint8_t ext[1024];
	const uint8_t *id;
	size_t id_len;
	char key_id[MSGIN5G_AKID_MAX + 1];
	const char *ids[] = {"other-psk", "SEAL-KM0123456789abcdef0123456789abcdef"};
	size_t n = offered(ext, ids, 2);
	assert_int_equal(msgin5g_psk_find_identity(ext, n, &id, &id_len), AIOT_OK);
	assert_memory_equal(id, ids[1], id_len);
	assert_int_equal(msgin5g_psk_seal_key_id(id, id_len, key_id), AIOT_OK);
	assert_string_equal(key_id, ids[1] + 7);
	assert_int_equal(msgin5g_psk_akid(id, id_len, key_id), AIOT_ERR_UNKNOWN);
	static const char *const bad[] = {
	    "SEAL-KM",                                    /* no key id */
	    "SEAL-KM0123456789abcdef0123456789abcde",     /* 31 digits */
	    "SEAL-KM0123456789abcdef0123456789abcdef0",   /* 33 */
	    "SEAL-KM0123456789ABCDEF0123456789abcdef",    /* uppercase */
	    "SEAL-KM0123456789abcdef0123456789abcde\x00", /* NUL */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(msgin5g_psk_seal_key_id((const uint8_t *)bad[i],
		                                         i == 4 ? 39 : strlen(bad[i]), key_id),
		                 AIOT_ERR_MALFORMED);
	assert_int_equal(msgin5g_psk_seal_key_id((const uint8_t *)"3GPP-AKMA" AKID,
	                                         strlen("3GPP-AKMA" AKID), key_id),
	                 AIOT_ERR_UNKNOWN);
}

static void test_psk_akid(void **state)
{
	(void)state;
	char akid[MSGIN5G_AKID_MAX + 1], id[512];
	const char *good[] = {
	    "3GPP-AKMA" AKID,
	    "3GPP-AKMA1.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef@5gc."
	    "mnc999.mcc310.3gppnetwork.org"};
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(msgin5g_psk_akid((const uint8_t *)good[i], strlen(good[i]), akid),
		                 AIOT_OK);
		assert_string_equal(akid, good[i] + 9);
	}
	assert_int_equal(msgin5g_psk_akid((const uint8_t *)"SEAL-KM1", 8, akid), AIOT_ERR_UNKNOWN);
	static const char *const bad[] = {
	    "",                      /* no RID */
	    "12345.",                /* RID of 5 digits */
	    "1234.0123456789ABCDEF", /* uppercase A-TID */
	    "1234.0123",             /* short A-TID */
	    "x",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(id, sizeof id, "3GPP-AKMA%s", bad[i]);
		assert_int_equal(msgin5g_psk_akid((const uint8_t *)id, strlen(id), akid),
		                 AIOT_ERR_MALFORMED);
	}
	/* each tail mutation of a good one: mnc of 2 digits, another domain, trailing bytes, NUL */
	const char *tails[] = {"@5gc.mnc01.mcc001.3gppnetwork.org",
	                       "@5gc.mnc001.mcc001.example.org",
	                       "@5gc.mnc001.mcc001.3gppnetwork.orgX"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(id, sizeof id, "3GPP-AKMA1234.%.64s%s", &AKID[5], tails[i]);
		assert_int_equal(msgin5g_psk_akid((const uint8_t *)id, strlen(id), akid),
		                 AIOT_ERR_MALFORMED);
	}
	snprintf(id, sizeof id, "3GPP-AKMA%s", AKID);
	id[20] = '\0';
	assert_int_equal(msgin5g_psk_akid((const uint8_t *)id, strlen(AKID) + 9, akid),
	                 AIOT_ERR_MALFORMED);
}

static void round_trip(const msgin5g_msg *m)
{
	msgin5g_msg d;
	char *j = msgin5g_encode(m);
	assert_non_null(j);
	assert_int_equal(msgin5g_decode(j, strlen(j), &d), AIOT_OK);
	assert_memory_equal(&d, m, sizeof d);
	free(j);
}

static void test_msg_round_trips(void **state)
{
	(void)state;
	msgin5g_msg m;
	memset(&m, 0, sizeof m);
	m.type = MSGIN5G_REG;
	strcpy(m.ue_service_id, "ue-a@m5.example");
	round_trip(&m);
	m.type = MSGIN5G_DEREG;
	round_trip(&m);
	memset(&m, 0, sizeof m);
	m.type = MSGIN5G_MSG;
	strcpy(m.message_id, "m1");
	strcpy(m.from, "a");
	strcpy(m.to, "b");
	strcpy(m.payload, "h\xc3\xa9llo \"quoted\" \\ \n");
	m.delivery_report = 1;
	round_trip(&m);
	memset(&m, 0, sizeof m);
	m.type = MSGIN5G_MSGRESP;
	m.success = 1;
	round_trip(&m);
	strcpy(m.message_id, "m1");
	strcpy(m.cause, "STORED");
	round_trip(&m);
	memset(&m, 0, sizeof m);
	m.type = MSGIN5G_IMDN;
	strcpy(m.message_id, "m1");
	strcpy(m.from, "a");
	strcpy(m.to, "b");
	round_trip(&m);
	m.from[0] = '\0'; /* a required member missing: not encoded */
	assert_null(msgin5g_encode(&m));
}

static void test_msg_refused(void **state)
{
	(void)state;
	msgin5g_msg m;
	char big[MSGIN5G_PAYLOAD_MAX + 200];
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{}",
	    "{\"messageType\":\"FOO\"}",
	    "{\"messageType\":\"REG\"}",
	    "{\"messageType\":\"REG\",\"ueServiceId\":\"\"}",
	    "{\"messageType\":\"REG\",\"ueServiceId\":7}",
	    "{\"messageType\":\"REG\",\"ueServiceId\":\"a\",\"x\":1}",
	    "{\"messageType\":\"REG\",\"ueServiceId\":\"a\",\"payload\":\"p\"}",
	    "{\"messageType\":\"REG\",\"ueServiceId\":\"a\",\"ueServiceId\":\"b\"}",
	    "{\"messageType\":\"REG\",\"ueServiceId\":\"a\"} x",
	    "{\"messageType\":\"MSG\",\"messageId\":\"1\",\"originatingUeServiceId\":\"a\","
	    "\"recipientUeServiceId\":\"b\"}",
	    "{\"messageType\":\"MSG\",\"messageId\":\"1\",\"originatingUeServiceId\":\"a\","
	    "\"recipientUeServiceId\":\"b\",\"payload\":\"p\",\"deliveryReport\":1}",
	    "{\"messageType\":\"MSGRESP\",\"result\":\"MAYBE\"}",
	    "{\"messageType\":\"IMDN\",\"messageId\":\"1\",\"originatingUeServiceId\":\"a\","
	    "\"recipientUeServiceId\":\"b\",\"deliveryStatus\":\"READ\"}",
	    "{\"messageType\":\"REG\",\"ueServiceId\":\"a\\u0000b\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(msgin5g_decode(bad[i], strlen(bad[i]), &m), AIOT_ERR_MALFORMED);
	int n = snprintf(big, sizeof big,
	                 "{\"messageType\":\"MSG\",\"messageId\":\"1\",\"originatingUeServiceId\":"
	                 "\"a\",\"recipientUeServiceId\":\"b\",\"payload\":\"");
	memset(big + n, 'p', MSGIN5G_PAYLOAD_MAX + 1);
	strcpy(big + n + MSGIN5G_PAYLOAD_MAX + 1, "\"}");
	assert_int_equal(msgin5g_decode(big, strlen(big), &m), AIOT_ERR_MALFORMED);
	strcpy(big + n + MSGIN5G_PAYLOAD_MAX, "\"}"); /* exactly the maximum */
	assert_int_equal(msgin5g_decode(big, strlen(big), &m), AIOT_OK);
}

static void test_expiry(void **state)
{
	(void)state;
	time_t t;
	assert_int_equal(kaf_parse_datetime("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(kaf_parse_datetime("2026-12-03T16:00:00.123+01:00", &t), 0);
	assert_int_equal(t, 1796310000);
	assert_int_equal(kaf_parse_datetime("2026-12-03T14:00:00-01:00", &t), 0);
	assert_int_equal(t, 1796310000);
	static const char *const bad[] = {"",
	                                  "2026-12-03",
	                                  "2026-12-03T15:00:00",
	                                  "2026-13-03T15:00:00Z",
	                                  "2026-12-03T15:00:00+0100",
	                                  "2026-12-03T15:00:00Zx",
	                                  "2026-12-03 15:00:00Z"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(kaf_parse_datetime(bad[i], &t), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_psk_extension), cmocka_unit_test(test_psk_akid),
	    cmocka_unit_test(test_psk_seal),      cmocka_unit_test(test_msg_round_trips),
	    cmocka_unit_test(test_msg_refused),   cmocka_unit_test(test_expiry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
