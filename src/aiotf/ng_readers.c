/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NG link towards NG-RAN readers: accept, NG Setup, the reader registry, AIoT
 * correlation identifiers, and the dispatch of NGAP AIoT messages (TS 38.413) to the
 * inventory and command procedures. A reader that leaves ends its part of every procedure
 * with what was collected; a report or command answer that matches no open paging is
 * dropped and counted, without any ADM request. Inventory Reports, the messages that make
 * the AIOTF call the ADM, are rate-limited per reader link by a token bucket charged per D2R
 * they carry (a report holds up to 1,024): a rogue or broken reader's ADM load is bounded
 * by its D2R rate (TS 33.369 5.2.2 NOTE 2, NOTE 3), and one that keeps flooding loses its
 * link. Each D2R costs the ADM one request and at most one XRES_AIOT per RAND_AIOT_d: a T-ID
 * the AIOTF does not know is resolved by the ADM (inventory.c). Measured (it_attack_tid):
 * 1,000 made-up T-IDs against 1,020 devices cost 1,000 lookups and 0 XRES, where the scan
 * of every device cost 1,705,440 XRES. A paging's D2Rs and ADM requests have budgets too
 * (cfg.paging_max_*).
 *
 * DO-A messages (device-originated access) go to doa.c, which rate-limits Registration
 * Requests per reader link and per identifier before they cost an ADM request.
 *
 * The listener is bounded against peers that connect and do nothing useful
 * (docs/security.md): links in all and per peer address (a new link over the total takes the
 * place of the oldest one that has not completed NG Setup), an NG Setup deadline, frames of
 * at most NG_PRESETUP_FRAME octets before NG Setup, a budget of partial-frame octets across
 * links (ngap_link.c), an optional idle timeout, correlation identifiers of each link's own,
 * and a deadline for a reader to acknowledge a paging (inventory.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "aiotf_internal.h"
#include "common/bytes.h"
#include "svc/log.h"

/* Before NG Setup a link may send frames of this size at most: an NG Setup Request is under
 * 200 octets; the margin lets a confused peer's early report be dropped and counted rather
 * than close the link (it_attacks scenario 7 sends a 40 KB one). */
#define NG_PRESETUP_FRAME 65536u

static const char *const close_reason[NG_CLOSE_N] = {
    [NG_CLOSE_LINK_CAP] = "over ng.max-links",
    [NG_CLOSE_PEER_CAP] = "over ng.max-links-per-peer",
    [NG_CLOSE_SETUP] = "no NG Setup within ng.setup-timeout-ms",
    [NG_CLOSE_IDLE] = "idle for ng.idle-timeout-ms",
    [NG_CLOSE_BUFFER] = "partial frames over ng.buffer-max",
    [NG_CLOSE_UNACKED] = "pagings left unacknowledged (ng.unacked-close)",
    [NG_CLOSE_TLS] = "TLS handshake failed",
};

static void on_msg(void *arg, ngap_link *l, ngap_msg *m);
static void on_close(void *arg, ngap_link *l, const char *err);
static void reader_gone(aiotf *a, reader *rd);
static void timer_cb(evutil_socket_t fd, short what, void *arg);

/* Close rd's link now for reason (counted); rd is freed. Safe inside the link's callbacks. */
static void reader_close(aiotf *a, reader *rd, enum ng_close_reason why)
{
	if (rd->setup)
		log_warn("reader gNB %u index %u: NG link closed: %s", rd->gnb_id, rd->reader_index,
		         close_reason[why]);
	else
		log_info("NG link from %s closed: %s", ngap_link_peer(rd->link), close_reason[why]);
	atomic_fetch_add(&a->st.ng_closed[why], 1);
	ngap_link_set_user(rd->link, NULL);
	ngap_link_free(rd->link);
	rd->link = NULL;
	reader_gone(a, rd);
}

static void timer_arm(reader *rd, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	evtimer_add(rd->timer, &tv);
}

/* The NG Setup deadline, then (once set up) the idle timeout, checked lazily against the
 * last message received. */
static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	reader *rd = arg;
	aiotf *a = rd->a;
	(void)fd;
	(void)what;
	if (!rd->setup) {
		reader_close(a, rd, NG_CLOSE_SETUP);
		return;
	}
	int idle = a->cfg.ng_idle_timeout_ms;
	uint64_t quiet_ms = (aiot_mono_us() - rd->last_rx_us) / 1000;
	if (idle <= 0)
		return;
	if (quiet_ms >= (uint64_t)idle)
		reader_close(a, rd, NG_CLOSE_IDLE);
	else
		timer_arm(rd, idle - (int)quiet_ms);
}

/* ng.max-links / ng.max-links-per-peer: 0 if l may be accepted, making room if needed by
 * closing the oldest link that has not completed NG Setup (such a link serves nothing). */
static int admit_link(aiotf *a, ngap_link *l)
{
	const aiotf_cfg *c = &a->cfg;
	const char *peer = ngap_link_peer(l);
	reader *oldest = NULL;
	int same = 0;
	for (reader *rd = a->proc.readers; rd != NULL; rd = rd->next) {
		same += strcmp(ngap_link_peer(rd->link), peer) == 0;
		if (!rd->setup)
			oldest = rd; /* the list is newest first */
	}
	if (c->ng_max_links_per_peer > 0 && same >= c->ng_max_links_per_peer) {
		atomic_fetch_add(&a->st.ng_closed[NG_CLOSE_PEER_CAP], 1);
		log_warn(
		    "NG link from %s refused: %d links from that address (ng.max-links-per-peer)",
		    peer, same);
		return -1;
	}
	if (c->ng_max_links <= 0 || a->nlinks < (size_t)c->ng_max_links)
		return 0;
	if (oldest != NULL) {
		reader_close(a, oldest, NG_CLOSE_LINK_CAP);
		return 0;
	}
	atomic_fetch_add(&a->st.ng_closed[NG_CLOSE_LINK_CAP], 1);
	log_warn("NG link from %s refused: %zu links, all set up (ng.max-links)", peer, a->nlinks);
	return -1;
}

/* TLS link up: what was negotiated, and who the reader's certificate says it is. */
static void on_secure(void *arg, ngap_link *l)
{
	char info[400];

	(void)arg;
	if (ngap_link_tls_info(l, info, sizeof info) == 0)
		log_info("NG link from %s: %s", ngap_link_peer(l), info);
}

static void on_accept(void *arg, ngap_link *l)
{
	aiotf *a = arg;
	if (admit_link(a, l) != 0) {
		ngap_link_free(l);
		return;
	}
	reader *rd = calloc(1, sizeof *rd);
	if (rd == NULL || (rd->timer = evtimer_new(a->base, timer_cb, rd)) == NULL) {
		log_error("NG link: out of memory, connection refused");
		free(rd);
		ngap_link_free(l);
		return;
	}
	rd->a = a;
	rd->link = l;
	rd->next = a->proc.readers;
	if (a->proc.readers)
		a->proc.readers->prev = rd;
	a->proc.readers = rd;
	a->nlinks++;
	atomic_store(&a->st.ng_links, (int)a->nlinks);
	rd->last_rx_us = aiot_mono_us();
	if (a->cfg.ng_setup_timeout_ms > 0)
		timer_arm(rd, a->cfg.ng_setup_timeout_ms);
	ngap_link_set_max_frame(l, NG_PRESETUP_FRAME);
	ngap_link_set_user(l, rd);
	ngap_link_cbs cbs = {
	    .on_msg = on_msg, .on_close = on_close, .arg = a, .on_secure = on_secure};
	ngap_link_set_cbs(l, &cbs);
	log_debug("NG link: connection accepted from %s", ngap_link_peer(l));
}

/* ng.tls-*: TLS 1.3 with certificates on the listener (TCP; main.c refuses SCTP with it). */
static int ng_tls_start(aiotf *a, char *err, size_t errlen)
{
	const aiotf_cfg *c = &a->cfg;
	ngap_tls_ctx *tls;
	int rc;

	if (c->ng_tls_cert == NULL)
		return 0;
	tls = ngap_tls_server_ctx(c->ng_tls_cert, c->ng_tls_key, c->ng_tls_ca, c->ng_tls_required,
	                          err, errlen);
	if (tls == NULL)
		return -1;
	rc = ngap_listener_set_tls(a->ng, tls);
	ngap_tls_ctx_free(tls); /* the listener holds its own reference */
	if (rc != 0)
		snprintf(err, errlen, "NG TLS needs the TCP transport (ng.transport tcp)");
	return rc;
}

int ng_start(aiotf *a, char *err, size_t errlen)
{
	a->ng = ngap_listen(a->base, a->ng_listen, a->ng_transport, on_accept, a, err, errlen);
	if (a->ng == NULL)
		return -1;
	ngap_listener_set_partial_max(a->ng, a->cfg.ng_buffer_max);
	return ng_tls_start(a, err, errlen);
}

static void reader_unlink(aiotf *a, reader *rd)
{
	if (rd->prev)
		rd->prev->next = rd->next;
	else
		a->proc.readers = rd->next;
	if (rd->next)
		rd->next->prev = rd->prev;
	if (rd->setup)
		atomic_fetch_sub(&a->st.readers, 1);
	a->nlinks--;
	atomic_store(&a->st.ng_links, (int)a->nlinks);
}

static void reader_free(reader *rd)
{
	amap_clear(&rd->corr, NULL);
	if (rd->timer)
		event_free(rd->timer);
	free(rd);
}

/* The reader left: every probe on it loses its reader, then its procedures end. */
static void reader_gone(aiotf *a, reader *rd)
{
	probe *list = rd->probes;
	rd->probes = NULL;
	for (probe *p = list; p != NULL; p = p->rd_next)
		p->rd = NULL;
	for (probe *p = list, *n; p != NULL; p = n) {
		n = p->rd_next;
		p->rd_next = p->rd_prev = NULL;
		inv_probe_lost(p, "reader disconnected");
	}
	doa_reader_lost(&a->proc, rd);
	reader_unlink(a, rd);
	reader_free(rd);
}

static void on_close(void *arg, ngap_link *l, const char *err)
{
	aiotf *a = arg;
	reader *rd = ngap_link_user(l);
	if (rd == NULL)
		return;
	if (ngap_link_over_budget(l))
		atomic_fetch_add(&a->st.ng_closed[NG_CLOSE_BUFFER], 1);
	if (ngap_link_tls_refused(l)) { /* before any NG message: counted, said once */
		atomic_fetch_add(&a->st.ng_closed[NG_CLOSE_TLS], 1);
		log_warn("NG link from %s refused: %s", ngap_link_peer(l), err ? err : "TLS");
		rd->link = NULL;
		reader_gone(a, rd);
		return;
	}
	if (rd->setup)
		log_info("reader gNB %u index %u disconnected%s%s", rd->gnb_id, rd->reader_index,
		         err ? ": " : "", err ? err : "");
	else
		log_debug("NG link from %s closed before NG Setup%s%s", ngap_link_peer(l),
		          err ? ": " : "", err ? err : "");
	rd->link = NULL; /* freed by the transport after this returns */
	reader_gone(a, rd);
}

void ng_stop(aiotf *a)
{
	while (a->proc.readers != NULL) {
		reader *rd = a->proc.readers;
		if (rd->link)
			ngap_link_free(rd->link);
		rd->link = NULL;
		reader_unlink(a, rd);
		for (probe *p = rd->probes; p != NULL; p = p->rd_next)
			p->rd = NULL;
		reader_free(rd);
	}
	if (a->ng)
		ngap_listener_free(a->ng);
	a->ng = NULL;
}

reader *ng_reader_next_ready(const aiotf_proc *pc, const reader *prev)
{
	reader *rd = prev != NULL ? prev->next : pc->readers;
	while (rd != NULL && !(rd->setup && rd->link != NULL))
		rd = rd->next;
	return rd;
}

size_t ng_readers_ready(const aiotf_proc *pc)
{
	size_t n = 0;
	for (const reader *rd = ng_reader_next_ready(pc, NULL); rd != NULL;
	     rd = ng_reader_next_ready(pc, rd))
		n++;
	return n;
}

static void corr_key(uint16_t c, uint8_t k[2])
{
	aiot_put_be16(k, c);
}

int ng_probe_attach(probe *p, reader *rd)
{
	uint8_t k[2];
	int err = 0;
	if (rd->corr.n >= 65536)
		return -1;
	for (uint32_t i = 0; i < 65536; i++) {
		uint16_t c = (uint16_t)(rd->next_corr + i);
		corr_key(c, k);
		if (amap_get(&rd->corr, k, 2) != NULL)
			continue;
		amap_put(&rd->corr, k, 2, p, &err);
		if (err)
			return -1;
		rd->next_corr = (uint32_t)c + 1;
		p->corr = c;
		p->attached = 1;
		p->rd = rd;
		p->rd_prev = NULL;
		p->rd_next = rd->probes;
		if (rd->probes)
			rd->probes->rd_prev = p;
		rd->probes = p;
		return 0;
	}
	return -1;
}

void ng_probe_detach(probe *p)
{
	uint8_t k[2];
	if (p->rd != NULL) {
		if (p->rd_prev)
			p->rd_prev->rd_next = p->rd_next;
		else
			p->rd->probes = p->rd_next;
		if (p->rd_next)
			p->rd_next->rd_prev = p->rd_prev;
		corr_key(p->corr, k);
		if (p->attached && amap_get(&p->rd->corr, k, 2) == p)
			amap_del(&p->rd->corr, k, 2);
		p->rd = NULL;
	}
	p->attached = 0;
}

probe *ng_probe_find(const reader *rd, uint16_t corr)
{
	uint8_t k[2];
	corr_key(corr, k);
	return amap_get(&rd->corr, k, 2);
}

void ng_probe_acked(probe *p)
{
	p->acked = 1;
	if (p->rd != NULL) {
		p->rd->unacked = 0;
		p->rd->last_ack_us = p->t->pc->io->now_us(p->t->pc->owner); /* as p->sent_us */
	}
}

int ng_probe_link_answering(const probe *p)
{
	return p->rd != NULL && p->rd->last_ack_us >= p->sent_us;
}

void ng_probe_unacked(aiotf_proc *pc, probe *p)
{
	reader *rd = p->rd;
	int close = pc->cfg->ng_unacked_close;
	if (rd == NULL || rd->link == NULL)
		return;
	if (close > 0 && ++rd->unacked >= (uint32_t)close)
		pc->io->ng_close(pc->owner, rd); /* ng_link_close_unacked in the daemon */
}

void ng_link_close_unacked(aiotf *a, reader *rd)
{
	reader_close(a, rd, NG_CLOSE_UNACKED);
}

int ng_send(aiotf_proc *pc, reader *rd, const ngap_msg *m)
{
	return pc->io->ng_send(pc->owner, rd, m);
}

int ng_link_send(aiotf *a, reader *rd, const ngap_msg *m)
{
	(void)a;
	if (rd == NULL || rd->link == NULL)
		return -1;
	int rc = ngap_send(rd->link, m);
	if (rc != 0)
		log_warn("NG link: cannot send %s to gNB %u: error %d", ngap_type_name(m->type),
		         rd->gnb_id, rc);
	return rc;
}

void ng_probe_release(aiotf_proc *pc, probe *p)
{
	if (p->released || p->rd == NULL)
		return;
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_SESSION_RELEASE_COMMAND;
	m.correlation_id = p->corr;
	m.u.fail.cause = (ngap_cause){NGAP_CAUSE_MISC, NGAP_CAUSE_UNSPECIFIED};
	p->released = 1;
	ng_send(pc, p->rd, &m);
}

/* Token bucket charged per D2R (cfg.report_rate D2Rs per second, cfg.report_burst deep);
 * 1 if the report may be processed. A report is admitted when the bucket holds its D2Rs
 * (or is full, for a report larger than the bucket) and may leave it in debt, so the D2R
 * rate is bounded whatever the reports' sizes. A dropped report counts towards the flood
 * threshold of its second. */
static int report_admit(aiotf *a, reader *rd, const ngap_msg *m)
{
	const aiotf_cfg *c = &a->cfg;
	if (c->report_rate <= 0)
		return 1;
	double cost = 0;
	for (uint32_t r = 0; r < m->u.report.nreaders; r++)
		cost += m->u.report.readers[r].ndevices;
	if (cost < 1)
		cost = 1; /* an empty report still costs its decoding */
	uint64_t now = aiot_mono_us();
	if (rd->refill_us == 0) {
		rd->tokens = c->report_burst;
		rd->refill_us = now;
	}
	rd->tokens += (double)(now - rd->refill_us) * c->report_rate / 1e6;
	if (rd->tokens > c->report_burst)
		rd->tokens = c->report_burst;
	rd->refill_us = now;
	if (rd->tokens >= (cost < c->report_burst ? cost : c->report_burst)) {
		rd->tokens -= cost;
		return 1;
	}
	atomic_fetch_add(&a->st.rate_dropped, 1);
	if (now - rd->window_us >= 1000000u) {
		rd->window_us = now;
		rd->window_drops = 0;
	}
	if (rd->window_drops++ == 0)
		log_warn("gNB %u index %u: Inventory Reports over %d D2R/s, dropping", rd->gnb_id,
		         rd->reader_index, c->report_rate);
	return 0;
}

/* Inside on_msg: the link is freed once the callback returns; rd is gone at once. */
static void reader_close_flood(aiotf *a, reader *rd)
{
	log_warn("gNB %u index %u: %u Inventory Reports dropped within a second (limit %d): "
	         "NG link closed",
	         rd->gnb_id, rd->reader_index, rd->window_drops, a->cfg.flood_close);
	atomic_fetch_add(&a->st.flood_closed, 1);
	ngap_link_set_user(rd->link, NULL);
	ngap_link_free(rd->link);
	rd->link = NULL;
	reader_gone(a, rd);
}

/* Another link set up with the same (gNB ID, reader index): the same reader come back
 * (a restart whose old association the AIOTF has not yet seen die), so the new link
 * replaces the old one, whose pagings end as if it had left (docs/protocol.md 4.6). */
static void replace_same_reader(aiotf *a, const reader *rd)
{
	for (reader *o = a->proc.readers; o != NULL; o = o->next) {
		if (o == rd || !o->setup || o->link == NULL || o->gnb_id != rd->gnb_id ||
		    o->reader_index != rd->reader_index)
			continue;
		log_warn("reader gNB %u index %u: NG Setup on a new link; the old link is closed "
		         "and replaced",
		         rd->gnb_id, rd->reader_index);
		ngap_link_set_user(o->link, NULL);
		ngap_link_free(o->link);
		o->link = NULL;
		reader_gone(a, o);
		return; /* at most one: every setup replaces its predecessor */
	}
}

static void setup(aiotf *a, reader *rd, const ngap_msg *m)
{
	ngap_msg r;
	memset(&r, 0, sizeof r);
	r.type = NGAP_NG_SETUP_RESPONSE;
	r.correlation_id = m->correlation_id;
	snprintf(r.u.setup_resp.aiotf_name, sizeof r.u.setup_resp.aiotf_name, "%s", a->name);
	rd->gnb_id = m->u.setup_req.gnb_id;
	rd->reader_index = m->u.setup_req.reader_index;
	replace_same_reader(a, rd);
	if (ng_send(&a->proc, rd, &r) != 0)
		return;
	if (!rd->setup) {
		rd->setup = 1;
		ngap_link_set_max_frame(rd->link, NGAP_MAX_MESSAGE);
		event_del(rd->timer);
		if (a->cfg.ng_idle_timeout_ms > 0)
			timer_arm(rd, a->cfg.ng_idle_timeout_ms);
		atomic_fetch_add(&a->st.readers, 1);
		log_info("reader gNB %u index %u connected (%d readers)", rd->gnb_id,
		         rd->reader_index, atomic_load(&a->st.readers));
	}
}

static void on_msg(void *arg, ngap_link *l, ngap_msg *m)
{
	aiotf *a = arg;
	reader *rd = ngap_link_user(l);
	probe *p;
	if (rd == NULL)
		goto out;
	rd->last_rx_us = aiot_mono_us();
	/* Before anything else: a flood costs a token bucket check per message. */
	if (m->type == NGAP_INVENTORY_REPORT && !report_admit(a, rd, m)) {
		if (a->cfg.flood_close > 0 && rd->window_drops >= (uint32_t)a->cfg.flood_close)
			reader_close_flood(a, rd);
		goto out;
	}
	if (m->type == NGAP_NG_SETUP_REQUEST) {
		setup(a, rd, m);
		goto out;
	}
	if (!rd->setup) {
		log_warn("NG link: %s before NG Setup, dropped", ngap_type_name(m->type));
		if (m->type == NGAP_INVENTORY_REPORT || m->type == NGAP_COMMAND_RESPONSE)
			atomic_fetch_add(&a->st.unsolicited, 1);
		goto out;
	}
	p = ng_probe_find(rd, m->correlation_id);
	switch (m->type) {
	case NGAP_INVENTORY_RESPONSE:
		if (p != NULL)
			inv_probe_acked(p); /* accepted; the reports follow */
		break;
	case NGAP_INVENTORY_FAILURE:
		if (p != NULL) {
			log_debug("gNB %u: Inventory Failure (cause %u/%u)", rd->gnb_id,
			          m->u.fail.cause.group, m->u.fail.cause.value);
			ng_probe_acked(p);
			inv_probe_end(p, "inventory failure");
		}
		break;
	case NGAP_INVENTORY_REPORT:
		if (p == NULL || p->done) {
			atomic_fetch_add(&a->st.unsolicited, 1);
			log_debug("gNB %u: Inventory Report for correlation id %u: no open "
			          "paging, dropped",
			          rd->gnb_id, m->correlation_id);
			break;
		}
		inv_on_report(&a->proc, p, m);
		break;
	case NGAP_COMMAND_RESPONSE:
	case NGAP_COMMAND_FAILURE:
		if (p == NULL) {
			atomic_fetch_add(&a->st.unsolicited, 1);
			break;
		}
		cmd_on_response(&a->proc, p, m);
		break;
	case NGAP_SESSION_RELEASE_REQUEST:
		if (p != NULL) {
			inv_probe_lost(p, "released by the reader");
			ng_probe_release(&a->proc, p);
		}
		break;
	case NGAP_SESSION_RELEASE_COMPLETE:
		break;
	case NGAP_DOA_UPLINK_NAS: /* device-originated access: bound to (rd, RAN ID), doa.c */
		doa_on_uplink(&a->proc, rd, m);
		break;
	case NGAP_DOA_DOWNLINK_FAILURE:
		doa_on_failure(&a->proc, rd, m);
		break;
	default:
		log_warn("NG link: gNB %u sent %s, which only an AIOTF sends; dropped", rd->gnb_id,
		         ngap_type_name(m->type));
		break;
	}
out:
	ngap_free(m);
}
