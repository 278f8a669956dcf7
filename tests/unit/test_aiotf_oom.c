/* SPDX-License-Identifier: Apache-2.0 */
/* AIOTF: the AIoTNotif and DevicesRepInfo builders (TS 29.569) and the SBI JSON helpers under
 * a cJSON allocator that fails on its Nth call, for every N until a run needs no failure:
 * each run returns NULL or the exact body, and frees everything it allocated (counted here;
 * ASan's leak check agrees). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aiotf/aiotf_internal.h"

static long calls, fail_at, live;

static void *fail_malloc(size_t n)
{
	if (++calls == fail_at)
		return NULL;
	void *p = malloc(n);
	if (p != NULL)
		live++;
	return p;
}

static void count_free(void *p)
{
	if (p != NULL)
		live--;
	free(p);
}

static void hooks(long n)
{
	cJSON_Hooks h = {fail_malloc, count_free};
	calls = 0;
	fail_at = n;
	cJSON_InitHooks(&h);
}

static const aiotf_id DEV = {4, {1, 2, 3, 4}};
static const uint8_t READ[4] = {0xde, 0xad, 0xbe, 0xef};

/* Build with failures injected at call 1, 2, ... and compare with the body built without. */
typedef char *(*builder)(void);

static void every_failure(builder b)
{
	hooks(0);
	char *built = b();
	assert_non_null(built);
	char *want = strdup(built);
	cJSON_free(built);
	assert_non_null(want);
	assert_int_equal(live, 0);
	long n, injected = 0;
	for (n = 1; n < 10000; n++) {
		hooks(n);
		char *got = b();
		long used = calls;
		if (got != NULL) {
			assert_string_equal(got, want);
			cJSON_free(got);
		}
		if (live != 0)
			fail_msg("allocation failure at call %ld: %ld blocks leaked", n, live);
		if (used < n)
			break; /* no failure was injected: every allocation point is covered */
		injected++;
		assert_null(got); /* a failure was injected: the builder must say so */
	}
	hooks(0);
	assert_true(injected >= 3);
	free(want);
}

static char *print(cJSON *j)
{
	char *s = j ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	return s;
}

static char *dev_plain(void)
{
	return print(aiotf_dev_item(&DEV, NULL, 0, NULL));
}

static char *dev_read(void)
{
	return print(aiotf_dev_item(&DEV, READ, sizeof READ, NULL));
}

static char *dev_fail(void)
{
	return print(aiotf_dev_item(&DEV, NULL, 0, "LOW_ENERGY"));
}

static char *notif_items(void)
{
	cJSON *items = cJSON_CreateArray();
	if (items == NULL)
		return NULL;
	for (int i = 0; i < 3; i++) {
		cJSON *it = aiotf_dev_item(&DEV, READ, sizeof READ, NULL);
		if (it == NULL || !cJSON_AddItemToArray(items, it)) {
			cJSON_Delete(it);
			cJSON_Delete(items);
			return NULL;
		}
	}
	return aiotf_notif_body("0123456789abcdef-1", items, 1, NULL);
}

static char *notif_cause(void)
{
	return aiotf_notif_body("0123456789abcdef-2", NULL, 1, "NO_SUCC_INV_RESP");
}

static char *json_put(void)
{
	cJSON *o = cJSON_CreateObject();
	if (o == NULL || sbi_json_put(o, "randN", sbi_json_hex_item(READ, sizeof READ)) != 0 ||
	    sbi_json_put(o, "id", sbi_json_b64_item(READ, sizeof READ)) != 0) {
		cJSON_Delete(o);
		return NULL;
	}
	return print(o);
}

static void test_dev_item(void **state)
{
	(void)state;
	every_failure(dev_plain);
	every_failure(dev_read);
	every_failure(dev_fail);
}

static void test_notif(void **state)
{
	(void)state;
	every_failure(notif_items);
	every_failure(notif_cause);
	hooks(0);
	char *s = notif_cause();
	assert_string_equal(s, "{\"transId\":\"0123456789abcdef-2\",\"lastRepInd\":true,"
	                       "\"failCause\":\"NO_SUCC_INV_RESP\"}");
	cJSON_free(s);
}

static void test_json_put(void **state)
{
	(void)state;
	every_failure(json_put);
	/* A NULL item (its creation failed) is refused, the object is unchanged. */
	cJSON *o = cJSON_CreateObject();
	assert_int_equal(sbi_json_put(o, "x", NULL), -1);
	assert_null(o->child);
	sbi_json_wipe(o);
	assert_int_equal(live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dev_item),
	    cmocka_unit_test(test_notif),
	    cmocka_unit_test(test_json_put),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
