/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reader daemon's I/O (reader.h). One event loop: the NG link (ngap_link.h), its
 * reconnection with backoff, one UDP socket to the air medium, and reader_io for the
 * procedures (reader_proc.h: the sessions, rounds, relaying and commands are theirs). Owns
 * the socket, the link and the link's counters.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "air/air.h"
#include "air/air_udp.h"
#include "common/aiot_err.h"
#include "common/clock.h"
#include "ngap/ngap_aiot.h"
#include "ngap/ngap_link.h"
#include "reader.h"
#include "reader_proc.h"
#include "svc/log.h"

#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 10000

struct reader {
	reader_cfg cfg;
	struct event_base *base;
	ngap_link *link;
	int link_up;
	const char *link_transport;
	struct event *reconnect;
	unsigned backoff_ms;
	int fd;
	struct event *air_ev;
	reader_proc *proc;
	ngap_tls_ctx *tls; /* NULL: plain NG */
	uint64_t ng_setups, ng_link_losses, ng_tls_failures;
};

struct reader_timer {
	struct event *ev;
	reader_timer_fn fn;
	void *arg;
};

static void link_connect(reader *r);

static struct timeval ms_tv(unsigned ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000};
	return tv;
}

/* ---- reader_io: what the procedures do, done with libevent and sockets -------------------- */

static uint64_t io_now_us(void *arg)
{
	(void)arg;
	return aiot_mono_us();
}

static int io_random(void *arg, void *out, size_t len)
{
	(void)arg;
	return getrandom(out, len, 0) == (ssize_t)len ? 0 : -1;
}

/* 0 when handed to the NG link. */
static int io_ng_send(void *arg, const ngap_msg *m)
{
	reader *r = arg;
	if (r->link == NULL) {
		log_warn("NG link down: %s (correlation %u) not sent", ngap_type_name(m->type),
		         m->correlation_id);
		return -1;
	}
	int rc = ngap_send(r->link, m);
	if (rc != AIOT_OK)
		log_warn("%s (correlation %u) not sent: %s", ngap_type_name(m->type),
		         m->correlation_id, aiot_strerror(rc));
	return rc != AIOT_OK;
}

static void io_air_send(void *arg, const uint8_t *frame, size_t len)
{
	reader *r = arg;
	if (send(r->fd, frame, len, 0) != (ssize_t)len)
		log_warn("air %s: %s", air_type_name(frame[1]), strerror(errno));
}

static void timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	reader_timer *tm = arg;
	(void)fd;
	(void)ev;
	tm->fn(tm->arg);
}

static reader_timer *io_timer_new(void *arg, reader_timer_fn fn, void *fn_arg)
{
	reader *r = arg;
	reader_timer *tm = malloc(sizeof *tm);
	if (tm == NULL)
		return NULL;
	*tm = (reader_timer){NULL, fn, fn_arg};
	if ((tm->ev = evtimer_new(r->base, timer_cb, tm)) == NULL) {
		free(tm);
		return NULL;
	}
	return tm;
}

static void io_timer_arm(reader_timer *tm, unsigned ms)
{
	struct timeval tv = ms_tv(ms);
	evtimer_add(tm->ev, &tv);
}

static void io_timer_cancel(reader_timer *tm)
{
	evtimer_del(tm->ev);
}

static void io_timer_free(reader_timer *tm)
{
	if (tm == NULL)
		return;
	event_free(tm->ev);
	free(tm);
}

static const reader_io io_event = {
    .now_us = io_now_us,
    .random = io_random,
    .ng_send = io_ng_send,
    .air_send = io_air_send,
    .timer_new = io_timer_new,
    .timer_arm = io_timer_arm,
    .timer_cancel = io_timer_cancel,
    .timer_free = io_timer_free,
};

/* ---- NG link ------------------------------------------------------------------------------ */

static void on_ng_msg(void *arg, ngap_link *l, ngap_msg *m)
{
	reader *r = arg;
	(void)l;
	if (m->type == NGAP_NG_SETUP_RESPONSE) {
		r->link_up = 1;
		r->ng_setups++;
		r->backoff_ms = BACKOFF_MIN_MS;
		log_info("reader: NG link up to %s (%s%s), AIOTF '%s'", r->cfg.aiotf,
		         r->link_transport, r->tls ? ", TLS" : "", m->u.setup_resp.aiotf_name);
	} else if (!reader_proc_on_ng(r->proc, m)) {
		log_warn("NG: unexpected %s (correlation %u) ignored", ngap_type_name(m->type),
		         m->correlation_id);
	}
	ngap_free(m);
}

static void on_ng_close(void *arg, ngap_link *l, const char *err)
{
	reader *r = arg;
	if (ngap_link_tls_refused(l))
		r->ng_tls_failures++;
	log_warn("NG link to %s %s: %s; again in %u ms", r->cfg.aiotf,
	         r->link_up ? "lost" : "failed", err ? err : "closed", r->backoff_ms);
	r->link = NULL;
	r->link_up = 0;
	r->ng_link_losses++;
	reader_proc_link_lost(r->proc); /* the AIOTF's procedures died with the association */
	struct timeval tv = ms_tv(r->backoff_ms);
	evtimer_add(r->reconnect, &tv);
	r->backoff_ms = r->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : r->backoff_ms * 2;
}

/* TLS up: logged before NG Setup, so a refused setup still shows who answered. */
static void on_ng_secure(void *arg, ngap_link *l)
{
	reader *r = arg;
	char info[400];

	if (ngap_link_tls_info(l, info, sizeof info) == 0)
		log_info("reader: NG link to %s: %s", r->cfg.aiotf, info);
}

static void on_reconnect(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	link_connect(arg);
}

static void link_connect(reader *r)
{
	char err[256];
	ngap_link_cbs cbs = {
	    .on_msg = on_ng_msg, .on_close = on_ng_close, .arg = r, .on_secure = on_ng_secure};
	r->link =
	    r->tls ? ngap_connect_tls(r->base, r->cfg.aiotf, r->tls, &cbs, err, sizeof err)
	           : ngap_connect(r->base, r->cfg.aiotf, r->cfg.transport, &cbs, err, sizeof err);
	if (r->link == NULL) {
		on_ng_close(r, NULL, err);
		return;
	}
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_NG_SETUP_REQUEST;
	m.u.setup_req.gnb_id = r->cfg.gnb_id;
	m.u.setup_req.reader_index = r->cfg.reader_index;
	snprintf(m.u.setup_req.name, sizeof m.u.setup_req.name, "%s", r->cfg.name);
	io_ng_send(r, &m);
}

/* ---- air ---------------------------------------------------------------------------------- */

#define AIR_RX_BATCH 64 /* datagrams per recvmmsg() */

static void on_air(evutil_socket_t fd, short ev, void *arg)
{
	reader *r = arg;
	static uint8_t buf[AIR_RX_BATCH][AIR_MAX_FRAME + 1];
	struct mmsghdr mm[AIR_RX_BATCH];
	struct iovec iov[AIR_RX_BATCH];
	(void)ev;
	for (int i = 0; i < 1024 / AIR_RX_BATCH; i++) {
		memset(mm, 0, sizeof mm);
		for (int k = 0; k < AIR_RX_BATCH; k++) {
			iov[k].iov_base = buf[k];
			iov[k].iov_len = sizeof buf[k];
			mm[k].msg_hdr.msg_iov = &iov[k];
			mm[k].msg_hdr.msg_iovlen = 1;
		}
		int got = recvmmsg(fd, mm, AIR_RX_BATCH, MSG_DONTWAIT, NULL);
		if (got <= 0)
			break;
		for (int k = 0; k < got; k++) /* (a session may end, and be freed, here) */
			reader_proc_on_air(r->proc, buf[k], mm[k].msg_len);
		if (got < AIR_RX_BATCH)
			break;
	}
	reader_proc_air_batch_end(r->proc);
}

/* 0 if the kernel opens SCTP sockets, else the errno of socket(..., IPPROTO_SCTP). */
static int sctp_probe(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* Which transport "auto" gives: SCTP if the kernel has it (as ngap_link decides). */
static const char *auto_transport(const char *t)
{
	if (strcmp(t, "auto") != 0)
		return t;
	return sctp_probe() == 0 ? "sctp" : "tcp";
}

/* "sctp" on a kernel without SCTP is a configuration error, not a connection error: no
 * retry can fix it (docs/protocol.md 4.4), so the reader refuses to start, as the AIOTF. */
static int transport_usable(const char *t, char *err, size_t errlen)
{
	int e = strcmp(t, "sctp") == 0 ? sctp_probe() : 0;
	if (e == EPROTONOSUPPORT || e == ESOCKTNOSUPPORT || e == EAFNOSUPPORT ||
	    e == EPFNOSUPPORT || e == EPROTOTYPE || e == EPERM || e == EACCES) {
		snprintf(err, errlen,
		         "ng-transport sctp: this kernel has no SCTP (%s); load the sctp module "
		         "or use --ng-transport tcp or auto",
		         strerror(e));
		return -1;
	}
	return 0;
}

reader *reader_new(struct event_base *base, const reader_cfg *cfg, char *err, size_t errlen)
{
	air_addr peer;
	socklen_t plen;
	reader *r = calloc(1, sizeof *r);
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->cfg = *cfg;
	r->base = base;
	r->fd = -1;
	r->backoff_ms = BACKOFF_MIN_MS;
	r->link_transport = auto_transport(cfg->transport);
	if (transport_usable(cfg->transport, err, errlen) != 0)
		goto fail;
	if (cfg->ng_tls_ca != NULL) {
		r->tls = ngap_tls_client_ctx(cfg->ng_tls_ca, cfg->ng_tls_cert, cfg->ng_tls_key, err,
		                             errlen);
		if (r->tls == NULL)
			goto fail;
		r->link_transport = "tcp";
	}
	if (air_addr_parse(cfg->air, &peer, &plen, err, errlen) != 0 ||
	    (r->fd = air_udp_socket(NULL, &peer, err, errlen)) < 0)
		goto fail;
	if ((r->proc = reader_proc_new(cfg, &io_event, r)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	r->air_ev = event_new(base, r->fd, EV_READ | EV_PERSIST, on_air, r);
	r->reconnect = evtimer_new(base, on_reconnect, r);
	if (r->air_ev == NULL || r->reconnect == NULL || event_add(r->air_ev, NULL) != 0) {
		snprintf(err, errlen, "event setup failed");
		goto fail;
	}
	link_connect(r);
	return r;
fail:
	reader_free(r);
	return NULL;
}

void reader_free(reader *r)
{
	if (r == NULL)
		return;
	reader_proc_free(r->proc); /* its sessions end first: RELEASE on the air */
	if (r->link != NULL)
		ngap_link_free(r->link);
	if (r->air_ev != NULL)
		event_free(r->air_ev);
	if (r->reconnect != NULL)
		event_free(r->reconnect);
	if (r->fd >= 0)
		close(r->fd);
	ngap_tls_ctx_free(r->tls);
	free(r);
}

reader_stats reader_get_stats(const reader *r)
{
	reader_stats st = reader_proc_stats(r->proc);
	st.ng_setups = r->ng_setups;
	st.ng_link_losses = r->ng_link_losses;
	st.ng_tls_failures = r->ng_tls_failures;
	st.ng_link_up = r->link_up;
	return st;
}
