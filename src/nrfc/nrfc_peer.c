/* SPDX-License-Identifier: Apache-2.0 */
/* A consumer's connection to one producer, with access tokens (nrfc_peer.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nrfc_peer.h"
#include "crypto/ct.h"
#include "svc/log.h"
#include "svc/wipe.h"

typedef struct preq {
	struct nrfc_peer *p;
	char *method, *path, *ctype;
	void *body;
	size_t body_len;
	sbi_client_cb cb;
	void *arg;
	uint64_t gen; /* the token it carried */
	int retried;  /* sent again after a 401 */
	struct preq *next;
} preq;

struct nrfc_peer {
	sbi_client *c;
	nrfc_tokens *tokens;
	char target[33], scope[256];
	preq *qhead, *qtail; /* waiting for a token, in order */
	size_t queued, max_waiting;
	int waiting, closing;
};

nrfc_peer *nrfc_peer_new(struct event_base *base, const nrfc_peer_cfg *cfg, char *err,
                         size_t errlen)
{
	nrfc_peer *p = calloc(1, sizeof *p);
	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->tokens = cfg->tokens;
	p->max_waiting = cfg->max_waiting ? cfg->max_waiting : 4096;
	if (cfg->tokens != NULL && (cfg->target_nf_type == NULL || cfg->scope == NULL ||
	                            strlen(cfg->target_nf_type) >= sizeof p->target ||
	                            strlen(cfg->scope) >= sizeof p->scope)) {
		snprintf(err, errlen, "access tokens need a target NF type and a scope");
		free(p);
		return NULL;
	}
	if (cfg->tokens != NULL) {
		snprintf(p->target, sizeof p->target, "%s", cfg->target_nf_type);
		snprintf(p->scope, sizeof p->scope, "%s", cfg->scope);
	}
	if ((p->c = sbi_client_new(base, cfg->client, err, errlen)) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

static void req_free(preq *r)
{
	free(r->method);
	free(r->path);
	free(r->ctype);
	aiot_free_wipe(r->body); /* may hold keys (K_AKMA in register-anchorkey) */
	free(r);
}

static void req_fail(preq *r, const char *why)
{
	sbi_client_response resp = {.status = 0, .error = why};
	r->cb(r->arg, &resp);
	req_free(r);
}

static int submit(nrfc_peer *p, preq *r);

static void on_response(void *arg, const sbi_client_response *resp)
{
	preq *r = arg;
	nrfc_peer *p = r->p;
	if (resp->status == 401 && !p->closing && !r->retried) {
		/* RFC 6750 3.1 invalid_token: once more with a new token */
		log_info("%s %s: 401, retrying with a new access token", r->method, r->path);
		nrfc_token_invalidate(p->tokens, p->target, p->scope, r->gen);
		r->retried = 1;
		if (submit(p, r) != 0)
			req_fail(r, "cannot send the request again");
		return;
	}
	r->cb(r->arg, resp);
	req_free(r);
}

/* With the cached token now: 1 sent, 0 no token (r untouched), -1 failed. */
static int send_now(nrfc_peer *p, preq *r)
{
	char authz[4200];
	const char *tok = nrfc_token_get(p->tokens, p->target, p->scope, &r->gen);
	if (tok == NULL)
		return 0;
	int n = snprintf(authz, sizeof authz, "Bearer %s", tok);
	int rc = n > 0 && (size_t)n < sizeof authz &&
	                 sbi_client_request_auth(p->c, r->method, r->path, r->ctype, r->body,
	                                         r->body_len, authz, on_response, r) == 0
	             ? 1
	             : -1;
	aiot_zeroize(authz, sizeof authz);
	return rc;
}

static void token_ready(void *arg, int ok)
{
	nrfc_peer *p = arg;
	preq *list = p->qhead; /* what waited; new requests queue afresh meanwhile */
	p->qhead = p->qtail = NULL;
	p->queued = 0;
	p->waiting = 0;
	while (list != NULL) {
		preq *r = list;
		list = r->next;
		r->next = NULL;
		int sent = ok ? send_now(p, r) : 0;
		if (sent <= 0)
			req_fail(r, sent == 0 ? "no access token from the NRF" : "cannot send");
	}
}

/* Send r, or queue it behind the others waiting for a token. 0, or -1 (r untouched). */
static int submit(nrfc_peer *p, preq *r)
{
	if (p->qhead == NULL) {
		int sent = send_now(p, r);
		if (sent != 0)
			return sent > 0 ? 0 : -1;
	}
	if (p->queued >= p->max_waiting ||
	    (!p->waiting && nrfc_token_wait(p->tokens, p->target, p->scope, token_ready, p) != 0))
		return -1;
	p->waiting = 1;
	r->next = NULL;
	if (p->qtail != NULL)
		p->qtail->next = r;
	else
		p->qhead = r;
	p->qtail = r;
	p->queued++;
	return 0;
}

int nrfc_peer_request(nrfc_peer *p, const char *method, const char *path, const char *content_type,
                      const void *body, size_t body_len, sbi_client_cb cb, void *arg)
{
	if (p->tokens == NULL)
		return sbi_client_request(p->c, method, path, content_type, body, body_len, cb,
		                          arg);
	if (p->closing || method == NULL || path == NULL || cb == NULL)
		return -1;
	preq *r = calloc(1, sizeof *r);
	if (r == NULL)
		return -1;
	*r = (preq){.p = p, .cb = cb, .arg = arg, .body_len = body_len};
	r->method = strdup(method);
	r->path = strdup(path);
	r->ctype = content_type ? strdup(content_type) : NULL;
	r->body = body_len ? malloc(body_len) : NULL;
	if (r->method == NULL || r->path == NULL || (content_type && r->ctype == NULL) ||
	    (body_len && r->body == NULL) || (body_len && body == NULL)) {
		req_free(r);
		return -1;
	}
	if (body_len)
		memcpy(r->body, body, body_len);
	if (submit(p, r) != 0) {
		req_free(r);
		return -1;
	}
	return 0;
}

void nrfc_peer_free(nrfc_peer *p)
{
	if (p == NULL)
		return;
	p->closing = 1;
	preq *list = p->qhead;
	p->qhead = p->qtail = NULL;
	while (list != NULL) {
		preq *r = list;
		list = r->next;
		req_fail(r, "stopping");
	}
	sbi_client_free(p->c); /* the requests in flight: on_response, status 0 */
	free(p);
}
