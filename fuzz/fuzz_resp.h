/* SPDX-License-Identifier: Apache-2.0 */
#ifndef AIOT_FUZZ_RESP_H
#define AIOT_FUZZ_RESP_H
#include <stddef.h>
#include <stdint.h>
#include <hiredis/hiredis.h>

/* hiredis 0.14 (Debian) allocates an aggregate's element array as announced, with no limit of
 * its own (hiredis 1.0 added maxelements): an input announcing 10^9 elements is an allocation in
 * hiredis, not in our code, and trips libFuzzer's malloc limit. Such inputs are skipped: any
 * '*' or '$' header above 1 MiB. */
static inline int fuzz_resp_announces_huge(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (d[i] != '*' && d[i] != '$' && d[i] != '%' && d[i] != '~' && d[i] != '>')
			continue;
		unsigned long long v = 0;
		size_t j = i + 1;
		while (j < n && d[j] >= '0' && d[j] <= '9' && v <= (1u << 20))
			v = v * 10 + (unsigned)(d[j++] - '0');
		if (v > (1u << 20))
			return 1;
	}
	return 0;
}

/* Up to 8 replies parsed from data by hiredis's reader, each handed to fn and then freed;
 * the inputs above are skipped. */
static inline void fuzz_resp_replies(const uint8_t *data, size_t size, void (*fn)(void *reply))
{
	if (fuzz_resp_announces_huge(data, size))
		return;
	redisReader *rd = redisReaderCreate();
	if (rd != NULL && redisReaderFeed(rd, (const char *)data, size) == REDIS_OK)
		for (int i = 0; i < 8; i++) {
			void *r = NULL;
			if (redisReaderGetReply(rd, &r) != REDIS_OK || r == NULL)
				break;
			fn(r);
			freeReplyObject(r);
		}
	redisReaderFree(rd);
}

#endif
