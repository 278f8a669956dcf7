/* SPDX-License-Identifier: Apache-2.0 */
/* devices.jsonl, the one parser (src/devfile/devices_jsonl.c, docs/protocol.md §5.6): every
 * line rule and member rule, the required members with and without AIOT_DEVLINE_ALL, and
 * that a refused line leaves no key behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/aiot_fc.h"
#include "devfile/devices_jsonl.h"

#define ID "AQIDBAAAAAAAAAAB" /* 01 02 03 04 00 .. 00 01 (12 octets) */
#define KEY "000102030405060708090a0b0c0d0e0f"
#define TID "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
#define FULL                                                                                       \
	"{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY "\",\"suite\":\"3gpp\",\"resBits\":96,"     \
	"\"group\":\"line-7\",\"privacy\":true,\"tid\":\"" TID "\"}\n"
#define MIN_BODY "\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY "\",\"suite\":\"aes\""
#define MIN "{" MIN_BODY "}"

static char msg[160];

static int parse(const char *line, unsigned flags, aiot_devline *d)
{
	msg[0] = '\0';
	return aiot_devline_parse(line, strlen(line), flags, AIOT_DEVLINE_ID_MAX, d, msg,
	                          sizeof msg);
}

/* line is refused, msg names why. */
static void refused(const char *line, unsigned flags, const char *why)
{
	aiot_devline d;
	assert_int_equal(parse(line, flags, &d), -1);
	if (strstr(msg, why) == NULL)
		fail_msg("\"%s\": \"%s\" does not name \"%s\"", line, msg, why);
}

static void test_full_line(void **state)
{
	static const uint8_t id[12] = {1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 1};
	aiot_devline d;
	(void)state;
	assert_int_equal(parse(FULL, AIOT_DEVLINE_ALL, &d), 0);
	assert_int_equal(d.perm_id_len, 12);
	assert_memory_equal(d.perm_id, id, 12);
	assert_int_equal(d.suite, AIOT_SUITE_3GPP);
	assert_int_equal(d.key_len, 16);
	assert_int_equal(d.key[15], 0x0f);
	assert_int_equal(d.res_bits, 96);
	assert_string_equal(d.group, "line-7");
	assert_int_equal(d.privacy, 1);
	assert_int_equal(d.has_tid, 1);
	assert_int_equal(d.tid[0], 0xa0);
	assert_int_equal(d.tid[15], 0xaf);
}

static void test_required_members(void **state)
{
	aiot_devline d;
	(void)state;
	/* aiot-devsim takes a line without resBits and group: the defaults. */
	assert_int_equal(parse(MIN, 0, &d), 0);
	assert_int_equal(d.suite, AIOT_SUITE_AES);
	assert_int_equal(d.res_bits, AIOT_RES_BITS_DEFAULT);
	assert_string_equal(d.group, "");
	assert_int_equal(d.privacy, 0);
	assert_int_equal(d.has_tid, 0);
	/* The import wants every member provision writes. */
	refused(MIN, AIOT_DEVLINE_ALL, "missing member \"resBits\"");
	refused("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY
	        "\",\"suite\":\"aes\",\"resBits\":32}",
	        AIOT_DEVLINE_ALL, "missing member \"group\"");
	refused("{\"key\":\"" KEY "\",\"suite\":\"aes\"}", 0, "missing member \"aiotDevPermId\"");
	refused("{\"aiotDevPermId\":\"" ID "\",\"suite\":\"aes\"}", 0, "missing member \"key\"");
	refused("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY "\"}", 0,
	        "missing member \"suite\"");
}

static void test_line_rules(void **state)
{
	char big[AIOT_DEVLINE_MAX_LEN + 2];
	aiot_devline d;
	(void)state;
	assert_int_equal(parse("\n", 0, &d), 1);
	assert_int_equal(parse(" \t\r\n", AIOT_DEVLINE_ALL, &d), 1);
	assert_int_equal(parse("", 0, &d), 1);
	memset(big, ' ', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	refused(big, 0, "line longer than 4096 bytes");
	assert_int_equal(
	    aiot_devline_parse("{\"a\0\":1}\n", 9, 0, AIOT_DEVLINE_ID_MAX, &d, msg, sizeof msg),
	    -1);
	assert_non_null(strstr(msg, "NUL byte"));
	refused("{\"aiotDevPermId\":", 0, "not a JSON object");
	refused("[1,2]", 0, "not a JSON object");
	refused("\"x\"", 0, "not a JSON object");
	refused(MIN " x", 0, "trailing characters");
	refused(MIN MIN, 0, "trailing characters");
	assert_int_equal(parse(MIN " \r\n", 0, &d), 0); /* trailing blanks are fine */
}

static void test_member_rules(void **state)
{
	(void)state;
	refused("{\"color\":1," MIN_BODY "}", 0, "unknown member \"color\"");
	refused("{\"key\":\"" KEY "\"," MIN_BODY "}", 0, "duplicate member \"key\"");
	refused("{\"aiotDevPermId\":\"" ID "=\",\"key\":\"" KEY "\",\"suite\":\"aes\"}", 0,
	        "aiotDevPermId");
	refused("{\"aiotDevPermId\":7,\"key\":\"" KEY "\",\"suite\":\"aes\"}", 0, "aiotDevPermId");
	refused("{\"aiotDevPermId\":\"\",\"key\":\"" KEY "\",\"suite\":\"aes\"}", 0,
	        "aiotDevPermId");
	refused("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY "\",\"suite\":\"des\"}", 0, "suite");
	refused("{\"aiotDevPermId\":\"" ID "\",\"key\":\"0001\",\"suite\":\"3gpp\"}", 0, "key");
	refused("{\"aiotDevPermId\":\"" ID "\",\"key\":\"zz0102030405060708090a0b0c0d0e0f\","
	        "\"suite\":\"3gpp\"}",
	        0, "key");
	refused("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY KEY "\",\"suite\":\"aes\"}", 0,
	        "key: not hex of a 128-bit key");
}

static void test_profile_rules(void **state)
{
	aiot_devline d;
	(void)state;
	/* 256-bit keys: 3gpp only. */
	assert_int_equal(parse("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY KEY
	                       "\",\"suite\":\"3gpp\"}",
	                       0, &d),
	                 0);
	assert_int_equal(d.key_len, 32);
	refused("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY
	        "\",\"suite\":\"aes\",\"resBits\":48}",
	        0, "resBits");
	refused("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY
	        "\",\"suite\":\"aes\",\"resBits\":\"96\"}",
	        0, "resBits");
	refused("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY
	        "\",\"suite\":\"aes\",\"group\":\"\"}",
	        0, "group");
	refused("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY "\",\"suite\":\"aes\",\"group\":1}",
	        0, "group");
	refused("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY "\",\"suite\":\"aes\",\"group\":\""
	        "0123456789012345678901234567890123456789012345678901234567890123\"}",
	        0, "group: not a string of 1 to 63 characters");
	refused("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY
	        "\",\"suite\":\"aes\",\"privacy\":1}",
	        0, "privacy");
	refused("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY "\",\"suite\":\"aes\",\"tid\":\"" TID
	        "\"}",
	        0, "tid given without \"privacy\":true");
	refused("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY
	        "\",\"suite\":\"aes\",\"privacy\":true,\"tid\":\"a0a1\"}",
	        0, "tid: not 32 hex digits");
	/* A privacy device without a T-ID parses; whether it may run is the user's rule. */
	assert_int_equal(parse("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY
	                       "\",\"suite\":\"aes\",\"privacy\":true}",
	                       0, &d),
	                 0);
	assert_int_equal(d.privacy, 1);
	assert_int_equal(d.has_tid, 0);
}

/* The identifier limit is the caller's: the store takes 64 octets, devsim 128. */
static void test_id_limit(void **state)
{
	char line[512], id[200];
	aiot_devline d;
	(void)state;
	memset(id, 'A', 88); /* base64 of 66 zero octets */
	id[88] = '\0';
	snprintf(line, sizeof line,
	         "{\"aiotDevPermId\":\"%s\",\"key\":\"" KEY "\",\"suite\":\"aes\"}", id);
	assert_int_equal(aiot_devline_parse(line, strlen(line), 0, 128, &d, msg, sizeof msg), 0);
	assert_int_equal(d.perm_id_len, 66);
	assert_int_equal(aiot_devline_parse(line, strlen(line), 0, 64, &d, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "aiotDevPermId: not base64 of 1 to 64 bytes"));
}

/* A line refused after its key was decoded leaves nothing of the key in *out. */
/* The writer's line is the one the parser takes back, byte for byte (FULL is such a line);
 * a line that does not fit, or a device the format cannot carry, is refused. */
static void test_format_mirror(void **state)
{
	aiot_devline d, e;
	char buf[AIOT_DEVLINE_MAX_LEN];
	(void)state;
	assert_int_equal(parse(FULL, AIOT_DEVLINE_ALL, &d), 0);
	int n = aiot_devline_format(&d, buf, sizeof buf);
	assert_int_equal(n, (int)strlen(FULL));
	assert_string_equal(buf, FULL);
	for (size_t cap = 0; cap <= (size_t)n; cap++)
		assert_int_equal(aiot_devline_format(&d, buf, cap), -1);
	/* escapes in the group survive the round trip */
	strcpy(d.group, "a\"b\\c\x01");
	n = aiot_devline_format(&d, buf, sizeof buf);
	assert_true(n > 0);
	assert_int_equal(parse(buf, AIOT_DEVLINE_ALL, &e), 0);
	assert_string_equal(e.group, d.group);
	assert_memory_equal(&e, &d, sizeof d);
	d.privacy = 0; /* a T-ID without privacy: no line */
	assert_int_equal(aiot_devline_format(&d, buf, sizeof buf), -1);
	d.privacy = 1;
	d.res_bits = 48;
	assert_int_equal(aiot_devline_format(&d, buf, sizeof buf), -1);
}

static void test_refused_is_zeroised(void **state)
{
	static const aiot_devline zero;
	aiot_devline d;
	(void)state;
	memset(&d, 0x5a, sizeof d);
	assert_int_equal(parse("{\"aiotDevPermId\":\"" ID "\",\"key\":\"" KEY
	                       "\",\"suite\":\"3gpp\",\"resBits\":48}",
	                       0, &d),
	                 -1);
	assert_memory_equal(&d, &zero, sizeof d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_line),           cmocka_unit_test(test_required_members),
	    cmocka_unit_test(test_line_rules),          cmocka_unit_test(test_member_rules),
	    cmocka_unit_test(test_profile_rules),       cmocka_unit_test(test_id_limit),
	    cmocka_unit_test(test_refused_is_zeroised), cmocka_unit_test(test_format_mirror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
