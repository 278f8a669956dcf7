/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-msgin5g's listener and connections (server_internal.h): accept, the TLS 1.3 PSK
 * handshake driven by hand on the non-blocking socket (so that it can pause while K_AF is
 * fetched: tls_psk.c), then a bufferevent for the CoAP session (session.c). Every failure
 * closes that one connection with a log line and a metric; the server keeps serving.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>

#include "sbi/sbi_metrics.h"
#include "server_internal.h"
#include "svc/log.h"
#include "svc/netaddr.h"

static void conn_free(m5_conn *c)
{
	m5_server *s = c->s;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	if (c->ev)
		event_free(c->ev);
	if (c->timer)
		event_free(c->timer);
	if (c->bev) {
		bufferevent_free(c->bev); /* frees the SSL and closes the socket */
	} else {
		SSL_free(c->ssl);
		if (c->fd >= 0)
			evutil_closesocket(c->fd);
	}
	free(c);
}

void m5_conn_close(m5_conn *c, const char *why)
{
	if (why != NULL)
		log_info("%s%s%s: closed: %s", c->peer, c->ue[0] ? " " : "", c->ue, why);
	m5_session_end(c);
	conn_free(c);
}

static void handshake_step(m5_conn *c);

static void on_hs_event(evutil_socket_t fd, short what, void *arg)
{
	m5_conn *c = arg;
	(void)fd;
	if (what & EV_TIMEOUT) {
		c->s->st.hs_timeout++;
		m5_conn_close(c, "TLS handshake timeout");
		return;
	}
	handshake_step(c);
}

/* Wait for the socket (EV_READ or EV_WRITE), or for the key only (0); the deadline of the
 * handshake (c->timer) runs from the accept. */
static void hs_wait(m5_conn *c, short what)
{
	event_del(c->ev);
	if (what != 0 && (event_assign(c->ev, c->s->base, c->fd, what, on_hs_event, c) != 0 ||
	                  event_add(c->ev, NULL) != 0))
		m5_conn_close(c, "event_add failed");
}

static void established(m5_conn *c)
{
	m5_server *s = c->s;
	event_free(c->ev);
	event_free(c->timer);
	c->ev = c->timer = NULL;
	if (!SSL_session_reused(c->ssl)) { /* no PSK, no certificate: cannot happen */
		m5_conn_close(c, "handshake without the PSK");
		return;
	}
	c->bev = bufferevent_openssl_socket_new(s->base, c->fd, c->ssl, BUFFEREVENT_SSL_OPEN,
	                                        BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		m5_conn_close(c, "out of memory");
		return;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	s->st.handshakes++;
	log_info("%s: TLS 1.3 PSK %s, %s %s%s%s", c->peer, SSL_get_cipher_name(c->ssl),
	         c->src == s->km ? "SEAL-KM key id" : "A-KID", c->akid,
	         c->supi[0] ? ", UE ID " : "", c->supi);
	if (m5_session_start(c) != 0)
		m5_conn_close(c, "out of memory");
}

static void handshake_step(m5_conn *c)
{
	ERR_clear_error();
	int r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		established(c);
		return;
	}
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		hs_wait(c, EV_READ);
		return;
	case SSL_ERROR_WANT_WRITE:
		hs_wait(c, EV_WRITE);
		return;
	case SSL_ERROR_WANT_CLIENT_HELLO_CB:
		hs_wait(c, 0); /* the AAnF answers: on_key_done */
		return;
	default:
		break;
	}
	char why[160];
	unsigned long e = ERR_get_error();
	snprintf(why, sizeof why, "TLS handshake failed: %s",
	         e ? ERR_reason_error_string(e) : "peer closed");
	if (c->key != KEY_FAILED) /* counted already as unknown A-KID / AAnF error */
		c->s->st.hs_failed++;
	m5_conn_close(c, why);
}

/* kaf_cache: a fetch ended; resume every handshake that waited for this A-KID (or SEAL KM
 * key id: 32 hex digits, never an A-KID, which has '@'). */
static void on_key_done(void *arg, const char *akid, int result, const char *why)
{
	m5_server *s = arg;
	m5_conn *c = s->conns, *next;
	for (; c != NULL; c = next) {
		next = c->next;
		if (c->key != KEY_WAIT || strcmp(c->akid, akid) != 0)
			continue;
		if (result != KAF_OK) {
			if (result == KAF_UNKNOWN)
				s->st.hs_unknown_akid++;
			else
				s->st.hs_aanf_error++;
			log_info("%s: A-KID %s: %s", c->peer, akid, why);
		}
		c->key = result == KAF_OK ? KEY_READY : KEY_FAILED;
		next = c->next; /* handshake_step may free c, never another connection */
		handshake_step(c);
	}
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
	m5_server *s = arg;
	char host[INET6_ADDRSTRLEN] = "?";
	(void)l;
	(void)salen;
	s->st.accepted++;
	if (s->nconns >= s->cfg.max_connections) {
		log_warn("connection refused: %zu open (max-connections)", s->nconns);
		evutil_closesocket(fd);
		return;
	}
	m5_conn *c = calloc(1, sizeof *c);
	if (c == NULL || (c->ssl = SSL_new(s->tls)) == NULL || !SSL_set_fd(c->ssl, (int)fd)) {
		if (c)
			SSL_free(c->ssl);
		free(c);
		evutil_closesocket(fd);
		return;
	}
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, host, sizeof host);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, host, sizeof host);
	snprintf(c->peer, sizeof c->peer, "%s:%u", host,
	         ntohs(((struct sockaddr_in *)sa)->sin_port));
	c->s = s;
	c->fd = (int)fd;
	int one = 1; /* small CoAP frames: no Nagle wait behind the peer's delayed ACK */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	SSL_set_app_data(c->ssl, c);
	SSL_set_accept_state(c->ssl);
	struct timeval tv = {s->cfg.handshake_timeout_ms / 1000,
	                     (s->cfg.handshake_timeout_ms % 1000) * 1000};
	c->ev = event_new(s->base, (int)fd, EV_READ, on_hs_event, c);
	c->timer = evtimer_new(s->base, on_hs_event, c);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	if (c->ev == NULL || c->timer == NULL || evtimer_add(c->timer, &tv) != 0) {
		m5_conn_close(c, "out of memory");
		return;
	}
	handshake_step(c);
}

/* The second key source, the SEAL KM, when configured: the AAnF's settings but for its
 * address and TLS client files. 0 or -1 with err. */
static int seal_km_start(m5_server *s, const kaf_cache_cfg *aanf, char *err, size_t errlen)
{
	kaf_cache_cfg kc = *aanf;
	if (s->cfg.seal_km_url == NULL)
		return 0;
	kc.source = KAF_SRC_SEAL_KM;
	kc.url = s->cfg.seal_km_url;
	kc.ca = s->cfg.seal_km_ca;
	kc.cert = s->cfg.seal_km_cert;
	kc.key = s->cfg.seal_km_key;
	kc.tokens = NULL;
	s->km = kaf_cache_new(s->base, &kc, err, errlen);
	return s->km != NULL ? 0 : -1;
}

m5_server *m5_server_start(struct event_base *base, const m5_server_cfg *cfg, char *err,
                           size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	m5_server *s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	s->base = base;
	kaf_cache_cfg kc = {.url = cfg->aanf_url,
	                    .ca = cfg->aanf_ca,
	                    .tokens = cfg->aanf_tokens,
	                    .af_fqdn = cfg->af_fqdn,
	                    .max_keys = cfg->max_keys,
	                    .max_fetches = cfg->max_fetches,
	                    .timeout_ms = (int)cfg->aanf_timeout_ms,
	                    .done = on_key_done,
	                    .arg = s};
	if ((s->reg = registry_load(cfg->bindings, cfg->max_queued_per_ue, cfg->max_queued, err,
	                            errlen)) == NULL ||
	    (s->keys = kaf_cache_new(base, &kc, err, errlen)) == NULL ||
	    seal_km_start(s, &kc, err, errlen) != 0 ||
	    (s->tls = m5_tls_ctx(s, err, errlen)) == NULL ||
	    svc_parse_addr(cfg->listen, 1, &ss, &sl, err, errlen) != 0)
		goto fail;
	s->lis =
	    evconnlistener_new_bind(base, on_accept, s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
	                            128, (struct sockaddr *)&ss, (int)sl);
	if (s->lis == NULL) {
		snprintf(err, errlen, "listen %s: %s", cfg->listen, strerror(errno));
		goto fail;
	}
	struct sockaddr_storage bound;
	socklen_t bl = sizeof bound;
	if (getsockname(evconnlistener_get_fd(s->lis), (struct sockaddr *)&bound, &bl) == 0)
		s->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	return s;
fail:
	m5_server_free(s);
	return NULL;
}

int m5_server_port(const m5_server *s)
{
	return s->port;
}

size_t m5_server_bindings(const m5_server *s)
{
	return registry_count(s->reg);
}

char *m5_server_metrics(void *arg)
{
	m5_server *s = arg;
	kaf_stats k = kaf_cache_stats(s->keys);
	kaf_stats km = s->km != NULL ? kaf_cache_stats(s->km) : (kaf_stats){0};
	const m5_stats *t = &s->st;
	sbi_metric m[] = {
	    {"aiot_msgin5g_connections_accepted_total", "counter", "TCP connections accepted",
	     t->accepted},
	    {"aiot_msgin5g_connections", "gauge", "open connections", s->nconns},
	    {"aiot_msgin5g_handshakes_total", "counter", "TLS 1.3 PSK handshakes completed",
	     t->handshakes},
	    {"aiot_msgin5g_handshake_unknown_akid_total", "counter",
	     "handshakes refused: the AAnF does not know the A-KID (204)", t->hs_unknown_akid},
	    {"aiot_msgin5g_handshake_aanf_error_total", "counter",
	     "handshakes refused: the AAnF unreachable or wrong", t->hs_aanf_error},
	    {"aiot_msgin5g_handshake_no_psk_total", "counter",
	     "handshakes refused: no 3GPP-AKMA (or SEAL-KM) PSK identity", t->hs_no_psk},
	    {"aiot_msgin5g_handshake_failed_total", "counter",
	     "handshakes failed in TLS (wrong key, cipher suite, protocol)", t->hs_failed},
	    {"aiot_msgin5g_handshake_timeout_total", "counter",
	     "handshakes not done within handshake-timeout-ms", t->hs_timeout},
	    {"aiot_msgin5g_kaf_fetches_total", "counter", "retrieve-applicationkey requests sent",
	     k.fetches},
	    {"aiot_msgin5g_kaf_cached", "gauge", "K_AF keys cached until their expiry", k.cached},
	    {"aiot_msgin5g_kaf_expired_total", "counter", "cached K_AF dropped at their expiry",
	     k.expired},
	    {"aiot_msgin5g_seal_km_fetches_total", "counter",
	     "SEAL KM key requests sent (non-normative)", km.fetches},
	    {"aiot_msgin5g_seal_km_cached", "gauge", "SEAL KM PSKs cached until their expiry",
	     km.cached},
	    {"aiot_msgin5g_registrations_total", "counter", "REG accepted", t->regs},
	    {"aiot_msgin5g_registrations_refused_total", "counter",
	     "REG refused (UE service ID not bound to the SUPI)", t->regs_refused},
	    {"aiot_msgin5g_deregistrations_total", "counter", "DEREG accepted", t->deregs},
	    {"aiot_msgin5g_messages_total", "counter", "MSG accepted for delivery", t->msgs},
	    {"aiot_msgin5g_messages_refused_total", "counter", "MSG refused", t->msgs_refused},
	    {"aiot_msgin5g_messages_delivered_total", "counter",
	     "MSG acknowledged by the recipient", t->delivered},
	    {"aiot_msgin5g_imdn_total", "counter", "IMDN delivery reports queued", t->imdn},
	    {"aiot_msgin5g_queued", "gauge", "messages waiting for their recipient",
	     registry_queued(s->reg)},
	    {"aiot_msgin5g_frames_bad_total", "counter",
	     "connections closed on a bad CoAP frame or message", t->frames_bad},
	};
	return sbi_metrics_format(m, sizeof m / sizeof m[0]);
}

void m5_server_free(m5_server *s)
{
	if (s == NULL)
		return;
	if (s->lis)
		evconnlistener_free(s->lis);
	while (s->conns != NULL)
		m5_conn_close(s->conns, NULL);
	kaf_cache_free(s->keys);
	kaf_cache_free(s->km);
	registry_free(s->reg);
	SSL_CTX_free(s->tls);
	free(s);
}
