/* SPDX-License-Identifier: Apache-2.0 */
/* DO-A at the AIOTF, between its files: doa.c owns the contexts (struct doa_ctx) and the
 * exchange; doa_tid.c takes the T-ID step of a privacy device and hands back to doa.c. */
#ifndef AIOT_AIOTF_DOA_INTERNAL_H
#define AIOT_AIOTF_DOA_INTERNAL_H
#include "proc.h"

enum { DS_ADM = 1, DS_WAIT_M3, DS_KEY, DS_TID, DS_REG };

#define DOA_KEY_LEN (sizeof(reader *) + 4)

struct doa_ctx {
	aiotf_proc *pc;
	reader *rd;
	uint32_t ran_id;
	doa_ctx *next, *prev; /* pc->doa_list */
	uint8_t state;        /* DS_* */
	uint8_t ex_ended;     /* the exchange has ended (exchange_end ran) */
	uint8_t dead;         /* ended, waiting for its ADM answer to be freed */
	uint8_t adm_pending;
	uint8_t id_type; /* AIOT_NAS_ID_PERM or _TID: the identifier as sent in M1 */
	aiotf_id id;
	aiotf_id perm;
	uint8_t rand_n[16], rand_d[16], xres[16], xres_len;
	uint8_t k_int[16], k_enc[16];
	uint8_t ul_seen;
	uint32_t ul_count;
	uint8_t tid_update;
	uint8_t *first; /* the first data block of M3 until it is verified */
	size_t first_len;
	aiotf_timer *timer; /* the exchange's deadline, then the context's TTL */
};

typedef void (*doa_answer_fn)(doa_ctx *c, int status, const cJSON *body, const char *err);

/* doa.c: a POST to the ADM that holds c until fn runs (not run if c ended meanwhile); body
 * of n octets (n < 0: asprintf failed). adm_call's 0, -1 or -2. */
int doa_adm(doa_ctx *c, const char *path, char *body, int n, doa_answer_fn fn);
const char *doa_adm_why(int status, const char *err); /* for a log line */
/* doa.c: M4 (with TID_UPDATE if c->tid_update), the context registered. */
void doa_registered(doa_ctx *c);
/* doa_tid.c: a privacy device's T-ID step, then doa_registered. */
void doa_tid_step(doa_ctx *c);

#endif
