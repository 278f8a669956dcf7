/* SPDX-License-Identifier: Apache-2.0 */
/* The MSGin5G client (client.h): blocking I/O with poll() deadlines. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "client.h"
#include "coap/coap_tcp.h"
#include "common/aiot_err.h"
#include "crypto/ct.h"
#include "psk_identity.h"
#include "svc/netaddr.h"

#define RBUF 16384 /* our CSM's Max-Message-Size */
#define MAX_PUSHED 64

struct m5_client {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	int timeout_ms;
	int tls_only;  /* m5_client_cfg.tls_only */
	size_t max_in; /* the Max-Message-Size we announced */
	uint8_t kaf[32];
	char identity[sizeof MSGIN5G_PSK_PREFIX + MSGIN5G_AKID_MAX]; /* the longer prefix */
	uint8_t rbuf[RBUF];
	size_t rlen;
	uint32_t next_token;
	msgin5g_msg pushed[MAX_PUSHED]; /* pushed while we waited for an answer */
	size_t npushed;
};

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wait until fd is ready for ev before deadline; 0 or -1. */
static int wait_fd(int fd, short ev, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd p = {.fd = fd, .events = ev};
		if (left <= 0)
			return -1;
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* RFC 8446 4.2.11: offer K_AF as an external PSK (SHA-256: TLS_AES_128_GCM_SHA256). */
static int use_psk(SSL *ssl, const EVP_MD *md, const unsigned char **id, size_t *idlen,
                   SSL_SESSION **sess)
{
	static const unsigned char aes128gcm_sha256[2] = {0x13, 0x01};
	m5_client *c = SSL_get_app_data(ssl);
	const SSL_CIPHER *cipher = SSL_CIPHER_find(ssl, aes128gcm_sha256);
	SSL_SESSION *s = NULL;
	*sess = NULL;
	if (cipher == NULL || (md != NULL && md != SSL_CIPHER_get_handshake_digest(cipher)))
		return 1; /* after a HelloRetryRequest for another hash: no PSK */
	if ((s = SSL_SESSION_new()) == NULL || !SSL_SESSION_set1_master_key(s, c->kaf, 32) ||
	    !SSL_SESSION_set_cipher(s, cipher) ||
	    !SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION)) {
		SSL_SESSION_free(s);
		return 0;
	}
	*id = (const unsigned char *)c->identity;
	*idlen = strlen(c->identity);
	*sess = s;
	return 1;
}

static int tcp_connect(m5_client *c, const char *server, long long deadline, char *err,
                       size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int e = 0;
	socklen_t el = sizeof e;
	if (svc_parse_addr(server, 0, &ss, &sl, err, errlen) != 0)
		return -1;
	if ((c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 ||
	    (connect(c->fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS) ||
	    wait_fd(c->fd, POLLOUT, deadline) != 0 ||
	    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0 || e != 0) {
		snprintf(err, errlen, "connect %s: %s", server, strerror(e ? e : errno));
		return -1;
	}
	/* Small request/answer frames: without it an answer to a delivery report waits for
	 * the peer's delayed ACK (40 ms). */
	int one = 1;
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return 0;
}

/* Drive an SSL call that may want to read or write until it succeeds or the deadline. */
static int ssl_wait(m5_client *c, int r, long long deadline)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(c->fd, POLLIN, deadline);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(c->fd, POLLOUT, deadline);
	default:
		return -1;
	}
}

static int write_all(m5_client *c, const uint8_t *p, size_t n)
{
	long long deadline = now_ms() + c->timeout_ms;
	while (n > 0) {
		int r = SSL_write(c->ssl, p, (int)n);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (ssl_wait(c, r, deadline) != 0) {
			return -1;
		}
	}
	return 0;
}

static int send_msg(m5_client *c, const coap_msg *m)
{
	uint8_t buf[64 + MSGIN5G_PAYLOAD_MAX * 6 + 1024];
	size_t n;
	if (coap_tcp_encode(m, buf, sizeof buf, &n) != AIOT_OK)
		return -1;
	return write_all(c, buf, n);
}

/* The next frame into *m (pointing into rbuf; consumed by the next call). 1, 0 on timeout,
 * -1 on failure. */
static int read_frame(m5_client *c, coap_msg *m, size_t *used, long long deadline)
{
	for (;;) {
		int rc = c->rlen ? coap_tcp_decode(c->rbuf, c->rlen, c->max_in, m, used)
		                 : AIOT_ERR_TRUNC;
		if (rc == AIOT_OK)
			return 1;
		if (rc != AIOT_ERR_TRUNC || c->rlen == RBUF)
			return -1;
		int r = SSL_read(c->ssl, c->rbuf + c->rlen, (int)(RBUF - c->rlen));
		if (r > 0) {
			c->rlen += (size_t)r;
			continue;
		}
		int e = SSL_get_error(c->ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			return -1;
		if (ssl_wait(c, r, deadline) != 0)
			return now_ms() >= deadline ? 0 : -1;
	}
}

static void consume(m5_client *c, size_t used)
{
	memmove(c->rbuf, c->rbuf + used, c->rlen - used);
	c->rlen -= used;
}

/* A frame that is not the answer we wait for: signaling, or a push from the server. 0 or -1. */
static int on_other(m5_client *c, const coap_msg *m)
{
	msgin5g_msg pm;
	coap_msg a = {.tkl = m->tkl};
	memcpy(a.token, m->token, m->tkl);
	if (m->code == COAP_PING) {
		a.code = COAP_PONG;
		return send_msg(c, &a);
	}
	if (m->code == COAP_RELEASE || m->code == COAP_ABORT)
		return -1;
	if (m->code != COAP_POST)
		return 0; /* CSM (again), Pong, a stray answer */
	if (c->npushed == MAX_PUSHED || m->payload == NULL ||
	    msgin5g_decode((const char *)m->payload, m->payload_len, &pm) != AIOT_OK ||
	    (pm.type != MSGIN5G_MSG && pm.type != MSGIN5G_IMDN)) {
		a.code = c->npushed == MAX_PUSHED ? COAP_UNAVAILABLE : COAP_BAD_REQUEST;
		return send_msg(c, &a); /* not taken: the server keeps it */
	}
	c->pushed[c->npushed++] = pm;
	a.code = COAP_CHANGED;
	return send_msg(c, &a);
}

/* Send a request and wait for its answer. */
static int request(m5_client *c, const msgin5g_msg *req, msgin5g_msg *resp)
{
	char *json = msgin5g_encode(req);
	uint8_t fmt[4];
	uint32_t t = ++c->next_token;
	coap_msg q = {.code = COAP_POST, .tkl = 4}, m;
	size_t used;
	int code = -1;
	if (json == NULL)
		return -1;
	memcpy(q.token, &t, 4);
	coap_add_opt(&q, COAP_OPT_URI_PATH, MSGIN5G_URI_PATH, strlen(MSGIN5G_URI_PATH));
	coap_add_opt(&q, COAP_OPT_CONTENT_FORMAT, fmt, coap_uint_bytes(COAP_FORMAT_JSON, fmt));
	q.payload = (const uint8_t *)json;
	q.payload_len = strlen(json);
	int rc = send_msg(c, &q);
	free(json);
	long long deadline = now_ms() + c->timeout_ms;
	while (rc == 0 && read_frame(c, &m, &used, deadline) == 1) {
		if (m.code >> 5 >= 2 && m.tkl == 4 && memcmp(m.token, &t, 4) == 0) {
			code = m.code;
			if (resp != NULL && (m.payload == NULL ||
			                     msgin5g_decode((const char *)m.payload, m.payload_len,
			                                    resp) != AIOT_OK ||
			                     resp->type != MSGIN5G_MSGRESP))
				code = -1;
			consume(c, used);
			break;
		}
		rc = on_other(c, &m);
		consume(c, used);
	}
	return code;
}

int m5_client_register(m5_client *c, const char *ue, msgin5g_msg *resp)
{
	msgin5g_msg m = {.type = MSGIN5G_REG};
	snprintf(m.ue_service_id, sizeof m.ue_service_id, "%s", ue);
	return request(c, &m, resp);
}

int m5_client_deregister(m5_client *c, const char *ue, msgin5g_msg *resp)
{
	msgin5g_msg m = {.type = MSGIN5G_DEREG};
	snprintf(m.ue_service_id, sizeof m.ue_service_id, "%s", ue);
	return request(c, &m, resp);
}

int m5_client_send(m5_client *c, const msgin5g_msg *msg, msgin5g_msg *resp)
{
	return request(c, msg, resp);
}

int m5_client_recv(m5_client *c, int timeout_ms, msgin5g_msg *out)
{
	long long deadline = now_ms() + timeout_ms;
	coap_msg m;
	size_t used;
	while (c->npushed == 0) {
		int r = read_frame(c, &m, &used, deadline);
		if (r <= 0)
			return r;
		r = on_other(c, &m);
		consume(c, used);
		if (r != 0)
			return -1;
	}
	*out = c->pushed[0];
	memmove(c->pushed, c->pushed + 1, --c->npushed * sizeof c->pushed[0]);
	return 1;
}

int m5_client_ping(m5_client *c)
{
	uint32_t t = ++c->next_token;
	coap_msg p = {.code = COAP_PING, .tkl = 4}, m;
	size_t used;
	memcpy(p.token, &t, 4);
	if (send_msg(c, &p) != 0)
		return -1;
	long long deadline = now_ms() + c->timeout_ms;
	while (read_frame(c, &m, &used, deadline) == 1) {
		int pong = m.code == COAP_PONG && m.tkl == 4 && memcmp(m.token, &t, 4) == 0;
		int r = pong ? 0 : on_other(c, &m);
		consume(c, used);
		if (pong || r != 0)
			return pong ? 0 : -1;
	}
	return -1;
}

/* TLS 1.3 PSK handshake, then RFC 8323 5.3: our CSM, and the server's first. */
static int start(m5_client *c, long long deadline, char *err, size_t errlen)
{
	uint8_t v[4];
	coap_msg csm = {.code = COAP_CSM}, m;
	size_t used;
	for (;;) {
		ERR_clear_error();
		int r = SSL_connect(c->ssl);
		if (r == 1)
			break;
		if (ssl_wait(c, r, deadline) != 0) {
			unsigned long e = ERR_peek_error();
			snprintf(err, errlen, "TLS handshake refused: %s",
			         e ? ERR_reason_error_string(e) : "closed or timed out");
			return -1;
		}
	}
	if (c->tls_only)
		return 0;
	coap_add_opt(&csm, COAP_OPT_MAX_MESSAGE_SIZE, v, coap_uint_bytes((uint32_t)c->max_in, v));
	if (send_msg(c, &csm) != 0 || read_frame(c, &m, &used, deadline) != 1 ||
	    m.code != COAP_CSM) {
		snprintf(err, errlen, "no CSM from the server (RFC 8323 5.3)");
		return -1;
	}
	consume(c, used);
	return 0;
}

m5_client *m5_client_connect(const m5_client_cfg *cfg, char *err, size_t errlen)
{
	m5_client *c = calloc(1, sizeof *c);
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->fd = -1;
	c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 5000;
	c->tls_only = cfg->tls_only;
	c->max_in = cfg->max_message_size >= 1152 && cfg->max_message_size <= RBUF - 16
	                ? cfg->max_message_size
	                : RBUF - 16;
	long long deadline = now_ms() + c->timeout_ms;
	memcpy(c->kaf, cfg->kaf, 32);
	snprintf(c->identity, sizeof c->identity, "%s%s",
	         cfg->prefix != NULL ? cfg->prefix : MSGIN5G_PSK_PREFIX, cfg->akid);
	if (strlen(cfg->akid) > MSGIN5G_AKID_MAX) {
		snprintf(err, errlen, "A-KID too long");
		goto fail;
	}
	if (tcp_connect(c, cfg->server, deadline, err, errlen) != 0)
		goto fail;
	if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    !SSL_CTX_set_min_proto_version(c->ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_ciphersuites(c->ctx, "TLS_AES_128_GCM_SHA256") ||
	    (c->ssl = SSL_new(c->ctx)) == NULL || !SSL_set_fd(c->ssl, c->fd)) {
		snprintf(err, errlen, "TLS: out of memory");
		goto fail;
	}
	SSL_CTX_set_session_cache_mode(c->ctx, SSL_SESS_CACHE_OFF);
	SSL_set_options(c->ssl, SSL_OP_NO_TICKET);
	SSL_clear_options(c->ssl, SSL_OP_ALLOW_NO_DHE_KEX); /* offer psk_dhe_ke only */
	SSL_set_app_data(c->ssl, c);
	SSL_set_psk_use_session_callback(c->ssl, use_psk);
	if (start(c, deadline, err, errlen) != 0)
		goto fail;
	return c;
fail:
	m5_client_close(c);
	return NULL;
}

void m5_client_close(m5_client *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL && SSL_is_init_finished(c->ssl)) {
		coap_msg rel = {.code = COAP_RELEASE};
		if (!c->tls_only)
			send_msg(c, &rel);
		SSL_shutdown(c->ssl);
	}
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	aiot_zeroize(c, sizeof *c);
	free(c);
}
