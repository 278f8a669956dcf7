/* SPDX-License-Identifier: Apache-2.0 */
/* The procedures' context (proc.h): its setup and teardown, and the T-ID cache. */
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "common/vendor_ext.h"
#include "crypto/ct.h"
#include "crypto/kdf.h"
#include "sbi/sbi_json.h"

/* Identifiers the ADM gave us, kept so that the next paging or answer needs no ADM call;
 * bounded, because any device the ADM knows can be made to add one (issue 11). */
static void cache_bound(amap *m, size_t max, atomic_ullong *evictions)
{
	m->max = max;
	m->evict = free;
	m->evictions = evictions;
}

int aiotf_proc_init(aiotf_proc *pc, aiotf *owner, const aiotf_io *io, const aiotf_cfg *cfg,
                    aiot_backend *be, aiotf_stats *st)
{
	*pc = (aiotf_proc){
	    .owner = owner, .io = io, .cfg = cfg, .name = cfg->name, .be = be, .st = st};
	if (amap_init(&pc->tid_to_perm, 1024) != 0 || amap_init(&pc->profiles, 1024) != 0 ||
	    doa_init(pc) != 0) {
		amap_clear(&pc->tid_to_perm, NULL);
		amap_clear(&pc->profiles, NULL);
		return -1;
	}
	size_t max = cfg->cache_max > 0 ? (size_t)cfg->cache_max : 0;
	cache_bound(&pc->tid_to_perm, max, &st->cache_evictions[0]);
	cache_bound(&pc->profiles, max, &st->cache_evictions[1]);
	return 0;
}

void aiotf_proc_free(aiotf_proc *pc)
{
	while (pc->txs != NULL)
		tx_free(pc->txs);
	doa_free(pc);
	amap_clear(&pc->tid_to_perm, free);
	amap_clear(&pc->profiles, free);
}

void aiotf_learn_tid(aiotf_proc *pc, const uint8_t tid[16], const aiotf_id *perm)
{
	aiotf_id *copy = malloc(sizeof *copy);
	int err;
	if (copy == NULL)
		return;
	*copy = *perm;
	free(amap_put(&pc->tid_to_perm, tid, 16, copy, &err));
	if (err)
		free(copy);
}

int aiotf_answer_suite(const cJSON *body, aiot_suite *s)
{
	const cJSON *ext = cJSON_GetObjectItemCaseSensitive(body, AIOT_VENDOR_EXT);
	*s = AIOT_SUITE_3GPP;
	if (ext == NULL)
		return 0;
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(ext, AIOT_VENDOR_SUITE);
	if (!cJSON_IsObject(ext) || !cJSON_IsString(n))
		return -1;
	return aiot_suite_from_name(n->valuestring, s) == 0 ? 0 : -1;
}

int aiotf_session_keys(const aiotf_proc *pc, int status, const cJSON *body, uint8_t k_int[16],
                       uint8_t k_enc[16])
{
	sbi_err e = {0};
	uint8_t k_aiotf[AIOT_KAIOTF_LEN], ki[16], ke[16];
	aiot_suite suite = AIOT_SUITE_3GPP;
	int ok = status == 200 && body != NULL &&
	         sbi_json_hex(body, "kAiotf", 1, k_aiotf, sizeof k_aiotf, &e) == 1 &&
	         aiotf_answer_suite(body, &suite) == 0;
	if (ok)
		ok = aiot_derive_algkey(pc->be, suite, k_aiotf, AIOT_ALG_TYPE_INT, AIOT_ALG_ID_NIA2,
		                        ki) == 0 &&
		     aiot_derive_algkey(pc->be, suite, k_aiotf, AIOT_ALG_TYPE_ENC, AIOT_ALG_ID_NEA2,
		                        ke) == 0;
	if (ok) {
		memcpy(k_int, ki, sizeof ki);
		memcpy(k_enc, ke, sizeof ke);
	}
	aiot_zeroize(k_aiotf, sizeof k_aiotf);
	aiot_zeroize(ki, sizeof ki);
	aiot_zeroize(ke, sizeof ke);
	return ok ? 0 : -1;
}
