/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Assembly of one SBI request (TS 29.500 5.2): header fields and body bytes as nghttp2 decodes
 * them, then the handler's view (sbi_request). No I/O, no limits (sbi_h2.c checks them before
 * it calls here): every function works on the one sbi_pending it is given, on the worker
 * thread that owns it (the ownership rule is in sbi_srv.h).
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbi/sbi_srv.h"
#include "svc/wipe.h"

void sbi_req_init(sbi_pending *p)
{
	p->method_off = p->path_off = p->ct_off = NO_OFF;
	p->content_length = -1;
}

void sbi_body_free(char *body, int sensitive)
{
	if (sensitive)
		aiot_free_wipe(body);
	else
		free(body);
}

void sbi_resp_drop(sbi_response *resp)
{
	sbi_body_free(resp->body, resp->sensitive);
	resp->body = NULL;
}

void sbi_req_clear(sbi_pending *p)
{
	sbi_resp_drop(&p->resp);
	free(p->hbuf);
	free(p->hoff);
	free(p->hdrs);
	aiot_free_wipe(p->body); /* a request may carry a key (K_AKMA to the AAnF) */
	p->hbuf = NULL;
	p->hoff = NULL;
	p->hdrs = NULL;
	p->body = NULL;
}

static int hbuf_add(sbi_pending *p, const uint8_t *name, size_t nl, const uint8_t *value, size_t vl,
                    size_t *off)
{
	size_t need = nl + vl + 2;

	if (p->hcap - p->hlen < need) {
		size_t cap = sbi_grow_cap(p->hcap, p->hlen, need, 512);
		char *nb = realloc(p->hbuf, cap);

		if (nb == NULL)
			return -1;
		p->hbuf = nb;
		p->hcap = cap;
	}
	*off = p->hlen;
	memcpy(p->hbuf + p->hlen, name, nl);
	p->hbuf[p->hlen + nl] = '\0';
	memcpy(p->hbuf + p->hlen + nl + 1, value, vl);
	p->hbuf[p->hlen + nl + 1 + vl] = '\0';
	p->hlen += need;
	return 0;
}

int sbi_req_add_header(sbi_pending *p, const uint8_t *name, size_t nl, const uint8_t *value,
                       size_t vl)
{
	size_t off;

	if (hbuf_add(p, name, nl, value, vl, &off) != 0)
		return -1;
	if (name[0] == ':') {
		if (nl == 7 && memcmp(name, ":method", 7) == 0)
			p->method_off = off + nl + 1;
		else if (nl == 5 && memcmp(name, ":path", 5) == 0)
			p->path_off = off + nl + 1;
		return 0;
	}
	if (p->nh == p->hoff_cap) {
		size_t cap = p->hoff_cap ? p->hoff_cap * 2 : 16;
		size_t *no = realloc(p->hoff, cap * sizeof(*no));

		if (no == NULL)
			return -1;
		p->hoff = no;
		p->hoff_cap = cap;
	}
	p->hoff[p->nh++] = off;
	if (nl == 12 && memcmp(name, "content-type", 12) == 0)
		p->ct_off = off + nl + 1;
	else if (nl == 14 && memcmp(name, "content-length", 14) == 0) {
		/* nghttp2 has checked it is a number and will check it against the DATA
		 * received (RFC 9113 8.1.1: mismatch = malformed, stream error). */
		int64_t v = 0;
		size_t i;

		for (i = 0; i < vl && value[i] >= '0' && value[i] <= '9' && v < INT64_MAX / 10; i++)
			v = v * 10 + (value[i] - '0');
		p->content_length = v;
	}
	return 0;
}

int sbi_req_add_body(sbi_pending *p, const uint8_t *data, size_t len)
{
	if (p->bcap - p->blen < len + 1) {
		size_t cap = sbi_grow_cap(p->bcap, p->blen, len + 1, 1024);
		uint8_t *nb = aiot_realloc_wipe(p->body, p->blen, cap); /* see sbi_req_clear */

		if (nb == NULL)
			return -1;
		p->body = nb;
		p->bcap = cap;
	}
	memcpy(p->body + p->blen, data, len);
	p->blen += len;
	p->body[p->blen] = '\0';
	return 0;
}

int sbi_req_finish(sbi_pending *p, int worker)
{
	size_t i;
	char *q;

	if (p->nh > 0) {
		p->hdrs = calloc(p->nh, sizeof(*p->hdrs));
		if (p->hdrs == NULL)
			return -1;
	}
	for (i = 0; i < p->nh; i++) {
		p->hdrs[i].name = p->hbuf + p->hoff[i];
		p->hdrs[i].value = p->hbuf + p->hoff[i] + strlen(p->hbuf + p->hoff[i]) + 1;
	}
	p->req.method = p->hbuf + p->method_off;
	p->req.path = p->hbuf + p->path_off;
	q = strchr(p->hbuf + p->path_off, '?');
	p->req.query = NULL;
	if (q != NULL) {
		*q = '\0';
		p->req.query = q + 1;
	}
	p->req.content_type = p->ct_off != NO_OFF ? p->hbuf + p->ct_off : NULL;
	p->req.body = p->body ? p->body : (const uint8_t *)"";
	p->req.body_len = p->blen;
	p->req.headers = p->hdrs;
	p->req.nheaders = p->nh;
	p->req.worker = worker;
	return 0;
}
