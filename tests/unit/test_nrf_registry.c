/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NRF's registry (src/nrf/nrf_registry.c) over its real SQLite store: register, replace,
 * patch, deregister; the heartbeat logic on a given clock (SUSPENDED after heartBeatTimer +
 * grace, not discovered, REGISTERED again on the next heartbeat); discovery filters; and the
 * registry read back by a new registry on the same file (a restart). The profiles are the
 * ones the NF client builds (src/nrfc/nrfc_profile.c), and its reading of the SearchResult.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nrf/nrf_registry.h"
#include "nrfc/nrfc.h"

#define ADM_ID "0f6c2a4e-1111-4aaa-8bbb-000000000001"
#define AIOTF_ID "0f6c2a4e-2222-4aaa-8bbb-000000000002"

static char dir[64], uri[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_nrf_registry.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(uri, sizeof uri, "sqlite:%s/nrf.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static cJSON *nf_profile(const char *id, const char *type, const char *service, int port)
{
	const char *const services[] = {service, NULL};
	nrfc_nf nf = {.nf_instance_id = id,
	              .nf_type = type,
	              .host = "127.0.0.1",
	              .port = port,
	              .services = services,
	              .info_name = strcmp(type, "ADM") == 0 ? "admInfo" : NULL,
	              .info_json = "{\"afIdList\":[\"af-1\"]}"};
	char *txt = nrfc_profile_json(&nf);
	assert_non_null(txt);
	cJSON *p = cJSON_Parse(txt);
	free(txt);
	assert_non_null(p);
	return p;
}

static const char *status(nrf_registry *r, const char *id, uint64_t now)
{
	static char buf[32];
	cJSON *p = nrf_registry_get(r, id, now);
	assert_non_null(p);
	snprintf(buf, sizeof buf, "%s", cJSON_GetObjectItem(p, "nfStatus")->valuestring);
	cJSON_Delete(p);
	return buf;
}

static int found(nrf_registry *r, const nrf_query *q, uint64_t now)
{
	cJSON *a = nrf_registry_search(r, q, now);
	assert_non_null(a);
	int n = cJSON_GetArraySize(a);
	cJSON_Delete(a);
	return n;
}

static int patch(nrf_registry *r, const char *id, const char *text, uint64_t now)
{
	cJSON *p = cJSON_Parse(text), *out = NULL;
	sbi_err e = {0};
	int st = nrf_registry_patch(r, id, p, now, &out, &e);
	cJSON_Delete(p);
	cJSON_Delete(out);
	return st < 0 ? sbi_err_status(&e) : st;
}

static void test_register_and_heartbeat(void **state)
{
	char err[200];
	sbi_err e = {0};
	cJSON *out = NULL;
	(void)state;
	nrf_store *st = nrf_store_open(uri, err, sizeof err);
	assert_non_null(st);
	nrf_registry_cfg cfg = {.heartbeat_s = 2, .grace_ms = 500};
	nrf_registry *r = nrf_registry_new(st, &cfg, 1000, err, sizeof err);
	assert_non_null(r);

	assert_int_equal(nrf_registry_put(r, ADM_ID, nf_profile(ADM_ID, "ADM", "nadm-sec", 7777),
	                                  1000, &out, &e),
	                 201);
	/* the NRF imposes its heartBeatTimer */
	assert_int_equal(cJSON_GetObjectItem(out, "heartBeatTimer")->valueint, 2);
	cJSON_Delete(out);
	assert_int_equal(nrf_registry_put(r, ADM_ID, nf_profile(ADM_ID, "ADM", "nadm-sec", 7778),
	                                  1000, &out, &e),
	                 200);
	cJSON_Delete(out);
	/* the ID of the URI must be the profile's */
	assert_int_equal(
	    nrf_registry_put(r, AIOTF_ID, nf_profile(ADM_ID, "ADM", "nadm-sec", 1), 1000, &out, &e),
	    -1);
	assert_int_equal(sbi_err_status(&e), 400);

	nrf_query q = {.target_nf_type = "ADM", .requester_nf_type = "AIOTF"};
	assert_int_equal(found(r, &q, 3000), 1);
	/* heartBeatTimer + grace = 2.5 s after the last heartbeat (1.0 s): still registered at
	 * 3.5 s, suspended just after */
	assert_string_equal(status(r, ADM_ID, 3500), "REGISTERED");
	assert_string_equal(status(r, ADM_ID, 3501), "SUSPENDED");
	assert_int_equal(found(r, &q, 3502), 0);
	size_t susp = 0;
	assert_int_equal(nrf_registry_count(r, 3503, &susp), 1);
	assert_int_equal(susp, 1);
	/* the next heartbeat brings it back */
	assert_int_equal(
	    patch(r, ADM_ID, "[{\"op\":\"replace\",\"path\":\"/load\",\"value\":3}]", 4000),
	    400); /* no /load to replace: refused, still suspended */
	assert_string_equal(status(r, ADM_ID, 4000), "SUSPENDED");
	assert_int_equal(
	    patch(r, ADM_ID, "[{\"op\":\"add\",\"path\":\"/load\",\"value\":3}]", 4000), 200);
	assert_string_equal(status(r, ADM_ID, 4001), "REGISTERED");
	assert_int_equal(found(r, &q, 4002), 1);
	/* a PATCH that sets nfStatus itself wins over the heartbeat rule */
	assert_int_equal(patch(r, ADM_ID,
	                       "[{\"op\":\"replace\",\"path\":\"/nfStatus\",\"value\":"
	                       "\"UNDISCOVERABLE\"}]",
	                       4100),
	                 200);
	assert_int_equal(found(r, &q, 4200), 0);
	assert_int_equal(patch(r, ADM_ID,
	                       "[{\"op\":\"replace\",\"path\":\"/nfStatus\",\"value\":"
	                       "\"REGISTERED\"}]",
	                       4300),
	                 200);
	/* nfType and nfInstanceId cannot change; an unknown instance is 404 */
	assert_int_equal(patch(r, ADM_ID,
	                       "[{\"op\":\"replace\",\"path\":\"/nfType\",\"value\":\"AIOTF\"}]",
	                       4400),
	                 400);
	assert_int_equal(
	    patch(r, AIOTF_ID, "[{\"op\":\"add\",\"path\":\"/load\",\"value\":1}]", 4400), 404);
	nrf_registry_free(r);
	nrf_store_close(st);

	/* a restart: the same file, a new registry; the instance is heard at the restart */
	st = nrf_store_open(uri, err, sizeof err);
	assert_non_null(st);
	r = nrf_registry_new(st, &cfg, 50000, err, sizeof err);
	assert_non_null(r);
	assert_string_equal(status(r, ADM_ID, 50001), "REGISTERED");
	cJSON *p = nrf_registry_get(r, ADM_ID, 50001);
	assert_int_equal(cJSON_GetObjectItem(p, "load")->valueint, 3);
	cJSON_Delete(p);
	assert_int_equal(nrf_registry_delete(r, ADM_ID), 0);
	assert_int_equal(nrf_registry_delete(r, ADM_ID), -1);
	assert_null(nrf_registry_get(r, ADM_ID, 50002));
	nrf_registry_free(r);
	nrf_store_close(st);
	st = nrf_store_open(uri, err, sizeof err);
	r = nrf_registry_new(st, &cfg, 60000, err, sizeof err);
	assert_int_equal(nrf_registry_count(r, 60000, NULL), 0); /* the DELETE was durable */
	nrf_registry_free(r);
	nrf_store_close(st);
}

static void test_discovery(void **state)
{
	char err[200], url[128];
	sbi_err e = {0};
	cJSON *out = NULL;
	(void)state;
	nrf_registry_cfg cfg = {.heartbeat_s = 60, .max_instances = 2};
	nrf_registry *r = nrf_registry_new(NULL, &cfg, 0, err, sizeof err);
	assert_non_null(r);
	cJSON *adm = nf_profile(ADM_ID, "ADM", "nadm-sec", 7777);
	cJSON_AddItemToObject(adm, "allowedNfTypes",
	                      cJSON_CreateStringArray((const char *const[]){"AIOTF"}, 1));
	assert_int_equal(nrf_registry_put(r, ADM_ID, adm, 0, &out, &e), 201);
	cJSON_Delete(out);
	assert_int_equal(nrf_registry_put(r, AIOTF_ID,
	                                  nf_profile(AIOTF_ID, "AIOTF", "naiotf-aiot", 7780), 0,
	                                  &out, &e),
	                 201);
	cJSON_Delete(out);
	/* max_instances = 2 */
	assert_int_equal(nrf_registry_put(r, "0f6c2a4e-3333-4aaa-8bbb-000000000003",
	                                  nf_profile("0f6c2a4e-3333-4aaa-8bbb-000000000003", "ADM",
	                                             "nadm-sec", 1),
	                                  0, &out, &e),
	                 -1);
	assert_int_equal(sbi_err_status(&e), 403);

	const char *sec[] = {"nadm-sec"}, *dm[] = {"nudm-sdm", "nadm-dm"};
	nrf_query q = {.target_nf_type = "ADM", .requester_nf_type = "AIOTF"};
	assert_int_equal(found(r, &q, 1), 1);
	q.requester_nf_type = "AF"; /* allowedNfTypes */
	assert_int_equal(found(r, &q, 1), 0);
	q.requester_nf_type = "AIOTF";
	q.service_names = sec;
	q.nservice_names = 1;
	assert_int_equal(found(r, &q, 1), 1);
	q.service_names = dm;
	q.nservice_names = 2;
	assert_int_equal(found(r, &q, 1), 0);
	q.nservice_names = 0;
	q.target_nf_instance_id = "0F6C2A4E-1111-4AAA-8BBB-000000000001"; /* any case */
	assert_int_equal(found(r, &q, 1), 1);
	q.target_nf_instance_id = AIOTF_ID;
	assert_int_equal(found(r, &q, 1), 0);

	/* what the NF client reads of the SearchResult: the service's scheme and endpoint */
	q.target_nf_instance_id = NULL;
	cJSON *res = cJSON_CreateObject();
	cJSON_AddNumberToObject(res, "validityPeriod", 60);
	cJSON_AddItemToObject(res, "nfInstances", nrf_registry_search(r, &q, 1));
	char *txt = cJSON_PrintUnformatted(res);
	assert_int_equal(nrfc_search_result_url(txt, strlen(txt), "nadm-sec", url, sizeof url), 0);
	assert_string_equal(url, "http://127.0.0.1:7777");
	assert_int_equal(nrfc_search_result_url(txt, strlen(txt), "nadm-dm", url, sizeof url), -1);
	assert_int_equal(nrfc_search_result_url("{\"x\":", 5, "nadm-sec", url, sizeof url), -1);
	assert_int_equal(nrfc_profile_heartbeat("{\"heartBeatTimer\":7}", 20), 7);
	assert_int_equal(nrfc_profile_heartbeat("{\"heartBeatTimer\":-1}", 21), 0);
	free(txt);
	cJSON_Delete(res);
	nrf_registry_free(r);
}

/* Every ADM instance of a SearchResult (the AIOTF's adm.url list): every endpoint of every
 * NFService offering the service, each once, the profile's address without ipEndPoints; a
 * host with a comma (it would add an item to the list) never. */
static void test_search_result_all(void **state)
{
	(void)state;
	static const char res[] =
	    "{\"nfInstances\":["
	    "{\"nfInstanceId\":\"a\",\"nfServiceList\":{\"s\":{\"serviceName\":\"nadm-sec\","
	    "\"scheme\":\"http\",\"ipEndPoints\":[{\"ipv4Address\":\"127.0.0.1\",\"port\":80},"
	    "{\"ipv4Address\":\"127.0.0.2\",\"port\":8080}]}}},"
	    "{\"nfInstanceId\":\"b\",\"nfServiceList\":{\"d\":{\"serviceName\":\"nadm-dm\","
	    "\"scheme\":\"http\",\"ipEndPoints\":[{\"ipv4Address\":\"127.0.0.9\",\"port\":9}]}}},"
	    "{\"nfInstanceId\":\"c\",\"ipv6Addresses\":[\"::1\"],\"nfServiceList\":{\"s\":{"
	    "\"serviceName\":\"nadm-sec\",\"scheme\":\"http\",\"oauth2Required\":true}}},"
	    "{\"nfInstanceId\":\"d\",\"nfServiceList\":{\"s\":{\"serviceName\":\"nadm-sec\","
	    "\"scheme\":\"http\",\"ipEndPoints\":[{\"ipv4Address\":\"127.0.0.1\",\"port\":80}]}}},"
	    "{\"nfInstanceId\":\"e\",\"fqdn\":\"a,http://evil\",\"nfServiceList\":{\"s\":{"
	    "\"serviceName\":\"nadm-sec\",\"scheme\":\"http\"}}}"
	    "]}";
	char urls[512];
	int oauth2 = -1;
	assert_int_equal(
	    nrfc_search_result_all(res, strlen(res), "nadm-sec", 16, urls, sizeof urls, &oauth2),
	    0);
	assert_string_equal(urls, "http://127.0.0.1:80,http://127.0.0.2:8080,http://[::1]:80");
	assert_int_equal(oauth2, 1);
	assert_int_equal(
	    nrfc_search_result_all(res, strlen(res), "nadm-sec", 2, urls, sizeof urls, &oauth2), 0);
	assert_string_equal(urls, "http://127.0.0.1:80,http://127.0.0.2:8080");
	assert_int_equal(oauth2, 0);
	assert_int_equal(nrfc_search_result(res, strlen(res), "nadm-sec", urls, sizeof urls, NULL),
	                 0);
	assert_string_equal(urls, "http://127.0.0.1:80");
	/* what does not fit is left out; the first not fitting is a failure */
	assert_int_equal(nrfc_search_result_all(res, strlen(res), "nadm-sec", 16, urls, 25, NULL),
	                 0);
	assert_string_equal(urls, "http://127.0.0.1:80");
	assert_int_equal(nrfc_search_result_all(res, strlen(res), "nadm-sec", 16, urls, 10, NULL),
	                 -1);
	assert_int_equal(
	    nrfc_search_result_all(res, strlen(res), "nudm-sdm", 16, urls, sizeof urls, NULL), -1);
	/* a port no integer 1..65535 (fuzz_aiotf_nrf_search: 1e61 was converted to long) */
	static const char *const ports[] = {"1e61", "-1e300", "0", "65536", "80.5"};
	for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
		char j[256];
		snprintf(
		    j, sizeof j,
		    "{\"nfInstances\":[{\"nfServiceList\":{\"s\":{\"serviceName\":\"nadm-sec\","
		    "\"scheme\":\"http\",\"ipEndPoints\":[{\"ipv4Address\":\"127.0.0.1\","
		    "\"port\":%s}]}}}]}",
		    ports[i]);
		assert_int_equal(
		    nrfc_search_result_all(j, strlen(j), "nadm-sec", 16, urls, sizeof urls, NULL),
		    -1);
		/* an unusable endpoint does not hide the next one */
		snprintf(j, sizeof j,
		         "{\"nfInstances\":[{\"nfServiceList\":{\"s\":{\"serviceName\":\"nadm-"
		         "sec\",\"scheme\":\"http\",\"ipEndPoints\":[{\"ipv4Address\":\"127.0.0."
		         "1\",\"port\":%s},{\"ipv4Address\":\"127.0.0.3\",\"port\":83}]}}}]}",
		         ports[i]);
		assert_int_equal(
		    nrfc_search_result_all(j, strlen(j), "nadm-sec", 16, urls, sizeof urls, NULL),
		    0);
		assert_string_equal(urls, "http://127.0.0.3:83");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_register_and_heartbeat),
	    cmocka_unit_test(test_discovery),
	    cmocka_unit_test(test_search_result_all),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
