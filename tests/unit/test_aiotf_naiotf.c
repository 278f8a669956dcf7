/* SPDX-License-Identifier: Apache-2.0 */
/* AIOTF: Naiotf_AIoT request validation (TS 29.569), URL parsing, RES matching against
 * get-authentication answers (TS 33.369 5.2.2 step 10) and the AF authorization decision. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aiotf/aiotf_internal.h"

#define NOTIF "\"afId\":\"af\",\"notifUri\":\"http://127.0.0.1:9/cb\""
#define AREA                                                                                       \
	"\"targetArea\":{\"areaIds\":[{\"plmnId\":{\"mcc\":\"001\",\"mnc\":\"01\"},"               \
	"\"aiotAreaCode\":\"0a0B0c\"}]}"

static aiotf_req *parse(tx_type t, const char *json, sbi_err *e)
{
	memset(e, 0, sizeof *e);
	return naiotf_parse(t, (const uint8_t *)json, strlen(json), e);
}

static void expect_bad(tx_type t, const char *json, const char *cause)
{
	sbi_err e;
	aiotf_req *r = parse(t, json, &e);
	if (r != NULL)
		fail_msg("accepted: %s", json);
	assert_non_null(e.cause);
	if (cause != NULL && strcmp(cause, e.cause) != 0)
		fail_msg("%s: cause %s (%s), expected %s", json, e.cause, e.text, cause);
}

static void test_inventory_valid(void **state)
{
	(void)state;
	sbi_err e;
	aiotf_req *r = parse(TX_INVENTORY,
	                     "{" NOTIF "," AREA ",\"numDevices\":5,\"devLocReqInd\":true,"
	                     "\"suppFeat\":\"0a\",\"timeInterval\":3}",
	                     &e);
	assert_non_null(r);
	assert_int_equal(r->kind, TGT_AREA);
	assert_int_equal(r->num_devices, 5);
	assert_int_equal(r->time_interval, 3);
	assert_string_equal(r->af_id, "af");
	aiotf_req_free(r);
	r = parse(TX_INVENTORY, "{" NOTIF ",\"targetDevices\":{\"devices\":[\"AQID\",\"BAUG\"]}}",
	          &e);
	assert_non_null(r);
	assert_int_equal(r->kind, TGT_DEVICES);
	assert_int_equal(r->ndevs, 2);
	assert_int_equal(r->devs[1].len, 3);
	assert_int_equal(r->devs[1].b[0], 4);
	aiotf_req_free(r);
	r = parse(TX_INVENTORY, "{" NOTIF ",\"targetDevices\":{\"filteringInfo\":\"3q2+7w==\"}}",
	          &e);
	assert_non_null(r);
	assert_int_equal(r->kind, TGT_FILTER);
	assert_int_equal(r->filt.len, 4);
	aiotf_req_free(r);
}

static void test_inventory_invalid(void **state)
{
	(void)state;
	expect_bad(TX_INVENTORY, "[]", "INVALID_MSG_FORMAT");
	expect_bad(TX_INVENTORY, "{\"notifUri\":\"http://a:1/\"," AREA "}", "MANDATORY_IE_MISSING");
	expect_bad(TX_INVENTORY, "{\"afId\":\"a\"," AREA "}", "MANDATORY_IE_MISSING");
	expect_bad(TX_INVENTORY, "{\"afId\":7,\"notifUri\":\"http://a:1/\"," AREA "}",
	           "MANDATORY_IE_INCORRECT");
	expect_bad(TX_INVENTORY, "{" NOTIF "}", "MANDATORY_IE_MISSING");
	expect_bad(TX_INVENTORY, "{\"afId\":\"a\",\"notifUri\":\"ftp://x/\"," AREA "}", NULL);
	expect_bad(TX_INVENTORY, "{\"afId\":\"a\",\"notifUri\":\"http://x:0/\"," AREA "}", NULL);
	expect_bad(TX_INVENTORY, "{" NOTIF ",\"targetDevices\":{}}", NULL);
	expect_bad(TX_INVENTORY,
	           "{" NOTIF ",\"targetDevices\":{\"devices\":[\"AQID\"],"
	           "\"filteringInfo\":\"AQID\"}}",
	           NULL);
	expect_bad(TX_INVENTORY, "{" NOTIF ",\"targetDevices\":{\"devices\":[]}}", NULL);
	expect_bad(TX_INVENTORY, "{" NOTIF ",\"targetDevices\":{\"devices\":[\"!!\"]}}", NULL);
	expect_bad(TX_INVENTORY, "{" NOTIF ",\"targetDevices\":{\"filteringInfo\":\"\"}}", NULL);
	expect_bad(TX_INVENTORY, "{" NOTIF ",\"targetArea\":{}}", "MANDATORY_IE_MISSING");
	expect_bad(TX_INVENTORY, "{" NOTIF ",\"targetArea\":{\"areaIds\":[]}}", NULL);
	expect_bad(TX_INVENTORY,
	           "{" NOTIF ",\"targetArea\":{\"areaIds\":[{\"plmnId\":{\"mcc\":"
	           "\"01\",\"mnc\":\"01\"},\"aiotAreaCode\":\"000000\"}]}}",
	           NULL);
	expect_bad(TX_INVENTORY,
	           "{" NOTIF ",\"targetArea\":{\"areaIds\":[{\"plmnId\":{\"mcc\":"
	           "\"001\",\"mnc\":\"01\"},\"aiotAreaCode\":\"00000g\"}]}}",
	           NULL);
	expect_bad(TX_INVENTORY,
	           "{" NOTIF ",\"targetArea\":{\"areaIds\":[{\"plmnId\":{\"mcc\":"
	           "\"001\",\"mnc\":\"01\"},\"nid\":\"1\",\"aiotAreaCode\":\"000000\"}]}}",
	           NULL);
	expect_bad(TX_INVENTORY, "{" NOTIF "," AREA ",\"devLocReqInd\":false}", NULL);
	expect_bad(TX_INVENTORY, "{" NOTIF "," AREA ",\"numDevices\":-1}", NULL);
	expect_bad(TX_INVENTORY, "{" NOTIF "," AREA ",\"numDevices\":1.5}", NULL);
	expect_bad(TX_INVENTORY, "{" NOTIF "," AREA ",\"suppFeat\":\"xyz\"}", NULL);
}

/* Copies of one device cost what one costs; order of first appearance is kept. The
 * duplicate member and trailing-data cases reach the strict parser through naiotf_parse. */
static void test_devices_merged(void **state)
{
	(void)state;
	sbi_err e;
	aiotf_req *r = parse(TX_INVENTORY,
	                     "{" NOTIF ",\"targetDevices\":{\"devices\":[\"BAUG\","
	                     "\"AQID\",\"BAUG\",\"AQI=\",\"AQID\",\"BAUG\"]}}",
	                     &e);
	assert_non_null(r);
	assert_int_equal(r->ndevs, 3);
	assert_int_equal(r->devs[0].b[0], 4);
	assert_int_equal(r->devs[1].len, 3);
	assert_int_equal(r->devs[1].b[0], 1);
	assert_int_equal(r->devs[2].len, 2);
	aiotf_req_free(r);

	enum { COPIES = 2000 };
	static char big[COPIES * 7 + 256];
	char *p = big + sprintf(big, "{" NOTIF ",\"targetDevices\":{\"devices\":[");
	for (int i = 0; i < COPIES; i++)
		p += sprintf(p, "%s\"AQID\"", i ? "," : "");
	strcpy(p, "]}}");
	r = parse(TX_INVENTORY, big, &e);
	assert_non_null(r);
	assert_int_equal(r->ndevs, 1);
	aiotf_req_free(r);

	expect_bad(TX_INVENTORY,
	           "{" NOTIF ",\"targetDevices\":{\"filteringInfo\":\"AQID\","
	           "\"filteringInfo\":\"BAUG\"}}",
	           "INVALID_MSG_FORMAT");
	expect_bad(TX_COMMAND,
	           "{" NOTIF "," AREA ",\"commandType\":\"READ\",\"commandType\":"
	           "\"PERMANENT_DISABLE\"}",
	           "INVALID_MSG_FORMAT");
	expect_bad(TX_INVENTORY, "{" NOTIF "," AREA "}{}", "INVALID_MSG_FORMAT");
}

static void test_command(void **state)
{
	(void)state;
	sbi_err e;
	aiotf_req *r = parse(TX_COMMAND,
	                     "{" NOTIF "," AREA ",\"commandType\":\"READ\",\"offset\":"
	                     "65535,\"length\":1}",
	                     &e);
	assert_non_null(r);
	assert_int_equal(r->cmd, AIOT_CMD_READ);
	assert_int_equal(r->offset, 65535);
	assert_int_equal(r->length, 1);
	aiotf_req_free(r);
	r = parse(TX_COMMAND,
	          "{" NOTIF "," AREA ",\"commandType\":\"WRITE\",\"offset\":2,"
	          "\"data\":\"aGk=\"}",
	          &e);
	assert_non_null(r);
	assert_int_equal(r->length, 2);
	assert_memory_equal(r->data, "hi", 2);
	aiotf_req_free(r);
	r = parse(TX_COMMAND, "{" NOTIF "," AREA ",\"commandType\":\"PERMANENT_DISABLE\"}", &e);
	assert_non_null(r);
	assert_int_equal(r->cmd, AIOT_CMD_DISABLE);
	aiotf_req_free(r);
	expect_bad(TX_COMMAND, "{" NOTIF "," AREA "}", "MANDATORY_IE_MISSING");
	expect_bad(TX_COMMAND, "{" NOTIF "," AREA ",\"commandType\":\"ERASE\"}", NULL);
	expect_bad(TX_COMMAND, "{" NOTIF "," AREA ",\"commandType\":1}", NULL);
	expect_bad(TX_COMMAND, "{" NOTIF "," AREA ",\"commandType\":\"READ\",\"offset\":0}",
	           "MANDATORY_IE_MISSING");
	expect_bad(TX_COMMAND, "{" NOTIF "," AREA ",\"commandType\":\"READ\",\"length\":4}",
	           "MANDATORY_IE_MISSING");
	expect_bad(TX_COMMAND,
	           "{" NOTIF "," AREA ",\"commandType\":\"READ\",\"offset\":0,"
	           "\"length\":0}",
	           NULL);
	expect_bad(TX_COMMAND,
	           "{" NOTIF "," AREA ",\"commandType\":\"READ\",\"offset\":0,"
	           "\"length\":201}",
	           NULL);
	expect_bad(TX_COMMAND,
	           "{" NOTIF "," AREA ",\"commandType\":\"READ\",\"offset\":65535,"
	           "\"length\":2}",
	           NULL);
	expect_bad(TX_COMMAND, "{" NOTIF "," AREA ",\"commandType\":\"WRITE\",\"offset\":0}",
	           "MANDATORY_IE_MISSING");
	expect_bad(TX_COMMAND,
	           "{" NOTIF "," AREA ",\"commandType\":\"WRITE\",\"offset\":0,"
	           "\"data\":\"aGk=\",\"length\":3}",
	           NULL);
}

static void test_url(void **state)
{
	(void)state;
	char host[64];
	int tls, port;
	const char *path;
	assert_int_equal(
	    sbi_parse_url("http://127.0.0.1:8080/a/b?c=1", &tls, host, sizeof host, &port, &path),
	    0);
	assert_int_equal(tls, 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	assert_string_equal(path, "/a/b?c=1");
	assert_int_equal(sbi_parse_url("https://[::1]:443", &tls, host, sizeof host, &port, &path),
	                 0);
	assert_string_equal(host, "::1");
	assert_string_equal(path, "/");
	assert_int_equal(tls, 1);
	assert_int_equal(sbi_parse_url("http://h", &tls, host, sizeof host, &port, &path), 0);
	assert_int_equal(port, 80);
	const char *bad[] = {"",
	                     "http://",
	                     "http://:1/",
	                     "http://h:x/",
	                     "http://h:70000/",
	                     "http://u@h/",
	                     "http://h:1/a b",
	                     "gopher://h/",
	                     "http://[::1/",
	                     "http://h:1#frag"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (sbi_parse_url(bad[i], &tls, host, sizeof host, &port, &path) == 0)
			fail_msg("accepted %s", bad[i]);
}

/* Two responses with one permanent ID (say, a device and its clone) in one request. */
static void test_match_named(void **state)
{
	(void)state;
	dresp d1 = {0}, d2 = {0};
	authgrp g = {.kind = GRP_NAMED, .key = {.len = 2, .b = {1, 2}}};
	memset(d1.rand_d, 0x11, 16);
	memset(d2.rand_d, 0x22, 16);
	memcpy(d1.res, "\xaa\xbb\xcc\xdd\x01\x02\x03\x04", 8);
	memcpy(d2.res, "\xaa\xbb\xcc\xdd\x01\x02\x03\x05", 8);
	d1.res_len = d2.res_len = 8;
	d1.grp_next = &d2;
	g.resps = &d1;
	g.n = 2;
	const char *body =
	    "{\"authDataSets\":[{\"randD\":\"11111111111111111111111111111111\",\"authDataSet\":"
	    "[{\"xres\":\"aabbccdd01020304\"}]},{\"randD\":\"22222222222222222222222222222222\","
	    "\"authDataSet\":[{\"xres\":\"aabbccdd01020304\"}]}]}";
	cJSON *j = cJSON_Parse(body);
	assert_int_equal(inv_match_auth(&g, j), 0);
	assert_int_equal(d1.auth, AUTH_OK);
	assert_int_equal(d2.auth, AUTH_FAIL); /* the clone's RES does not match */
	cJSON_Delete(j);

	/* A RES of another length never matches a prefix. */
	d1.auth = d2.auth = AUTH_PENDING;
	d1.res_len = 4;
	j = cJSON_Parse(body);
	assert_int_equal(inv_match_auth(&g, j), 0);
	assert_int_equal(d1.auth, AUTH_FAIL);
	cJSON_Delete(j);

	/* Malformed answers: nothing is marked. */
	const char *bad[] = {
	    "{}",
	    "{\"authDataSets\":{}}",
	    "{\"authDataSets\":[{\"randD\":\"11\",\"authDataSet\":[]}]}",
	    "{\"authDataSets\":[{\"randD\":\"11111111111111111111111111111111\"}]}",
	    "{\"authDataSets\":[{\"randD\":\"11111111111111111111111111111111\",\"authDataSet\":"
	    "[{\"xres\":\"aabbcc\"}]}]}",
	    "{\"authDataSets\":[{\"randD\":\"11111111111111111111111111111111\",\"authDataSet\":"
	    "[{\"xres\":\"zzbbccdd01020304\"}]}]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		d1.auth = d2.auth = AUTH_PENDING;
		j = cJSON_Parse(bad[i]);
		if (inv_match_auth(&g, j) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(d1.auth, AUTH_PENDING);
		cJSON_Delete(j);
	}
}

/* A T-ID answer from an ADM without the T-ID extension (a scan): the ADM names the device
 * whose XRES matches. */
static void test_match_anonymous(void **state)
{
	(void)state;
	dresp d = {0};
	authgrp g = {.kind = GRP_TID};
	memset(d.rand_d, 0x33, 16);
	memcpy(d.res, "\x01\x02\x03\x04", 4);
	d.res_len = 4;
	g.resps = &d;
	g.n = 1;
	cJSON *j = cJSON_Parse(
	    "{\"authDataSets\":[{\"randD\":\"33333333333333333333333333333333\",\"authDataSet\":["
	    "{\"xres\":\"0102030500000000\",\"aiotDevPermId\":\"AQ==\"},"
	    "{\"xres\":\"01020305\",\"aiotDevPermId\":\"Ag==\"},"
	    "{\"xres\":\"01020304\",\"aiotDevPermId\":\"AwQ=\"}]}]}");
	assert_int_equal(inv_match_auth(&g, j), 0);
	assert_int_equal(d.auth, AUTH_OK);
	assert_int_equal(d.perm.len, 2);
	assert_int_equal(d.perm.b[0], 3);
	assert_int_equal(d.perm.b[1], 4);
	cJSON_Delete(j);
	/* Without aiotDevPermId an anonymous answer cannot identify the device: malformed. */
	j = cJSON_Parse("{\"authDataSets\":[{\"randD\":\"33333333333333333333333333333333\","
	                "\"authDataSet\":[{\"xres\":\"01020304\"}]}]}");
	d.auth = AUTH_PENDING;
	assert_int_equal(inv_match_auth(&g, j), -1);
	cJSON_Delete(j);
}

/* ---- AF authorization (afauth.c) ------------------------------------------------------- */

#define AZ(one) "{\"afAuthData\":{\"af\":" one "}}"

static void az_parse(const char *json, afauth *z, int expect_rc)
{
	char err[256] = "";
	cJSON *j = cJSON_Parse(json);
	assert_non_null(j);
	int rc = afauth_parse(j, "af", z, err, sizeof err);
	cJSON_Delete(j);
	if (rc != expect_rc)
		fail_msg("%s: rc %d (%s)", json, rc, err);
}

/* 0 if the data allows the request body (parsed as type). */
static int az_allows(const afauth *z, tx_type t, const char *body)
{
	sbi_err e;
	char why[256];
	aiotf_req *r = parse(t, body, &e);
	if (r == NULL)
		fail_msg("request rejected: %s (%s)", body, e.text);
	int rc = afauth_decide(z, r, why, sizeof why);
	aiotf_req_free(r);
	return rc;
}

#define DEVS(list) "\"targetDevices\":{\"devices\":[" list "]}"
#define FILT(f) "\"targetDevices\":{\"filteringInfo\":\"" f "\"}"
#define READ_CMD "\"commandType\":\"READ\",\"offset\":0,\"length\":1,"

static void test_afauth_who_and_what(void **state)
{
	(void)state;
	afauth z;
	az_parse("{\"afAuthData\":{\"other\":{\"afId\":\"other\"}}}", &z, 0);
	assert_int_equal(z.known, 0);
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," AREA "}"), -1);
	afauth_clear(&z);
	az_parse(AZ("{\"afId\":\"af\"}"), &z, 0); /* no operation granted */
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," AREA "}"), -1);
	afauth_clear(&z);
	az_parse(AZ("{\"afId\":\"af\",\"allowedServiceOperations\":[\"READ\",\"FUTURE_OP\"]}"), &z,
	         0);
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," AREA "}"), -1);
	assert_int_equal(az_allows(&z, TX_COMMAND, "{" NOTIF "," READ_CMD AREA "}"), 0);
	assert_int_equal(az_allows(&z, TX_COMMAND,
	                           "{" NOTIF ",\"commandType\":\"WRITE\","
	                           "\"offset\":0,\"data\":\"AA==\"," AREA "}"),
	                 -1);
	assert_int_equal(az_allows(&z, TX_COMMAND,
	                           "{" NOTIF ",\"commandType\":"
	                           "\"PERMANENT_DISABLE\"," AREA "}"),
	                 -1);
	afauth_clear(&z);
	/* Data that does not match the schema is an error, never a grant. */
	az_parse(AZ("{\"afId\":\"af\",\"allowedServiceOperations\":\"READ\"}"), &z, -1);
	az_parse(AZ("{\"afId\":\"af\",\"allowedServiceOperations\":[1]}"), &z, -1);
	az_parse(AZ("{\"afId\":\"af\",\"allowedArea\":{\"areaIds\":[]}}"), &z, -1);
	az_parse(AZ("{\"afId\":\"af\",\"allowedTargetAiotDevices\":[]}"), &z, -1);
	az_parse(AZ("{\"afId\":\"af\",\"allowedTargetAiotDevices\":[{}]}"), &z, -1);
	az_parse(AZ("{\"afId\":\"af\",\"allowedTargetAiotDevices\":[{\"aiotDevPermId\":\"AQ==\","
	            "\"filteringInfo\":\"AQ==\"}]}"),
	         &z, -1);
	az_parse(AZ("7"), &z, -1);
	az_parse("{\"x\":1}", &z, -1);
}

static void test_afauth_area(void **state)
{
	(void)state;
	afauth z;
	az_parse(
	    AZ("{\"afId\":\"af\",\"allowedServiceOperations\":[\"INVENTORY\"],\"allowedArea\":"
	       "{\"areaIds\":[{\"plmnId\":{\"mcc\":\"001\",\"mnc\":\"01\"},\"aiotAreaCode\":"
	       "\"0A0B0C\"},{\"plmnId\":{\"mcc\":\"001\",\"mnc\":\"01\"},\"nid\":\"0123456789a\","
	       "\"aiotAreaCode\":\"000001\"}]}}"),
	    &z, 0);
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," AREA "}"), 0); /* 0a0B0c */
	assert_int_equal(az_allows(&z, TX_INVENTORY,
	                           "{" NOTIF ",\"targetArea\":{\"areaIds\":[{"
	                           "\"plmnId\":{\"mcc\":\"001\",\"mnc\":\"01\"},\"nid\":"
	                           "\"0123456789A\",\"aiotAreaCode\":"
	                           "\"000001\"}]}}"),
	                 0);
	/* the same code without the nid is another area */
	assert_int_equal(
	    az_allows(
	        &z, TX_INVENTORY,
	        "{" NOTIF ",\"targetArea\":{\"areaIds\":[{"
	        "\"plmnId\":{\"mcc\":\"001\",\"mnc\":\"01\"},\"aiotAreaCode\":\"000001\"}]}}"),
	    -1);
	assert_int_equal(
	    az_allows(
	        &z, TX_INVENTORY,
	        "{" NOTIF ",\"targetArea\":{\"areaIds\":[{"
	        "\"plmnId\":{\"mcc\":\"001\",\"mnc\":\"001\"},\"aiotAreaCode\":\"0a0b0c\"}]}}"),
	    -1);
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," DEVS("\"AQID\"") "}"), -1);
	afauth_clear(&z);
}

static void test_afauth_targets(void **state)
{
	(void)state;
	afauth z;
	/* filter 01 02 (AQI=), device 07 07 07 (BwcH) */
	az_parse(AZ("{\"afId\":\"af\",\"allowedServiceOperations\":[\"INVENTORY\",\"READ\"],"
	            "\"allowedTargetAiotDevices\":[{\"filteringInfo\":\"AQI=\"},{\"aiotDevPermId\":"
	            "\"BwcH\"}]}"),
	         &z, 0);
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," DEVS("\"AQID\",\"BwcH\"") "}"),
	                 0);
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," DEVS("\"AQI=\"") "}"), 0);
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," DEVS("\"AQM=\"") "}"), -1);
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," DEVS("\"BwcHBw==\"") "}"), -1);
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," DEVS("\"Bwc=\"") "}"), -1);
	assert_int_equal(az_allows(&z, TX_COMMAND, "{" NOTIF "," READ_CMD FILT("AQID") "}"), 0);
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," FILT("AQI=") "}"), 0);
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," FILT("AQ==") "}"), -1);
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," FILT("BwcH") "}"), -1);
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," AREA "}"), -1);
	assert_int_equal(az_allows(&z, TX_INVENTORY, "{" NOTIF "," AREA "," DEVS("\"AQID\"") "}"),
	                 0);
	afauth_clear(&z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inventory_valid),
	    cmocka_unit_test(test_inventory_invalid),
	    cmocka_unit_test(test_command),
	    cmocka_unit_test(test_url),
	    cmocka_unit_test(test_match_named),
	    cmocka_unit_test(test_match_anonymous),
	    cmocka_unit_test(test_afauth_who_and_what),
	    cmocka_unit_test(test_afauth_area),
	    cmocka_unit_test(test_afauth_targets),
	    cmocka_unit_test(test_devices_merged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
