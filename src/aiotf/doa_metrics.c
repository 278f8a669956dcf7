/* SPDX-License-Identifier: Apache-2.0 */
/* The DO-A counters (stats.h, bumped by doa.c and doa_limit.c) in /metrics (aiotf.c). */
#include <stdio.h>

#include "aiotf_internal.h"

static const char *const refusal[DOA_REF_N] = {
    [DOA_REF_MALFORMED] = "malformed",     [DOA_REF_RATE_READER] = "reader_rate",
    [DOA_REF_RATE_ID] = "identifier_rate", [DOA_REF_FULL] = "contexts_full",
    [DOA_REF_UNKNOWN] = "unknown",         [DOA_REF_RAND_REUSED] = "rand_d_reused",
    [DOA_REF_ADM_ERROR] = "adm_error",     [DOA_REF_ADM_QUEUE] = "adm_queue",
};

static const char *const ending[DOA_END_N] = {
    [DOA_END_REGISTERED] = "registered",   [DOA_END_REFUSED] = "refused",
    [DOA_END_RES_D] = "res_d_wrong",       [DOA_END_TIMEOUT] = "timeout",
    [DOA_END_READER_LOST] = "reader_lost", [DOA_END_REPLACED] = "replaced",
    [DOA_END_UNDELIVERED] = "undelivered", [DOA_END_ERROR] = "error",
    [DOA_END_STOPPED] = "stopped",
};

#define U(x) ((unsigned long long)atomic_load(&(x)))

static void counter(FILE *f, const char *name, const char *help, unsigned long long v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name, v);
}

void aiotf_doa_metrics(FILE *f, aiotf_stats *s)
{
	counter(f, "aiot_aiotf_doa_m1_total", "DO-A Registration Requests (M1) received.",
	        U(s->doa_m1));
	fprintf(f, "# HELP aiot_aiotf_doa_m1_refused_total DO-A M1 left unanswered, by reason.\n"
	           "# TYPE aiot_aiotf_doa_m1_refused_total counter\n");
	for (int i = 0; i < DOA_REF_N; i++)
		fprintf(f, "aiot_aiotf_doa_m1_refused_total{reason=\"%s\"} %llu\n", refusal[i],
		        U(s->doa_m1_refused[i]));
	counter(f, "aiot_aiotf_doa_m2_total", "DO-A Authentication Requests (M2) sent.",
	        U(s->doa_m2_sent));
	counter(f, "aiot_aiotf_doa_resd_failures_total",
	        "DO-A Authentication Responses whose RES_D did not match XRES_D.",
	        U(s->doa_res_d_failed));
	counter(f, "aiot_aiotf_doa_registrations_total",
	        "DO-A devices registered (Registration Accept sent).", U(s->doa_registered));
	fprintf(f,
	        "# HELP aiot_aiotf_doa_uplink_data_total DO-A Uplink Data, by outcome.\n"
	        "# TYPE aiot_aiotf_doa_uplink_data_total counter\n"
	        "aiot_aiotf_doa_uplink_data_total{result=\"delivered\"} %llu\n"
	        "aiot_aiotf_doa_uplink_data_total{result=\"replayed\"} %llu\n"
	        "aiot_aiotf_doa_uplink_data_total{result=\"bad_mac\"} %llu\n",
	        U(s->doa_data_delivered), U(s->doa_data_replayed), U(s->doa_data_bad_mac));
	counter(f, "aiot_aiotf_doa_unexpected_total",
	        "DO-A uplink PDUs matching no exchange or context in that state (replayed M3, "
	        "data without registration).",
	        U(s->doa_unexpected));
	fprintf(f, "# HELP aiot_aiotf_doa_exchanges_total DO-A exchanges ended, by outcome.\n"
	           "# TYPE aiot_aiotf_doa_exchanges_total counter\n");
	for (int i = 0; i < DOA_END_N; i++)
		fprintf(f, "aiot_aiotf_doa_exchanges_total{end=\"%s\"} %llu\n", ending[i],
		        U(s->doa_ended[i]));
	counter(f, "aiot_aiotf_doa_late_adm_total",
	        "ADM answers that came after their DO-A exchange had ended.", U(s->doa_late_adm));
	counter(f, "aiot_aiotf_doa_contexts_expired_total",
	        "Registered DO-A contexts dropped after doa.context-ttl-s.", U(s->doa_ctx_expired));
	fprintf(f,
	        "# HELP aiot_aiotf_doa_contexts DO-A exchanges and registered contexts held.\n"
	        "# TYPE aiot_aiotf_doa_contexts gauge\n"
	        "aiot_aiotf_doa_contexts %d\n",
	        atomic_load(&s->doa_contexts));
}
