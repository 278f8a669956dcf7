/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An established MSGin5G-1 session (server_internal.h): CoAP over TLS (RFC 8323) with the
 * CSM exchange first (5.3), Ping/Pong (5.4), Release/Abort (5.5, 5.6), and POST /msgin5g
 * requests carrying the JSON messages of msg.h. REG is authorized against the SUPI the AAnF
 * returned with K_AF (TS 33.501 Y.2); MSG is stored and forwarded (registry.h) and pushed to
 * the recipient as a POST of its own; the recipient's 2.xx answer is the delivery, reported
 * back to the originator in an IMDN when it asked for one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "coap/coap_tcp.h"
#include "common/aiot_err.h"
#include "server_internal.h"
#include "svc/log.h"
#include "svc/wipe.h"

/* Encode and queue one frame; 0, -1, or AIOT_ERR_NOSPACE when it exceeds the peer's
 * Max-Message-Size (RFC 8323 5.3.1). */
static int send_frame(m5_conn *c, const coap_msg *m)
{
	size_t cap = 16 + COAP_MAX_TOKEN + 64 + m->payload_len, n;
	uint8_t *buf = malloc(cap);
	int rc = -1;
	if (buf != NULL && coap_tcp_encode(m, buf, cap, &n) == AIOT_OK)
		rc = n > c->peer_max ? AIOT_ERR_NOSPACE : bufferevent_write(c->bev, buf, n);
	free(buf);
	return rc;
}

/* A request's answer: code, and a MSGRESP payload. */
static int respond(m5_conn *c, const coap_msg *req, uint8_t code, const char *mid, int success,
                   const char *cause)
{
	msgin5g_msg r = {.type = MSGIN5G_MSGRESP, .success = success};
	snprintf(r.message_id, sizeof r.message_id, "%s", mid ? mid : "");
	snprintf(r.cause, sizeof r.cause, "%s", cause ? cause : "");
	char *json = msgin5g_encode(&r);
	uint8_t fmt[4];
	coap_msg m = {.code = code, .tkl = req->tkl};
	memcpy(m.token, req->token, req->tkl);
	coap_add_opt(&m, COAP_OPT_CONTENT_FORMAT, fmt, coap_uint_bytes(COAP_FORMAT_JSON, fmt));
	m.payload = (const uint8_t *)json;
	m.payload_len = json ? strlen(json) : 0;
	int rc = send_frame(c, &m);
	free(json);
	return rc;
}

/* Push m to c's UE as a POST (the request's token names it in the answer). */
static int push(m5_conn *c, msgin5g_msg *m)
{
	char *json = msgin5g_encode(m);
	uint8_t fmt[4], tok[4];
	uint32_t t = ++c->next_token;
	tok[0] = (uint8_t)(t >> 24), tok[1] = (uint8_t)(t >> 16), tok[2] = (uint8_t)(t >> 8);
	tok[3] = (uint8_t)t;
	coap_msg q = {.code = COAP_POST, .tkl = 4};
	memcpy(q.token, tok, 4);
	coap_add_opt(&q, COAP_OPT_URI_PATH, MSGIN5G_URI_PATH, strlen(MSGIN5G_URI_PATH));
	coap_add_opt(&q, COAP_OPT_CONTENT_FORMAT, fmt, coap_uint_bytes(COAP_FORMAT_JSON, fmt));
	q.payload = (const uint8_t *)json;
	q.payload_len = json ? strlen(json) : 0;
	int rc = json ? send_frame(c, &q) : -1;
	free(json);
	if (rc == 0) {
		c->inflight[c->ninflight++] = (m5_push){t, m};
	} else if (rc == AIOT_ERR_NOSPACE) { /* it can never take it: dropped */
		log_warn("%s %s: a %s over the UE's Max-Message-Size (%u) dropped", c->peer, c->ue,
		         msgin5g_type_name(m->type), c->peer_max);
		aiot_free_wipe(m);
		rc = 0;
	}
	return rc;
}

void m5_session_flush(m5_conn *c)
{
	msgin5g_msg *m;
	while (c->ue[0] && c->ninflight < M5_MAX_INFLIGHT &&
	       (m = registry_pop(c->s->reg, c->ue)) != NULL)
		if (push(c, m) != 0) {
			registry_push(c->s->reg, c->ue, m, 1);
			free(m);
			return;
		}
}

/* Queue m for ue and push it at once when ue is connected. 0 or -1 (queue full). */
static int deliver(m5_server *s, const char *ue, const msgin5g_msg *m)
{
	if (registry_push(s->reg, ue, m, 0) != 0)
		return -1;
	m5_conn *to = registry_conn(s->reg, ue);
	if (to != NULL)
		m5_session_flush(to);
	return 0;
}

/* The UE acknowledged (or refused) a push: delivered, and an IMDN when asked for. */
static void on_answer(m5_conn *c, const coap_msg *a)
{
	uint32_t t = a->tkl == 4 ? (uint32_t)a->token[0] << 24 | (uint32_t)a->token[1] << 16 |
	                               (uint32_t)a->token[2] << 8 | a->token[3]
	                         : 0;
	for (size_t i = 0; i < c->ninflight; i++) {
		if (c->inflight[i].token != t)
			continue;
		msgin5g_msg *m = c->inflight[i].m;
		c->inflight[i] = c->inflight[--c->ninflight];
		if (m->type == MSGIN5G_MSG && a->code >> 5 == 2) {
			c->s->st.delivered++;
			if (m->delivery_report) { /* TS 24.538: the report to the originator */
				msgin5g_msg r = {.type = MSGIN5G_IMDN};
				strcpy(r.message_id, m->message_id);
				strcpy(r.from, m->from);
				strcpy(r.to, m->to);
				if (deliver(c->s, m->from, &r) == 0)
					c->s->st.imdn++;
			}
		} else if (a->code >> 5 != 2) {
			log_info("%s %s: push %s refused (%d.%02d)", c->peer, c->ue,
			         msgin5g_type_name(m->type), a->code >> 5, a->code & 31);
		}
		aiot_free_wipe(m);
		m5_session_flush(c);
		return;
	}
}

static int on_reg(m5_conn *c, const coap_msg *req, const msgin5g_msg *m)
{
	m5_server *s = c->s;
	const char *supi = registry_supi(s->reg, m->ue_service_id);
	/* TS 33.501 Y.2: the UE service ID must be bound to the SUPI of this A-KID */
	if (supi == NULL || c->supi[0] == '\0' || strcmp(supi, c->supi) != 0 ||
	    (c->ue[0] && strcmp(c->ue, m->ue_service_id) != 0)) {
		s->st.regs_refused++;
		log_warn("%s: REG %s refused: not bound to the SUPI of A-KID %s (%s)", c->peer,
		         m->ue_service_id, c->akid, c->supi[0] ? c->supi : "the AAnF gave none");
		return respond(c, req, COAP_FORBIDDEN, NULL, 0, "NOT_AUTHORIZED");
	}
	m5_conn *old = registry_conn(s->reg, m->ue_service_id);
	if (old != NULL && old != c) { /* the newest connection wins; the old one is closed */
		registry_set_conn(s->reg, m->ue_service_id, NULL);
		old->ue[0] = '\0';
		m5_conn_close(old, "registered again on another connection");
	}
	strcpy(c->ue, m->ue_service_id);
	registry_set_conn(s->reg, c->ue, c);
	s->st.regs++;
	log_info("%s: REG %s (SUPI %s)", c->peer, c->ue, c->supi);
	int rc = respond(c, req, COAP_CREATED, NULL, 1, NULL);
	m5_session_flush(c); /* what was stored for it */
	return rc;
}

static int on_msg(m5_conn *c, const coap_msg *req, msgin5g_msg *m)
{
	m5_server *s = c->s;
	const char *cause = NULL;
	if (c->ue[0] == '\0' || strcmp(m->from, c->ue) != 0)
		cause = "NOT_REGISTERED"; /* only as itself, once registered */
	else if (registry_supi(s->reg, m->to) == NULL)
		cause = "UNKNOWN_RECIPIENT";
	if (cause != NULL) {
		s->st.msgs_refused++;
		return respond(c, req, cause[0] == 'N' ? COAP_FORBIDDEN : COAP_NOT_FOUND,
		               m->message_id, 0, cause);
	}
	int online = registry_conn(s->reg, m->to) != NULL;
	if (deliver(s, m->to, m) != 0) {
		s->st.msgs_refused++;
		return respond(c, req, COAP_UNAVAILABLE, m->message_id, 0, "STORE_FULL");
	}
	s->st.msgs++;
	return respond(c, req, COAP_CHANGED, m->message_id, 1, online ? "FORWARDED" : "STORED");
}

static int on_request(m5_conn *c, const coap_msg *req)
{
	const coap_opt *path = coap_find_opt(req, COAP_OPT_URI_PATH);
	const coap_opt *fmt = coap_find_opt(req, COAP_OPT_CONTENT_FORMAT);
	uint32_t f;
	msgin5g_msg m;
	if (req->code != COAP_POST || path == NULL || path->len != strlen(MSGIN5G_URI_PATH) ||
	    memcmp(path->val, MSGIN5G_URI_PATH, path->len) != 0)
		return respond(c, req, COAP_NOT_FOUND, NULL, 0, "UNKNOWN_RESOURCE");
	if (fmt == NULL || coap_opt_uint(fmt, &f) != AIOT_OK || f != COAP_FORMAT_JSON)
		return respond(c, req, COAP_UNSUPPORTED_FORMAT, NULL, 0, "JSON_ONLY");
	if (msgin5g_decode((const char *)req->payload, req->payload_len, &m) != AIOT_OK) {
		c->s->st.frames_bad++;
		return respond(c, req, COAP_BAD_REQUEST, NULL, 0, "MALFORMED");
	}
	switch (m.type) {
	case MSGIN5G_REG:
		return on_reg(c, req, &m);
	case MSGIN5G_DEREG:
		if (strcmp(m.ue_service_id, c->ue) != 0)
			return respond(c, req, COAP_FORBIDDEN, NULL, 0, "NOT_REGISTERED");
		m5_session_end(c); /* unacknowledged pushes wait for the next registration */
		c->ue[0] = '\0';
		c->s->st.deregs++;
		return respond(c, req, COAP_CHANGED, NULL, 1, NULL);
	case MSGIN5G_MSG:
		return on_msg(c, req, &m);
	default: /* MSGRESP and IMDN go from the server to a UE only */
		return respond(c, req, COAP_BAD_REQUEST, NULL, 0, "UNEXPECTED_MESSAGE_TYPE");
	}
}

/* One frame; 0, or -1 to close. */
static int on_frame(m5_conn *c, const coap_msg *m)
{
	if (!c->csm_seen && m->code != COAP_CSM)
		return -1; /* RFC 8323 5.3: the CSM comes first */
	switch (m->code) {
	case COAP_CSM: {
		const coap_opt *o = coap_find_opt(m, COAP_OPT_MAX_MESSAGE_SIZE);
		uint32_t v;
		if (o != NULL && (coap_opt_uint(o, &v) != AIOT_OK || v < 1152))
			return -1; /* 5.3.1: at least the 1152 of the base value */
		if (o != NULL)
			c->peer_max = v;
		c->csm_seen = 1;
		return 0;
	}
	case COAP_PING: {
		coap_msg pong = {.code = COAP_PONG, .tkl = m->tkl};
		memcpy(pong.token, m->token, m->tkl);
		return send_frame(c, &pong);
	}
	case COAP_PONG:
		return 0;
	case COAP_RELEASE:
	case COAP_ABORT:
		return -1;
	default:
		break;
	}
	if (m->code >> 5 == 0 && m->code != COAP_EMPTY)
		return on_request(c, m);
	if (m->code >> 5 >= 2 && m->code >> 5 <= 5)
		on_answer(c, m);
	return 0; /* an empty message is ignored (RFC 8323 3.2) */
}

/* The peer read its answers: read its requests again. */
static void on_read(struct bufferevent *bev, void *arg);

static void on_drained(struct bufferevent *bev, void *arg)
{
	m5_conn *c = arg;
	if (!c->paused)
		return;
	c->paused = 0;
	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	bufferevent_enable(bev, EV_READ);
	on_read(bev, c); /* what arrived meanwhile is already buffered */
}

static void on_read(struct bufferevent *bev, void *arg)
{
	m5_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t max = c->s->cfg.max_message_size;
	for (;;) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) > M5_MAX_UNREAD) {
			c->paused = 1;
			bufferevent_disable(bev, EV_READ);
			bufferevent_setwatermark(bev, EV_WRITE, M5_MAX_UNREAD / 2, 0);
			return; /* on_drained resumes */
		}
		size_t len = evbuffer_get_length(in), used;
		size_t want = len < max + 16 ? len : max + 16; /* one frame at most */
		coap_msg m;
		const uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)want);
		int rc = len ? coap_tcp_decode(p, want, max, &m, &used) : AIOT_ERR_TRUNC;
		if (rc == AIOT_ERR_TRUNC)
			return;
		if (rc != AIOT_OK) {
			c->s->st.frames_bad++;
			m5_conn_close(c, rc == AIOT_ERR_NOSPACE
			                     ? "CoAP message over max-message-size"
			                     : "malformed CoAP frame");
			return;
		}
		if (on_frame(c, &m) != 0) {
			m5_conn_close(c, c->csm_seen ? "released" : "no CSM first (RFC 8323 5.3)");
			return;
		}
		evbuffer_drain(in, used);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	m5_conn_close(arg, what & BEV_EVENT_TIMEOUT ? "idle"
	                   : what & BEV_EVENT_EOF   ? "peer closed"
	                                            : "TLS error");
}

int m5_session_start(m5_conn *c)
{
	uint8_t v[4];
	struct timeval idle = {c->s->cfg.idle_timeout_ms / 1000,
	                       (c->s->cfg.idle_timeout_ms % 1000) * 1000};
	coap_msg csm = {.code = COAP_CSM};
	coap_add_opt(&csm, COAP_OPT_MAX_MESSAGE_SIZE, v,
	             coap_uint_bytes((uint32_t)c->s->cfg.max_message_size, v));
	c->peer_max = 1152; /* RFC 8323 5.3.1 base value */
	bufferevent_setcb(c->bev, on_read, on_drained, on_event, c);
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	if (bufferevent_enable(c->bev, EV_READ) != 0)
		return -1;
	return send_frame(c, &csm);
}

void m5_session_end(m5_conn *c)
{
	m5_server *s = c->s;
	/* back to the head of the queue, newest first so that the oldest ends first */
	while (c->ninflight > 0) {
		size_t newest = 0;
		for (size_t i = 1; i < c->ninflight; i++)
			if (c->inflight[i].token > c->inflight[newest].token)
				newest = i;
		msgin5g_msg *m = c->inflight[newest].m;
		c->inflight[newest] = c->inflight[--c->ninflight];
		if (c->ue[0] == '\0' || registry_push(s->reg, c->ue, m, 1) != 0)
			log_warn("%s: a pushed %s is lost", c->peer, msgin5g_type_name(m->type));
		aiot_free_wipe(m);
	}
	if (c->ue[0] && registry_conn(s->reg, c->ue) == c)
		registry_set_conn(s->reg, c->ue, NULL);
}
