/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A latency histogram in the Prometheus text exposition format 0.0.4 (a family of
 * NAME_bucket{le="..."} cumulative counters ending with le="+Inf", NAME_sum and NAME_count),
 * lock-free: any thread observes, any thread prints. Used for the SBI server's operations and
 * the AIOTF's requests to the ADM.
 */
#ifndef AIOT_SBI_HIST_H
#define AIOT_SBI_HIST_H
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define SBI_HIST_BUCKETS 16 /* upper bounds 100 us .. 10 s, then +Inf */

typedef struct sbi_hist {
	_Atomic uint64_t n[SBI_HIST_BUCKETS + 1]; /* observations per bucket, not cumulative */
	_Atomic uint64_t sum_us;
} sbi_hist;

/* One observation of us microseconds. */
void sbi_hist_observe(sbi_hist *h, uint64_t us);

/* "# HELP" and "# TYPE NAME histogram" lines of a family. */
int sbi_hist_header(FILE *f, const char *name, const char *help);
/* The samples of h: labels is "" or a label list without braces (op="get-tid"). _count is
 * the +Inf bucket, so the two always agree. Returns < 0 on a write error. */
int sbi_hist_print(FILE *f, const char *name, const char *labels, sbi_hist *h);

#endif
