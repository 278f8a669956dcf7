/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AAnF's in-memory AKMA contexts (TS 33.535 6.1): one per SUPI, found by its A-KID (the
 * AF's retrieve-applicationkey) or by its SUPI (register-anchorkey replaces, remove-context
 * deletes). Two seeded hash indexes (common/hash.h: A-KIDs and SUPIs are peer-chosen) over
 * the same entries. The index owns its entries and their K_AKMA, wiped when an entry goes.
 * Not thread-safe: aanf.c holds its rwlock around every call (read lock for the finds).
 */
#ifndef AIOT_AANF_INDEX_H
#define AIOT_AANF_INDEX_H
#include <stddef.h>
#include <stdint.h>

#define AANF_KAKMA_LEN 32
#define AANF_AKID_MAX 255 /* bytes of an A-KID (NAI: RID.A-TID@realm) */
#define AANF_SUPI_MAX 255

typedef struct aanf_ctx {
	struct aanf_ctx *next_akid, *next_supi; /* hash chains */
	uint64_t h_akid, h_supi;
	uint64_t seq; /* registration order: the newest context of a SUPI wins at load */
	uint8_t kakma[AANF_KAKMA_LEN];
	char *supi;
	char akid[]; /* NUL-terminated */
} aanf_ctx;

typedef struct aanf_index {
	aanf_ctx **by_akid, **by_supi;
	size_t nb, n;
	uint64_t seed;
} aanf_index;

/* 0, or -1 (no memory, no randomness). */
int aanf_index_init(aanf_index *x);
/* Wipes and frees every entry. */
void aanf_index_clear(aanf_index *x);
const aanf_ctx *aanf_index_by_akid(const aanf_index *x, const char *akid);
const aanf_ctx *aanf_index_by_supi(const aanf_index *x, const char *supi);
/* Inserts the context (akid, supi, kakma, seq); an entry with the same A-KID or the same SUPI
 * is removed first. AIOT_OK or AIOT_ERR_NOSPACE (no memory: the index is unchanged). */
int aanf_index_put(aanf_index *x, const char *akid, const char *supi,
                   const uint8_t kakma[AANF_KAKMA_LEN], uint64_t seq);
/* Removes the entry of that A-KID: AIOT_OK or AIOT_ERR_UNKNOWN. */
int aanf_index_del(aanf_index *x, const char *akid);

#endif
