/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SBI server's timeouts and limits, decided in one place: the memory budget of answers
 * not yet sent and request bodies not yet complete (per connection and in total), the
 * rapid-reset bucket (CVE-2023-44487), the eviction of half-open TLS handshakes at the
 * connection bound, and the periodic sweep (handshake deadline, body timeout, idle and
 * slow-reading connections, stalled answers). Worker thread only; `buffered` is the one
 * figure shared between workers (atomic).
 */
#include <stdatomic.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <nghttp2/nghttp2.h>

#include "sbi/sbi_srv.h"

void sbi_mem_charge(struct sbi_stream *st, size_t *slot, size_t bytes)
{
	struct sbi_conn *c = st->conn;

	atomic_fetch_add(&c->w->srv->metrics.buffered, (int64_t)bytes - (int64_t)*slot);
	c->mem = c->mem - *slot + bytes;
	*slot = bytes;
}

int sbi_over_budget(struct sbi_conn *c, size_t more)
{
	const sbi_server_cfg *cfg = &c->w->srv->cfg;
	int64_t total = atomic_load(&c->w->srv->metrics.buffered);

	return c->mem + more > cfg->max_conn_memory ||
	       (size_t)(total > 0 ? total : 0) + more > cfg->max_memory;
}

/* A client that opens and cancels streams faster than RST_RATE_PER_S after a burst makes the
 * application work for nothing: GOAWAY(ENHANCE_YOUR_CALM) (nghttp2 >= 1.57 does the same). */
void sbi_rst_limit(struct sbi_conn *c)
{
	uint64_t now = aiot_mono_coarse_ms(), add = (now - c->t_rst) * RST_RATE_PER_S / 1000u;

	if (add > 0) {
		c->t_rst = now;
		c->rst_tokens =
		    add >= RST_BURST - c->rst_tokens ? RST_BURST : c->rst_tokens + (uint32_t)add;
	}
	if (c->rst_tokens == 0) {
		if (c->t_closing == 0) {
			sbi_metrics_reject(&c->w->srv->metrics, SBI_REJECT_RESET_FLOOD);
			nghttp2_session_terminate_session(c->h2, NGHTTP2_ENHANCE_YOUR_CALM);
			c->t_closing = now;
		}
		return;
	}
	c->rst_tokens--;
}

/* At the connection bound, a connection still in its TLS handshake gives way to a new one
 * (the oldest first): half-open handshakes count against the bound, but cannot lock genuine
 * clients out of it, since a real handshake ends in a few round trips. */
int sbi_evict_handshake(struct sbi_worker *w)
{
	struct sbi_conn *c, *oldest = NULL;

	for (c = w->conns; c != NULL; c = c->next) /* newest first */
		if (c->tls && c->h2 == NULL)
			oldest = c;
	if (oldest == NULL)
		return 0;
	sbi_metrics_reject(&w->srv->metrics, SBI_REJECT_CONN_LIMIT);
	sbi_conn_free(oldest);
	return 1;
}

/* GOAWAY queued by the sweep: the connection goes once it is sent (or CLOSE_GRACE_MS). */
static void conn_close(struct sbi_conn *c, enum sbi_reject_reason why, uint32_t code, uint64_t now)
{
	sbi_metrics_reject(&c->w->srv->metrics, why);
	nghttp2_session_terminate_session(c->h2, code);
	c->t_closing = now;
}

/* An answer stalled for idle_timeout_ms closes the connection. A request still arriving after
 * body_timeout_ms: 408 (nghttp2 then resets the stream with NO_ERROR, RFC 9113 8.1); one stuck
 * inside its header block (CONTINUATION trickle) takes the connection down, since no response
 * can be sent in the middle of a header block. Returns 1 when a request on c still waits on
 * the handler. */
static int sweep_streams(struct sbi_conn *c, uint64_t now, uint64_t body_to, uint64_t idle_to)
{
	struct sbi_stream *st, *next;
	int waiting = 0;

	for (st = c->streams; st != NULL; st = next) {
		next = st->next;
		if (st->responded) {
			/* An answer that does not move (the client holds its window at 0, RFC
			 * 9113 6.9) holds its memory: stalled, the connection goes. */
			if (st->sending && st->resp_off < st->resp_len &&
			    now - st->t_progress > idle_to) {
				conn_close(c, SBI_REJECT_STALLED, NGHTTP2_NO_ERROR, now);
				return waiting;
			}
			continue;
		}
		if (st->handed) {
			waiting = 1;
			continue;
		}
		if (now - st->t_start <= body_to)
			continue;
		if (!st->headers_done) {
			conn_close(c, SBI_REJECT_BODY_TIMEOUT, NGHTTP2_ENHANCE_YOUR_CALM, now);
			return waiting;
		}
		sbi_stream_reject(st, 408, SBI_REJECT_BODY_TIMEOUT, "request not complete in time");
	}
	return waiting;
}

/* One connection: closed, told to go, or marked to flush what the sweep queued. */
static void sweep_conn(struct sbi_conn *c, const sbi_server_cfg *cfg, uint64_t now)
{
	sbi_metrics *m = &c->w->srv->metrics;
	size_t out = evbuffer_get_length(bufferevent_get_output(c->bev));

	if (c->h2 == NULL) { /* TLS handshake: a deadline that trickled bytes do not move */
		if (now - c->t_accept > cfg->handshake_timeout_ms) {
			sbi_metrics_reject(m, SBI_REJECT_HANDSHAKE_TIMEOUT);
			sbi_conn_free(c);
		}
		return;
	}
	if (c->t_closing != 0) {
		if (now - c->t_closing > CLOSE_GRACE_MS)
			sbi_conn_free(c);
		return;
	}
	if (out > 0 && now - c->t_write > cfg->idle_timeout_ms) {
		sbi_metrics_reject(m, SBI_REJECT_SLOW_READER);
		sbi_conn_free(c);
		return;
	}
	if (!sweep_streams(c, now, cfg->body_timeout_ms, cfg->idle_timeout_ms) &&
	    c->t_closing == 0 && now - c->t_active > cfg->idle_timeout_ms)
		conn_close(c, SBI_REJECT_IDLE, NGHTTP2_NO_ERROR, now);
	sbi_conn_mark_dirty(c);
}

void sbi_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sbi_worker *w = arg;
	uint64_t now = aiot_mono_coarse_ms();
	struct sbi_conn *c, *next;

	(void)fd;
	(void)what;
	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		sweep_conn(c, &w->srv->cfg, now);
	}
	sbi_conn_flush_dirty(w);
}

struct timeval sbi_sweep_period(const sbi_server_cfg *cfg)
{
	uint32_t ms = cfg->idle_timeout_ms < cfg->body_timeout_ms ? cfg->idle_timeout_ms
	                                                          : cfg->body_timeout_ms;
	struct timeval tv;

	if (cfg->handshake_timeout_ms < ms)
		ms = cfg->handshake_timeout_ms;
	ms /= 4; /* a timeout fires within 25 % of its value */
	ms = ms < 50 ? 50 : ms > 1000 ? 1000 : ms;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}
