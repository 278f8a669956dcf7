/* SPDX-License-Identifier: Apache-2.0 */
/* AIOTF DO-A subscriptions: doa_subs_deliver() to a real AF on loopback (an SBI server that
 * records what it receives) through the AIOTF's own notification machinery (notify.c): the
 * filter (none, filteringInfo, devices), regInd, transId = subscriptionId, readCmdRep as
 * sent, batches of at most DOA_BATCH_ITEMS items in order, nothing after a DELETE. The
 * AIOTF's loop runs in this thread (aiotf_start is not called). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <event2/event.h>

#include "aiotf/aiotf_internal.h"
#include "common/base64.h"
#include "common/clock.h"

#define MAX_GOT 64

/* ---- the AF: records the bodies it receives ------------------------------------------- */

static pthread_mutex_t got_lock = PTHREAD_MUTEX_INITIALIZER;
static cJSON *got[MAX_GOT];
static int ngot;

static void sink_handle(void *app, const sbi_request *req, sbi_response *resp)
{
	(void)app;
	cJSON *j = cJSON_ParseWithLength((const char *)req->body, req->body_len);
	pthread_mutex_lock(&got_lock);
	if (j != NULL && ngot < MAX_GOT && strcmp(req->path, "/doa") == 0)
		got[ngot++] = j;
	else
		cJSON_Delete(j);
	pthread_mutex_unlock(&got_lock);
	resp->status = 204;
}

static int got_count(void)
{
	pthread_mutex_lock(&got_lock);
	int n = ngot;
	pthread_mutex_unlock(&got_lock);
	return n;
}

static void got_clear(void)
{
	pthread_mutex_lock(&got_lock);
	for (int i = 0; i < ngot; i++)
		cJSON_Delete(got[i]);
	ngot = 0;
	pthread_mutex_unlock(&got_lock);
}

typedef struct fixture {
	sbi_server *sink;
	aiotf *a;
	char uri[64];
} fixture;

static int setup(void **state)
{
	static fixture f;
	char err[256];
	sbi_server_cfg sc = {.listen = "127.0.0.1:0", .workers = 1, .handler = sink_handle};
	aiotf_cfg ac = {.name = "t",
	                .ng_listen = "127.0.0.1:0",
	                .ng_transport = "tcp",
	                .adm_url = "http://127.0.0.1:9", /* never called */
	                .notify_local = 1};
	if ((f.sink = sbi_server_start(&sc, err, sizeof err)) == NULL)
		fail_msg("sink: %s", err);
	snprintf(f.uri, sizeof f.uri, "http://127.0.0.1:%d/doa", sbi_server_port(f.sink));
	if ((f.a = aiotf_new(&ac, err, sizeof err)) == NULL)
		fail_msg("aiotf: %s", err);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	aiotf_free(f->a);
	sbi_server_stop(f->sink);
	got_clear();
	return 0;
}

/* The loop thread's part of an authorized POST (as afauth.c hands it over): id. */
static void create(fixture *f, const char *members, char id[48])
{
	char json[512];
	sbi_err e = {0};
	snprintf(json, sizeof json, "{\"afId\":\"af\",\"notifUri\":\"%s\"%s%s}", f->uri,
	         *members ? "," : "", members);
	aiotf_req *r = naiotf_parse(TX_DOA_SUB, (const uint8_t *)json, strlen(json), &e);
	if (r == NULL)
		fail_msg("%s: %s", json, e.text);
	assert_int_equal(doa_sub_new_id(r), 0);
	snprintf(r->notif_addr, sizeof r->notif_addr, "127.0.0.1");
	unsigned long long n = atomic_load(&f->a->st.doa_subs);
	memcpy(id, r->trans_id, 48);
	atomic_fetch_add(&f->a->st.active_tx, 1); /* as aiotf_handle counts it */
	doa_subs_create(f->a, r);                 /* the 201 goes nowhere: no pending request */
	assert_int_equal(atomic_load(&f->a->st.doa_subs), n + 1);
}

static void delete_sub(fixture *f, const char *id)
{
	aiotf_req *r = calloc(1, sizeof *r);
	assert_non_null(r);
	r->type = TX_DOA_DEL;
	snprintf(r->trans_id, sizeof r->trans_id, "%s", id);
	atomic_fetch_add(&f->a->st.active_tx, 1);
	doa_subs_op(f->a, r);
}

/* Runs the AIOTF's loop until the AF holds n notifications (then a little longer, so that
 * one too many would show), at most 5 s. */
static void run_until(fixture *f, int n)
{
	uint64_t t0 = aiot_mono_us(), done = 0;
	const struct timespec ms = {0, 1000000};
	while (aiot_mono_us() - t0 < 5000000u) {
		event_base_loop(f->a->base, EVLOOP_NONBLOCK);
		if (got_count() >= n && done == 0)
			done = aiot_mono_us();
		if (done != 0 && aiot_mono_us() - done > 50000u)
			break;
		nanosleep(&ms, NULL);
	}
	assert_int_equal(got_count(), n);
}

static cJSON *notif_of(const char *id, int k)
{
	for (int i = 0; i < ngot; i++) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(got[i], "transId");
		if (cJSON_IsString(t) && strcmp(t->valuestring, id) == 0 && k-- == 0)
			return got[i];
	}
	fail_msg("no notification %d for %s", k, id);
	return NULL;
}

/* "deviceId/readCmdRep" of each item, decoded, joined by spaces ("-" for no readCmdRep). */
static void items_text(const cJSON *n, char *out, size_t cap)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(n, "devicesRepData"), *it;
	size_t off = 0;
	out[0] = '\0';
	assert_true(cJSON_IsArray(items));
	assert_null(cJSON_GetObjectItemCaseSensitive(n, "lastRepInd"));
	cJSON_ArrayForEach(it, items)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "deviceId");
		const cJSON *rd = cJSON_GetObjectItemCaseSensitive(it, "readCmdRep");
		uint8_t b[256];
		int il = aiot_b64_decode(id->valuestring, strlen(id->valuestring), b, sizeof b);
		assert_true(il > 0);
		for (int i = 0; i < il; i++)
			off += (size_t)snprintf(out + off, cap - off, "%02x", b[i]);
		if (rd == NULL) {
			off += (size_t)snprintf(out + off, cap - off, "/- ");
			continue;
		}
		int dl = aiot_b64_decode(rd->valuestring, strlen(rd->valuestring), b, sizeof b);
		off += (size_t)snprintf(out + off, cap - off, "/%.*s ", dl, (const char *)b);
	}
	if (off > 0)
		out[off - 1] = '\0';
}

static const aiotf_id D1 = {3, {1, 2, 3}}, D2 = {2, {9, 9}}, X = {4, {7, 7, 7, 1}};

static void test_filters_and_reg_ind(void **state)
{
	fixture *f = *state;
	char a[48], b[48], c[48], txt[512];
	create(f, "\"regInd\":true", a);
	create(f, "\"targetDevices\":{\"filteringInfo\":\"AQI=\"}", b);
	create(f,
	       "\"regInd\":true,\"targetDevices\":{\"devices\":[\"BwcHAg==\","
	       "\"BwcHAQ==\"]}",
	       c);
	doa_subs_deliver(f->a, &D1, NULL, 0);
	doa_subs_deliver(f->a, &D1, (const uint8_t *)"abc", 3);
	doa_subs_deliver(f->a, &D2, (const uint8_t *)"z", 1);
	doa_subs_deliver(f->a, &X, NULL, 0);
	doa_subs_deliver(f->a, &X, (const uint8_t *)"q", 1);
	run_until(f, 3); /* one batch per subscription */
	items_text(notif_of(a, 0), txt, sizeof txt);
	assert_string_equal(txt, "010203/- 010203/abc 0909/z 07070701/- 07070701/q");
	items_text(notif_of(b, 0), txt, sizeof txt); /* under 0102, data only */
	assert_string_equal(txt, "010203/abc");
	items_text(notif_of(c, 0), txt, sizeof txt); /* the devices listed */
	assert_string_equal(txt, "07070701/- 07070701/q");
}

static void test_batches_in_order(void **state)
{
	fixture *f = *state;
	char a[48], txt[4096], want[4096];
	size_t off = 0;
	create(f, "", a);
	for (int i = 0; i < 2 * DOA_BATCH_ITEMS + 2; i++) {
		char d[8];
		int n = snprintf(d, sizeof d, "%03d", i);
		doa_subs_deliver(f->a, &D2, (const uint8_t *)d, (size_t)n);
	}
	run_until(f, 3);
	for (int k = 0; k < 3; k++) {
		int from = k * DOA_BATCH_ITEMS, to = k < 2 ? from + DOA_BATCH_ITEMS : from + 2;
		off = 0;
		for (int i = from; i < to; i++)
			off += (size_t)snprintf(want + off, sizeof want - off, "%s0909/%03d",
			                        i > from ? " " : "", i);
		items_text(notif_of(a, k), txt, sizeof txt);
		assert_string_equal(txt, want);
	}
}

static void test_nothing_after_delete(void **state)
{
	fixture *f = *state;
	char gone[48], kept[48], txt[256];
	create(f, "", gone);
	create(f, "", kept);
	assert_int_equal(atomic_load(&f->a->st.doa_subs), 2);
	doa_subs_deliver(f->a, &D1, (const uint8_t *)"1", 1); /* batched, not yet sent */
	delete_sub(f, gone);
	assert_int_equal(atomic_load(&f->a->st.doa_subs), 1);
	doa_subs_deliver(f->a, &D1, (const uint8_t *)"2", 1);
	run_until(f, 1);
	items_text(notif_of(kept, 0), txt, sizeof txt);
	assert_string_equal(txt, "010203/1 010203/2");
	assert_int_equal(atomic_load(&f->a->st.active_tx), 0);
}

/* ---- the request and its authorization, without the network ------------------------------ */

static aiotf_req *parse(const char *members, sbi_err *e)
{
	char json[512];
	snprintf(json, sizeof json, "{\"afId\":\"af\",\"notifUri\":\"http://127.0.0.1:9/x\"%s}",
	         members);
	memset(e, 0, sizeof *e);
	return naiotf_parse(TX_DOA_SUB, (const uint8_t *)json, strlen(json), e);
}

static void test_parse(void **state)
{
	(void)state;
	sbi_err e;
	aiotf_req *r = parse("", &e);
	assert_non_null(r);
	assert_int_equal(r->kind, TGT_AREA); /* no filter */
	assert_int_equal(r->reg_ind, 0);
	aiotf_req_free(r);
	r = parse(",\"regInd\":true,\"targetDevices\":{\"filteringInfo\":\"AQI=\"}", &e);
	assert_non_null(r);
	assert_int_equal(r->kind, TGT_FILTER);
	assert_int_equal(r->reg_ind, 1);
	aiotf_req_free(r);
	static const char *const bad[] = {
	    ",\"regInd\":1",
	    ",\"targetArea\":{}",
	    ",\"targetDevices\":{}",
	    ",\"targetDevices\":{\"devices\":[]}",
	    ",\"targetDevices\":{\"devices\":[\"AQ==\"],\"filteringInfo\":\"AQ==\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if ((r = parse(bad[i], &e)) != NULL)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(sbi_err_status(&e), 400);
	}
}

/* afauth_decide on a DoaSubscription under the AF's data (members of
 * IndividualAfAuthorizationData): 0 allowed, -1 refused. */
static int decide(const char *az, const char *members)
{
	char body[512], err[256], why[256];
	sbi_err e;
	afauth z;
	snprintf(body, sizeof body, "{\"afAuthData\":{\"af\":{\"afId\":\"af\"%s}}}", az);
	cJSON *j = cJSON_Parse(body);
	assert_non_null(j);
	assert_int_equal(afauth_parse(j, "af", &z, err, sizeof err), 0);
	cJSON_Delete(j);
	aiotf_req *r = parse(members, &e);
	assert_non_null(r);
	int rc = afauth_decide(&z, r, why, sizeof why);
	aiotf_req_free(r);
	afauth_clear(&z);
	return rc;
}

static void test_authorization(void **state)
{
	(void)state;
	const char *doa = ",\"allowedServiceOperations\":[\"DOA\"]";
	const char *tg = ",\"allowedServiceOperations\":[\"DOA\"],\"allowedTargetAiotDevices\":"
	                 "[{\"filteringInfo\":\"AQID\"}]";
	const char *area =
	    ",\"allowedServiceOperations\":[\"DOA\"],\"allowedArea\":{\"areaIds\":[{"
	    "\"plmnId\":{\"mcc\":\"001\",\"mnc\":\"01\"},\"aiotAreaCode\":\"000001\"}]}";
	assert_int_equal(decide(doa, ""), 0);
	assert_int_equal(decide(",\"allowedServiceOperations\":[\"INVENTORY\",\"READ\"]", ""), -1);
	assert_int_equal(decide("", ""), -1); /* no operations: nothing */
	assert_int_equal(decide(tg, ""), -1); /* every device, beyond the targets */
	assert_int_equal(decide(tg, ",\"targetDevices\":{\"filteringInfo\":\"AQIDBA==\"}"), 0);
	assert_int_equal(decide(tg, ",\"targetDevices\":{\"filteringInfo\":\"AQI=\"}"), -1);
	assert_int_equal(decide(tg, ",\"targetDevices\":{\"devices\":[\"AQIDBA==\",\"CQk=\"]}"),
	                 -1);
	assert_int_equal(decide(area, ""), -1); /* DO-A uplinks name no area */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_authorization),
	    cmocka_unit_test_setup_teardown(test_filters_and_reg_ind, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batches_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nothing_after_delete, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
