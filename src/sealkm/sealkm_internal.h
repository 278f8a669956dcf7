/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the KM server's files (sealkm.h names who owns what). */
#ifndef AIOT_SEALKM_INTERNAL_H
#define AIOT_SEALKM_INTERNAL_H
#include <pthread.h>
#include <stdatomic.h>

#include "sealkm.h"
#include "store/kvs.h"

enum {
	SEALKM_ISSUED,
	SEALKM_RETRIEVED,
	SEALKM_UNKNOWN,
	SEALKM_FORBIDDEN,
	SEALKM_INVALID,
	SEALKM_N
};

struct sealkm {
	pthread_mutex_t lock; /* the kvs handle has one owner at a time */
	aiot_kvs *kvs;
	unsigned long long max_lifetime_s;
	char *retrievers; /* ",a,b," for a whole-item search; NULL: none */
	atomic_ullong count[SEALKM_N];
};

#endif
