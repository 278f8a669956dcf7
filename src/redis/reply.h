/* SPDX-License-Identifier: Apache-2.0 */
/* A deep copy of a hiredis reply, for replies that must outlive hiredis's callback (the async
 * client holds a command's reply until its WAIT answers). Free it with freeReplyObject. */
#ifndef AIOT_REDIS_REPLY_H
#define AIOT_REDIS_REPLY_H
#include <hiredis/hiredis.h>

/* NULL when out of memory (or r is NULL). */
redisReply *redis_reply_dup(const redisReply *r);

#endif
