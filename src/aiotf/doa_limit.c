/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rate limits on DO-A Registration Requests (M1), checked before an M1 costs an ADM
 * request: M1 is unauthenticated (DESIGN: "rate-limited per reader and per identifier before
 * it costs an ADM call"). Owns pc->doa_rd_rate and pc->doa_id_rate (proc.h).
 *   per reader link: a token bucket, cfg.doa_m1_rate M1s per second, cfg.doa_m1_burst deep;
 *   per identifier (as sent, with its type): at most cfg.doa_id_m1_max M1s within
 *   cfg.doa_id_window_ms; the map is bounded by cfg.cache_max (the oldest identifier is
 *   forgotten first: a flood of made-up identifiers is the reader bucket's to stop).
 */
#include <stdlib.h>
#include <string.h>

#include "proc.h"

typedef struct rd_bucket {
	double tokens;
	uint64_t refill_us;
} rd_bucket;

typedef struct id_window {
	uint64_t t0_us;
	uint32_t n;
} id_window;

static void refuse(aiotf_proc *pc, enum doa_refusal why)
{
	atomic_fetch_add(&pc->st->doa_m1_refused[why], 1);
}

int doa_admit_reader(aiotf_proc *pc, const reader *rd)
{
	const aiotf_cfg *c = pc->cfg;
	int err = 0;
	if (c->doa_m1_rate <= 0)
		return 1;
	double burst = c->doa_m1_burst > 0 ? c->doa_m1_burst : 2.0 * c->doa_m1_rate;
	uint64_t now = pc->io->now_us(pc->owner);
	rd_bucket *b = amap_get(&pc->doa_rd_rate, (const uint8_t *)&rd, sizeof rd);
	if (b == NULL) {
		if ((b = malloc(sizeof *b)) == NULL) {
			refuse(pc, DOA_REF_RATE_READER);
			return 0;
		}
		*b = (rd_bucket){burst, now};
		amap_put(&pc->doa_rd_rate, (const uint8_t *)&rd, sizeof rd, b, &err);
		if (err) {
			free(b);
			refuse(pc, DOA_REF_RATE_READER);
			return 0;
		}
	}
	b->tokens += (double)(now - b->refill_us) * c->doa_m1_rate / 1e6;
	if (b->tokens > burst)
		b->tokens = burst;
	b->refill_us = now;
	if (b->tokens < 1) {
		refuse(pc, DOA_REF_RATE_READER);
		return 0;
	}
	b->tokens -= 1;
	return 1;
}

int doa_admit_id(aiotf_proc *pc, const uint8_t *id, size_t len)
{
	const aiotf_cfg *c = pc->cfg;
	int err = 0;
	if (c->doa_id_m1_max <= 0)
		return 1;
	uint64_t now = pc->io->now_us(pc->owner);
	id_window *w = amap_get(&pc->doa_id_rate, id, len);
	if (w == NULL) {
		if ((w = malloc(sizeof *w)) == NULL) {
			refuse(pc, DOA_REF_RATE_ID);
			return 0;
		}
		*w = (id_window){now, 0};
		amap_put(&pc->doa_id_rate, id, len, w, &err);
		if (err) {
			free(w);
			refuse(pc, DOA_REF_RATE_ID);
			return 0;
		}
	}
	if (now - w->t0_us >= (uint64_t)c->doa_id_window_ms * 1000u) {
		w->t0_us = now;
		w->n = 0;
	}
	if (w->n >= (uint32_t)c->doa_id_m1_max) {
		refuse(pc, DOA_REF_RATE_ID);
		return 0;
	}
	w->n++;
	return 1;
}

void doa_limit_reader_lost(aiotf_proc *pc, const reader *rd)
{
	free(amap_del(&pc->doa_rd_rate, (const uint8_t *)&rd, sizeof rd));
}
