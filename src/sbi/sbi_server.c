/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SBI HTTP/2 server (TS 29.500 5.2): its configuration (defaults and checks), its start
 * (TLS context, nghttp2 callbacks and options, one listening socket and one worker per
 * configured thread, /metrics) and its stop. The parts and who owns what: sbi_srv.h.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "sbi/sbi_srv.h"
#include "svc/netaddr.h"

#define DEFAULT_MAX_BODY (1u << 20)
#define DEFAULT_MAX_HEADER (16u << 10)
#define DEFAULT_MAX_STREAMS 128u
#define DEFAULT_MAX_PENDING 4096u
#define DEFAULT_MAX_CONNECTIONS 1024u
#define DEFAULT_IDLE_TIMEOUT_MS 60000u
#define DEFAULT_BODY_TIMEOUT_MS 10000u
#define DEFAULT_RETRY_AFTER_S 1u
#define DEFAULT_MAX_CONN_MEMORY ((size_t)16 << 20)
#define DEFAULT_MAX_MEMORY ((size_t)256 << 20)
#define DEFAULT_HANDSHAKE_TIMEOUT_MS 10000u

static void server_free(sbi_server *s)
{
	int i;

	for (i = 0; i < s->nworkers; i++)
		sbi_worker_destroy(&s->workers[i]);
	free(s->workers);
	sbi_metrics_stop(&s->metrics);
	if (s->ssl)
		SSL_CTX_free(s->ssl);
	if (s->cbs)
		nghttp2_session_callbacks_del(s->cbs);
	if (s->opt)
		nghttp2_option_del(s->opt);
	free(s);
}

static int server_check_cfg(sbi_server_cfg *c, char *err, size_t errlen)
{
	if (c->max_body == 0)
		c->max_body = DEFAULT_MAX_BODY;
	if (c->max_header == 0)
		c->max_header = DEFAULT_MAX_HEADER;
	if (c->max_streams == 0)
		c->max_streams = DEFAULT_MAX_STREAMS;
	if (c->max_pending == 0)
		c->max_pending = DEFAULT_MAX_PENDING;
	if (c->max_connections == 0)
		c->max_connections = DEFAULT_MAX_CONNECTIONS;
	if (c->idle_timeout_ms == 0)
		c->idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;
	if (c->body_timeout_ms == 0)
		c->body_timeout_ms = DEFAULT_BODY_TIMEOUT_MS;
	if (c->retry_after_s == 0)
		c->retry_after_s = DEFAULT_RETRY_AFTER_S;
	if (c->max_conn_memory == 0)
		c->max_conn_memory = DEFAULT_MAX_CONN_MEMORY;
	if (c->max_memory == 0)
		c->max_memory = DEFAULT_MAX_MEMORY;
	if (c->handshake_timeout_ms == 0)
		c->handshake_timeout_ms = DEFAULT_HANDSHAKE_TIMEOUT_MS;
	if (c->handler == NULL || c->listen == NULL || c->workers < 1 || c->workers > 1024) {
		snprintf(err, errlen, "sbi server: handler, listen and 1..1024 workers required");
		return -1;
	}
	if (c->max_body > SIZE_MAX / 4 || c->max_header > UINT32_MAX / 4) {
		snprintf(err, errlen, "sbi server: max_body/max_header out of range");
		return -1;
	}
	if ((c->tls_cert == NULL) != (c->tls_key == NULL) ||
	    (c->tls_ca != NULL && c->tls_cert == NULL)) {
		snprintf(err, errlen,
		         "sbi server: tls_cert and tls_key go together; tls_ca needs them");
		return -1;
	}
	return 0;
}

sbi_server *sbi_server_start(const sbi_server_cfg *cfg, char *err, size_t errlen)
{
	sbi_server *s;
	struct sockaddr_storage ss;
	socklen_t sl;
	int i;

	sbi_threads_init();
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	if (server_check_cfg(&s->cfg, err, errlen) != 0 ||
	    svc_parse_addr(cfg->listen, 1, &ss, &sl, err, errlen) != 0)
		goto fail;
	if (cfg->tls_cert != NULL) {
		s->ssl = sbi_tls_server_ctx(cfg->tls_cert, cfg->tls_key, cfg->tls_ca, err, errlen);
		if (s->ssl == NULL)
			goto fail;
	}
	s->cbs = sbi_h2_callbacks();
	if (s->cbs == NULL || nghttp2_option_new(&s->opt) != 0) {
		snprintf(err, errlen, "nghttp2: out of memory");
		goto fail;
	}
	/* RFC 9113 6.5.2: bound what a peer can make us queue (SETTINGS/PING acks). */
	nghttp2_option_set_max_outbound_ack(s->opt, 1000);
	nghttp2_option_set_max_settings(s->opt, 32);
	s->workers = calloc((size_t)s->cfg.workers, sizeof(*s->workers));
	if (s->workers == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	s->port = ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
	                                  : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	if (s->port != 0 && sbi_listen_port_free(&ss, sl, err, errlen, cfg->listen) != 0)
		goto fail;
	for (i = 0; i < s->cfg.workers; i++) {
		/* The first worker binds (port 0 = ephemeral), the others share its port. */
		int fd = sbi_listen_socket(&ss, sl, s->port, err, errlen, cfg->listen);

		if (fd < 0)
			goto fail;
		if (i == 0)
			s->port = sbi_socket_port(fd);
		s->workers[i].index = i;
		s->nworkers = i + 1;
		if (sbi_worker_init(s, &s->workers[i], fd, err, errlen) != 0)
			goto fail;
	}
	s->metrics.app_metrics = cfg->metrics;
	s->metrics.app = cfg->app;
	s->metrics.auth_metrics = cfg->auth_metrics;
	s->metrics.auth = cfg->auth;
	if (sbi_metrics_operations(&s->metrics, cfg->operations) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (cfg->metrics_listen != NULL &&
	    sbi_metrics_start(&s->metrics, cfg->metrics_listen, err, errlen) != 0)
		goto fail;
	for (i = 0; i < s->nworkers; i++) {
		if (sbi_worker_start(&s->workers[i]) != 0) {
			snprintf(err, errlen, "pthread_create: %s", strerror(errno));
			sbi_server_stop(s);
			return NULL;
		}
	}
	return s;
fail:
	server_free(s);
	return NULL;
}

int sbi_server_port(const sbi_server *s)
{
	return s ? s->port : -1;
}

int sbi_server_metrics_port(const sbi_server *s)
{
	return s && s->metrics.base ? s->metrics.port : -1;
}

void sbi_server_stop(sbi_server *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nworkers; i++)
		sbi_worker_ask_stop(&s->workers[i]);
	for (i = 0; i < s->nworkers; i++)
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
	server_free(s);
}
