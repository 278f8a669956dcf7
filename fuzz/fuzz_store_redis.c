/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz what the Redis Cluster store backend decodes (src/store/store_redis_codec.c): the input
 * as a store URL through rs_url_parse, then as RESP (hiredis's reader, as the client reads a
 * node) with every reply through rs_decode_fields (a device's HGETALL) and rs_scan_reply
 * (SCAN) and rs_decode_state (a device's mutable state, HMGET, as the ADMs sharing a store
 * read it on every lookup). Checks: a URL taken has its seeds, a namespace and options in
 * range; a device or a state taken has a valid suite, resBits, T-ID type, DO-A window and
 * profile; a SCAN reply taken has a cursor that is a string.
 */
#include "fuzz_resp.h"
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "store/store_redis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void url(const uint8_t *data, size_t size)
{
	char err[256];
	rs_url u;
	char *s = malloc(size + 1);
	if (s == NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (rs_url_parse(s, &u, err, sizeof err) == AIOT_OK &&
	    (strncmp(u.seeds, "redis-cluster://", 16) != 0 || u.ns[0] == '\0' || u.wait_n < 0 ||
	     u.wait_n > 5 || u.wait_ms < 1 || u.wait_ms > 60000))
		__builtin_trap();
	free(s);
}

static void device(const redisReply *x)
{
	aiot_dev_record r;
	const char *profile = NULL;
	const uint8_t *blob = NULL;
	size_t bloblen = 0;
	memset(&r, 0, sizeof r);
	if (x->type != REDIS_REPLY_ARRAY || rs_decode_fields(x, &r, &profile, &blob, &bloblen))
		return;
	if ((r.suite != AIOT_SUITE_3GPP && r.suite != AIOT_SUITE_AES) || r.res_bits % 32 ||
	    r.res_bits == 0 || r.res_bits > 128 || r.doa_n > AIOT_DOA_WINDOW || r.privacy > 1 ||
	    (r.tid_type != AIOT_TID_STORED && r.tid_type != AIOT_TID_CONCEALED) || blob == NULL ||
	    (profile != NULL && strlen(profile) > AIOT_PROFILE_MAX) ||
	    memchr(r.group, 0, sizeof r.group) == NULL)
		__builtin_trap();
}

static void scan(const redisReply *x)
{
	char cursor[32];
	char **keys = NULL;
	size_t n = 0, cap = 0;
	if (rs_scan_reply(x, cursor, sizeof cursor, &keys, &n, &cap) == AIOT_OK &&
	    (memchr(cursor, 0, sizeof cursor) == NULL || n > cap))
		__builtin_trap();
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

/* The reply as the answer to HMGET of the first n of the state's fields (n its length). */
static void state(const redisReply *x)
{
	static const char *const names[] = {"tt", "t", "tp", "rn", "rd", "d", "j"};
	aiot_dev_record r;
	const char *profile = NULL;
	memset(&r, 0, sizeof r);
	if (x->type != REDIS_REPLY_ARRAY || x->elements == 0 || x->elements > 7 ||
	    rs_decode_state(x, names, x->elements, &r, &profile) != NULL)
		return;
	if (r.doa_n > AIOT_DOA_WINDOW ||
	    (r.tid_type != AIOT_TID_STORED && r.tid_type != AIOT_TID_CONCEALED) ||
	    (profile != NULL && strlen(profile) > AIOT_PROFILE_MAX))
		__builtin_trap();
}

static void reply(void *r)
{
	device(r);
	scan(r);
	state(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	url(data, size);
	fuzz_resp_replies(data, size, reply);
	return 0;
}
