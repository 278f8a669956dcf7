/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the AUSF (ausf.h): the state the loop thread owns and the jobs the SBI workers hand
 * it. ausf.c: the loop, the hand-over, routing, metrics; ausf_aka.c: the 201 (the UDM call);
 * ausf_confirm.c: the confirmation and the AKMA registration.
 */
#ifndef AIOT_AUSF_INTERNAL_H
#define AIOT_AUSF_INTERNAL_H
#include <pthread.h>
#include <stdatomic.h>

#include "ausf.h"
#include "ausf_ctx.h"
#include "ausf_json.h"
#include "nrfc/nrfc_peer.h"
#include "sbi/sbi_client.h"

typedef struct ausf_job {
	struct ausf *a;
	int kind; /* AUSF_R_CREATE or AUSF_R_CONFIRM */
	sbi_pending *pending;
	ausf_authinfo info;           /* CREATE */
	char id[AUSF_CTX_ID_LEN + 1]; /* CONFIRM */
	uint8_t res_star[16];         /* CONFIRM */
	struct ausf_job *next;
} ausf_job;

typedef struct ausf_peer {
	nrfc_peer *c;
	char host[256];
	int port, tls;
} ausf_peer;

struct ausf {
	ausf_cfg cfg;
	char instance_id[37], mcc[4], mnc[4];
	char api_root[300];
	struct event_base *base;
	struct evdns_base *dns;
	struct event *wake, *sweep;
	struct ssl_ctx_st *tls;
	pthread_t thread;
	int running;
	pthread_mutex_t qlock; /* the hand-over queue and stop */
	ausf_job *qhead, *qtail;
	int stop;
	nrfc_tokens *tokens; /* NULL: none */
	ausf_peer udm, aanf;
	ausf_ctx_tab *ctxs, *keys; /* loop thread only */
	atomic_ullong n_create, n_created, n_udm_fail, n_confirm_ok, n_confirm_fail, n_unknown_ctx,
	    n_expired, n_akma_ok, n_akma_fail, n_refused;
	atomic_size_t n_ctx;
};

/* Answer job's request and free the job. */
void ausf_job_done(ausf_job *j, sbi_response *resp);
void ausf_job_problem(ausf_job *j, int status, const char *cause, const char *text);
/* Loop thread: the POST (asks the UDM; answers later) and the PUT. */
void ausf_aka_start(ausf *a, ausf_job *j);
void ausf_confirm(ausf *a, ausf_job *j);

#endif
