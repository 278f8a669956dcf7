/* SPDX-License-Identifier: Apache-2.0 */
#ifndef AIOT_FUZZ_RESP_H
#define AIOT_FUZZ_RESP_H
#include <stddef.h>
#include <stdint.h>
#include <hiredis/hiredis.h>

#include "redis/reply.h"

/* Up to 8 replies parsed from data by hiredis's reader, bounded as the clients bound it
 * (redis_reader_bound: hiredis 0.14 would allocate an announced 10^9-element array), each
 * handed to fn and then freed. */
static inline void fuzz_resp_replies(const uint8_t *data, size_t size, void (*fn)(void *reply))
{
	redisReader *rd = redisReaderCreate();
	redis_reader_bound(rd);
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
