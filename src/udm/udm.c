/* SPDX-License-Identifier: Apache-2.0 */
/* Nudm_UEAU generate-auth-data (udm.h): routing, the store, the answer. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "udm.h"
#include "udm_av.h"
#include "udm_sub.h"
#include "ueau.h"
#include "common/aiot_err.h"
#include "crypto/ct.h"
#include "crypto/milenage.h"
#include "svc/log.h"

struct udm {
	aiot_kvs *kvs;
	pthread_mutex_t mu; /* the store's one owner */
	atomic_ullong vectors, resyncs, resync_refused, unknown, refused;
};

udm *udm_new(aiot_kvs *kvs, char *err, size_t errlen)
{
	udm *u = calloc(1, sizeof *u);
	if (u == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	u->kvs = kvs;
	pthread_mutex_init(&u->mu, NULL);
	return u;
}

void udm_free(udm *u)
{
	if (u == NULL)
		return;
	pthread_mutex_destroy(&u->mu);
	free(u);
}

/* The subscriber, re-synchronised when asked, with its next SQN_HE committed. Under mu.
 * 0, or an HTTP status with resp filled. */
static int advance_sqn(udm *u, const ueau_request *q, udm_sub *s, sbi_response *resp)
{
	char err[256], *meta = NULL;
	uint8_t secret[AIOT_KVS_SECRET_MAX], sqn_ms[6];
	size_t slen = 0;
	int rc = aiot_kvs_get(u->kvs, q->supi, &meta, secret, &slen);
	if (rc == AIOT_ERR_NOTFOUND) {
		atomic_fetch_add(&u->unknown, 1);
		sbi_problem(resp, 404, "USER_NOT_FOUND", "no subscriber %s", q->supi);
		goto out;
	}
	if (rc != AIOT_OK ||
	    udm_sub_load(s, q->supi, meta, secret, slen, err, sizeof err) != AIOT_OK) {
		log_error("subscriber %s: %s", q->supi, rc != AIOT_OK ? aiot_strerror(rc) : err);
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "subscriber record unreadable");
		goto out;
	}
	if (q->resync.present) {
		if (aiot_milenage_auts(s->k, s->opc, q->resync.rand, q->resync.auts, sqn_ms) !=
		    AIOT_OK) {
			atomic_fetch_add(&u->resync_refused, 1);
			sbi_problem(resp, 403, "AUTHENTICATION_REJECTED",
			            "resynchronizationInfo: AUTS does not verify (MAC-S)");
			goto out;
		}
		atomic_fetch_add(&u->resyncs, 1);
		udm_sqn_resync(s->sqn, sqn_ms);
	}
	free(meta);
	meta = NULL;
	if (udm_sqn_next(s->sqn, s->sqn) != AIOT_OK) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "SQN space of %s used up", q->supi);
		goto out;
	}
	/* TS 33.102 C.3.2: SQN_HE durable before a vector with it leaves */
	if ((meta = udm_sub_meta(s)) == NULL ||
	    aiot_kvs_set_meta(u->kvs, q->supi, meta) != AIOT_OK) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "cannot store the SQN");
		goto out;
	}
	rc = 0;
	goto done;
out:
	rc = resp->status;
done:
	free(meta);
	aiot_zeroize(secret, sizeof secret);
	return rc;
}

static void generate_auth_data(udm *u, const ueau_request *q, sbi_response *resp)
{
	udm_sub s;
	udm_av av;
	ueau_result r = {0};
	pthread_mutex_lock(&u->mu);
	int st = advance_sqn(u, q, &s, resp);
	pthread_mutex_unlock(&u->mu);
	if (st != 0)
		goto out;
	if (getrandom(r.rand, sizeof r.rand, 0) != (ssize_t)sizeof r.rand ||
	    udm_av_make(&s, s.sqn, q->snn, r.rand, &av) != AIOT_OK) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "cannot make a vector");
		goto out;
	}
	memcpy(r.autn, av.autn, 16);
	memcpy(r.xres_star, av.xres_star, 16);
	memcpy(r.kausf, av.kausf, 32);
	snprintf(r.supi, sizeof r.supi, "%s", s.supi);
	r.akma = s.akma;
	snprintf(r.rid, sizeof r.rid, "%s", s.rid);
	char *txt = ueau_result_json(&r);
	if (txt == NULL) {
		sbi_problem(resp, 500, "INSUFFICIENT_RESOURCES", "out of memory");
		goto out;
	}
	sbi_json(resp, 200, txt);
	resp->sensitive = 1; /* K_AUSF */
	atomic_fetch_add(&u->vectors, 1);
out:
	aiot_zeroize(&s, sizeof s);
	aiot_zeroize(&av, sizeof av);
	aiot_zeroize(&r, sizeof r);
}

/* The {supiOrSuci} segment of a generate-auth-data path, or NULL. */
static const char *route(const char *p, size_t *seg_len)
{
	size_t api = strlen(UEAU_API), op = strlen(UEAU_OP), n = strlen(p);
	if (strncmp(p, UEAU_API, api) != 0 || n <= api + op || strcmp(p + n - op, UEAU_OP) != 0)
		return NULL;
	*seg_len = n - api - op;
	return memchr(p + api, '/', *seg_len) ? NULL : p + api;
}

void udm_handle(void *app, const sbi_request *req, sbi_response *resp)
{
	udm *u = app;
	size_t seg_len;
	const char *seg = route(req->path, &seg_len);
	if (seg == NULL) {
		sbi_problem(resp, 404, "RESOURCE_URI_STRUCTURE_NOT_FOUND", "no resource %s",
		            req->path);
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		sbi_problem(resp, 405, NULL, "%s accepts POST only", req->path);
		resp->extra[resp->nextra++] = (sbi_header){"allow", "POST"};
		return;
	}
	if (!sbi_media_is(req->content_type, "application/json")) {
		atomic_fetch_add(&u->refused, 1);
		sbi_problem(resp, 415, NULL, "content-type must be application/json");
		return;
	}
	sbi_err e = {0};
	ueau_request q;
	if (ueau_request_parse(seg, seg_len, req->body, req->body_len, &q, &e) != 0) {
		atomic_fetch_add(e.status == 404 ? &u->unknown : &u->refused, 1);
		sbi_problem(resp, sbi_err_status(&e), e.cause, "%s", e.text);
		return;
	}
	generate_auth_data(u, &q, resp);
}

char *udm_metrics(void *app)
{
	udm *u = app;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	fprintf(f,
	        "# HELP aiot_udm_auth_vectors_total 5G HE AKA vectors generated.\n"
	        "# TYPE aiot_udm_auth_vectors_total counter\n"
	        "aiot_udm_auth_vectors_total %llu\n"
	        "# HELP aiot_udm_resync_total Re-synchronisations (AUTS verified, SQN_HE reset).\n"
	        "# TYPE aiot_udm_resync_total counter\n"
	        "aiot_udm_resync_total %llu\n"
	        "# HELP aiot_udm_resync_refused_total AUTS whose MAC-S did not verify.\n"
	        "# TYPE aiot_udm_resync_refused_total counter\n"
	        "aiot_udm_resync_refused_total %llu\n"
	        "# HELP aiot_udm_unknown_user_total Requests for no known subscriber.\n"
	        "# TYPE aiot_udm_unknown_user_total counter\n"
	        "aiot_udm_unknown_user_total %llu\n"
	        "# HELP aiot_udm_refused_total Malformed requests refused.\n"
	        "# TYPE aiot_udm_refused_total counter\n"
	        "aiot_udm_refused_total %llu\n",
	        (unsigned long long)u->vectors, (unsigned long long)u->resyncs,
	        (unsigned long long)u->resync_refused, (unsigned long long)u->unknown,
	        (unsigned long long)u->refused);
	fclose(f);
	return out;
}

const char *const udm_operations[] = {"generate-auth-data", NULL};
const aiot_oauth_service udm_oauth_services[] = {{UEAU_API, "nudm-ueau"}, {NULL, NULL}};
const char *const udm_op_scopes[] = {"nudm-ueau:security-information:generate-auth-data:invoke",
                                     NULL};

int udm_operation(const sbi_request *req)
{
	size_t n;
	return strcmp(req->method, "POST") == 0 && route(req->path, &n) != NULL ? 0 : -1;
}
