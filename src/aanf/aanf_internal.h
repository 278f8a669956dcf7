/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the AAnF's files (aanf.h names who owns what). */
#ifndef AIOT_AANF_INTERNAL_H
#define AIOT_AANF_INTERNAL_H
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>

#include "aanf.h"
#include "aanf_index.h"
#include "store/kvs.h"

enum { AANF_OP_REGISTER, AANF_OP_RETRIEVE, AANF_OP_REMOVE, AANF_OP_N };
enum { AANF_KAF_ISSUED, AANF_KAF_UNKNOWN, AANF_KAF_N }; /* retrieve-applicationkey outcomes */

struct aanf {
	/* The contexts: the index and the store change together under the write lock; finds
	 * take the read lock. seq: the last registration's order number. */
	pthread_rwlock_t lock;
	aanf_index idx;
	aiot_kvs *kvs;
	uint64_t seq;
	uint8_t ua_id[AANF_UA_ID_LEN];
	unsigned long long kaf_lifetime_s;
	char **supi_afs; /* NULL-terminated */
	/* Counters for /metrics. */
	atomic_ullong ops[AANF_OP_N], kaf[AANF_KAF_N], rejected, replaced;
};

/* Naanf_AKMA operations (naanf_akma.c), TS 29.535 5.2.2. */
void naanf_register_anchorkey(aanf *a, const sbi_request *req, sbi_response *resp);
void naanf_retrieve_applicationkey(aanf *a, const sbi_request *req, sbi_response *resp);
void naanf_remove_context(aanf *a, const sbi_request *req, sbi_response *resp);

/* The contexts (aanf_store.c). Load: every record of the store into the index, the older of
 * two contexts of one SUPI deleted (a crash between register's two writes); a record whose
 * SUPI does not match its sealed digest is refused. 0, or -1 with err. */
int aanf_store_load(aanf *a, char *err, size_t errlen);
/* Register (durable before it returns): replaces the context of the same SUPI. *replaced = 1
 * when an older context of that SUPI went. AIOT_OK or an AIOT_ERR_*. */
int aanf_store_register(aanf *a, const char *akid, const char *supi,
                        const uint8_t kakma[AANF_KAKMA_LEN], int *replaced);
/* Copies the context of akid: AIOT_OK, AIOT_ERR_UNKNOWN. supi: AANF_SUPI_MAX + 1 bytes. */
int aanf_store_find(aanf *a, const char *akid, uint8_t kakma[AANF_KAKMA_LEN], char *supi);
/* Removes the context of supi: AIOT_OK, AIOT_ERR_UNKNOWN or a store error. */
int aanf_store_remove(aanf *a, const char *supi);

#endif
