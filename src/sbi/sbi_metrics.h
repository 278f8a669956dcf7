/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /metrics (Prometheus text format 0.0.4) for the daemons without an SBI server,
 * aiot-reader and aiot-devsim: the same HTTP/1.1 page as the ADM's and the AIOTF's
 * (sbi_metrics.c), served on the daemon's own event base so that its render callback reads
 * the counters from the thread that writes them.
 */
#ifndef AIOT_SBI_METRICS_H
#define AIOT_SBI_METRICS_H
#include <stddef.h>
#include <stdint.h>

struct event_base;

typedef struct sbi_metric {
	const char *name; /* aiot_reader_pagings_total */
	const char *type; /* "counter" or "gauge" */
	const char *help;
	uint64_t value;
} sbi_metric;

/* aiot_build_info, then "# HELP", "# TYPE" and the sample of each metric: a malloc'd
 * string, or NULL. */
char *sbi_metrics_format(const sbi_metric *m, size_t n);

typedef struct sbi_metrics_http sbi_metrics_http;

/* Listen on addr (ADDR:PORT, port 0: any) on base; each GET /metrics is answered with what
 * render(arg) returns (malloc'd, freed here; NULL: 500). Bounded (sbi_metrics_http.c): 8 KiB
 * of request head, no body, GET and HEAD, 64 connections, 10 s each, a pause on EMFILE.
 * NULL with err on failure. */
sbi_metrics_http *sbi_metrics_http_start(struct event_base *base, const char *addr,
                                         char *(*render)(void *arg), void *arg, char *err,
                                         size_t errlen);
int sbi_metrics_http_port(const sbi_metrics_http *h);
void sbi_metrics_http_free(sbi_metrics_http *h);

#endif
