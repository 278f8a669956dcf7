/* SPDX-License-Identifier: Apache-2.0 */
/* A deep copy of a hiredis reply, for replies that must outlive hiredis's callback (the async
 * client holds a command's reply until its WAIT answers). Free it with freeReplyObject. */
#ifndef AIOT_REDIS_REPLY_H
#define AIOT_REDIS_REPLY_H
#include <hiredis/hiredis.h>

/* NULL when out of memory (or r is NULL). */
redisReply *redis_reply_dup(const redisReply *r);

/* The most elements an aggregate from a node may announce. hiredis 0.14 (Debian) allocates an
 * array as announced, with no limit of its own (1.0 added maxelements), so one line from a
 * hostile or broken node could make it reserve gigabytes. Our largest reply (a SCAN page, a
 * device's HGETALL, CLUSTER SLOTS) is far below. */
#define REDIS_MAX_ELEMENTS (1 << 20)

/* Makes rd refuse an aggregate above REDIS_MAX_ELEMENTS (the reader fails, as on a protocol
 * error: the connection is then dropped). Call once after the reader is created. */
void redis_reader_bound(redisReader *rd);

#endif
