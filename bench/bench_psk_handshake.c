/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS 1.3 full handshakes per second against one server (make bench, "msgin5g"): -c
 * connections in flight at once on one thread (non-blocking, poll), like h2load; each one
 * TCP connect, handshake, close_notify, close; -n in total. Two modes, one tool, so both
 * servers are measured the same way:
 *   --psk-identity ID --psk HEX  external PSK (RFC 8446 4.2.11; aiot-msgin5g's AKMA profile:
 *                                K_AF under "3GPP-AKMA" || A-KID, psk_dhe_ke), no certificate
 *   (neither)                    certificate-based; like h2load, the certificate is not
 *                                verified (the client's CPU is not what is measured)
 * Both offer TLS_AES_128_GCM_SHA256 only, and OpenSSL's default groups (X25519 first) or
 * --groups (a server that prefers another group answers with a HelloRetryRequest); --alpn
 * offers ALPN (nghttpd wants h2). No session is ever resumed: every handshake is a full one.
 *   bench_psk_handshake -n N -c C [--psk-identity ID --psk HEX] [--alpn h2] [--groups LIST]
 *                       ADDR:PORT
 * Prints what the first handshake negotiated, then "finished in S s, R handshakes/s". A
 * handshake done another way than asked (a server that ignored the PSK) counts as failed.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include "svc/netaddr.h"

#define MAX_C 1024

typedef struct slot {
	int fd;
	SSL *ssl;
} slot;

static struct {
	SSL_CTX *ctx;
	struct sockaddr_storage ss;
	socklen_t sl;
	const char *identity;
	unsigned char psk[64];
	size_t psklen;
	long started, done, failed;
	int reported;
} g;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The external PSK for TLS_AES_128_GCM_SHA256 (its hash is SHA-256). */
static int offer_psk(SSL *ssl, const EVP_MD *md, const unsigned char **id, size_t *idlen,
                     SSL_SESSION **sess)
{
	static const unsigned char suite[2] = {0x13, 0x01};
	const SSL_CIPHER *c = SSL_CIPHER_find(ssl, suite);
	SSL_SESSION *s = NULL;
	*sess = NULL;
	if (c == NULL)
		return 0;
	if (md != NULL && md != SSL_CIPHER_get_handshake_digest(c))
		return 1; /* another hash after a HelloRetryRequest: no PSK */
	if ((s = SSL_SESSION_new()) == NULL || !SSL_SESSION_set1_master_key(s, g.psk, g.psklen) ||
	    !SSL_SESSION_set_cipher(s, c) || !SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION)) {
		SSL_SESSION_free(s);
		return 0;
	}
	*id = (const unsigned char *)g.identity;
	*idlen = strlen(g.identity);
	*sess = s;
	return 1;
}

static int slot_start(slot *s)
{
	s->ssl = NULL;
	s->fd = socket(g.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 ||
	    (connect(s->fd, (struct sockaddr *)&g.ss, g.sl) != 0 && errno != EINPROGRESS) ||
	    (s->ssl = SSL_new(g.ctx)) == NULL || !SSL_set_fd(s->ssl, s->fd)) {
		perror("connect");
		return -1;
	}
	SSL_set_connect_state(s->ssl);
	g.started++;
	return 0;
}

/* What the first handshake negotiated: proof of the mode measured. */
static void report(SSL *ssl)
{
	X509 *peer = SSL_get0_peer_certificate(ssl);
	const unsigned char *alpn = NULL;
	unsigned alen = 0;
	SSL_get0_alpn_selected(ssl, &alpn, &alen);
	int group = SSL_get_negotiated_group(ssl);
	printf("first handshake: %s, %s, group %s, external PSK used: %s, server certificate: %s, "
	       "ALPN: %.*s\n",
	       SSL_get_version(ssl), SSL_get_cipher_name(ssl), group ? OBJ_nid2sn(group) : "none",
	       SSL_session_reused(ssl) ? "yes" : "no", peer ? "yes" : "no", alen ? (int)alen : 1,
	       alen ? (const char *)alpn : "-");
	g.reported = 1;
}

static void slot_end(slot *s, int ok)
{
	if (ok) {
		if (!g.reported)
			report(s->ssl);
		SSL_shutdown(s->ssl); /* close_notify, not waiting for the server's */
		g.done++;
	} else {
		if (g.failed++ == 0 && ERR_peek_error() != 0) {
			fprintf(stderr, "handshake failed: ");
			ERR_print_errors_fp(stderr);
		}
		ERR_clear_error();
	}
	SSL_free(s->ssl);
	close(s->fd);
	s->ssl = NULL;
	s->fd = -1;
}

/* Drive slot s one step; the poll events it waits for next, or 0 when it ended. */
static short slot_step(slot *s)
{
	int r = SSL_do_handshake(s->ssl);
	if (r == 1) {
		/* the mode asked for, or a failure: a server that ignored the PSK and sent a
		 * certificate did not do what is measured */
		int psk = SSL_session_reused(s->ssl) && SSL_get0_peer_certificate(s->ssl) == NULL;
		if (psk != (g.identity != NULL) && g.failed == 0)
			fprintf(stderr, "handshake done, but %s\n",
			        g.identity ? "the server did not use the PSK"
			                   : "without a certificate");
		slot_end(s, psk == (g.identity != NULL));
		return 0;
	}
	switch (SSL_get_error(s->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return POLLIN;
	case SSL_ERROR_WANT_WRITE:
		return POLLOUT;
	default:
		slot_end(s, 0);
		return 0;
	}
}

static int run(long n, int c)
{
	static slot slots[MAX_C];
	static struct pollfd pf[MAX_C];
	int live = 0;
	for (int i = 0; i < c; i++) {
		slots[i].fd = -1;
		if (g.started < n && slot_start(&slots[i]) == 0)
			live++;
		pf[i] = (struct pollfd){.fd = slots[i].fd, .events = POLLOUT};
	}
	while (live > 0) {
		if (poll(pf, (nfds_t)c, 10000) <= 0) {
			fprintf(stderr, "no progress in 10 s\n");
			return -1;
		}
		for (int i = 0; i < c; i++) {
			if (slots[i].fd < 0 || pf[i].revents == 0)
				continue;
			short ev = slot_step(&slots[i]);
			if (ev == 0) {
				live--;
				if (g.started < n && slot_start(&slots[i]) == 0) {
					live++;
					ev = POLLOUT;
				}
			}
			pf[i] = (struct pollfd){.fd = slots[i].fd, .events = ev};
		}
	}
	return 0;
}

static int setup(const char *psk_hex, const char *alpn, const char *groups)
{
	g.ctx = SSL_CTX_new(TLS_client_method());
	if (g.ctx == NULL || !SSL_CTX_set_min_proto_version(g.ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_ciphersuites(g.ctx, "TLS_AES_128_GCM_SHA256"))
		return -1;
	SSL_CTX_set_verify(g.ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(g.ctx, SSL_SESS_CACHE_OFF);
	if (groups != NULL && !SSL_CTX_set1_groups_list(g.ctx, groups))
		return -1;
	if (alpn != NULL) {
		unsigned char wire[256];
		size_t l = strlen(alpn);
		if (l == 0 || l > 255)
			return -1;
		wire[0] = (unsigned char)l;
		memcpy(wire + 1, alpn, l);
		if (SSL_CTX_set_alpn_protos(g.ctx, wire, (unsigned)l + 1) != 0)
			return -1;
	}
	if (psk_hex != NULL) {
		long l = 0;
		unsigned char *k = OPENSSL_hexstr2buf(psk_hex, &l);
		if (k == NULL || l <= 0 || (size_t)l > sizeof g.psk || g.identity == NULL) {
			OPENSSL_free(k);
			return -1;
		}
		memcpy(g.psk, k, (size_t)l);
		g.psklen = (size_t)l;
		OPENSSL_clear_free(k, (size_t)l);
		SSL_CTX_set_psk_use_session_callback(g.ctx, offer_psk);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_psk_handshake -n N -c C [--psk-identity ID --psk HEX] "
	                "[--alpn PROTO] [--groups LIST] ADDR:PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long n = 10000;
	int c = 8;
	const char *psk = NULL, *alpn = NULL, *groups = NULL, *server = NULL;
	char err[256] = "";
	struct rusage ru;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-n") == 0 && v && (n = atol(v)) > 0)
			i++;
		else if (strcmp(a, "-c") == 0 && v && (c = atoi(v)) > 0 && c <= MAX_C)
			i++;
		else if (strcmp(a, "--psk-identity") == 0 && v)
			g.identity = argv[++i];
		else if (strcmp(a, "--psk") == 0 && v)
			psk = argv[++i];
		else if (strcmp(a, "--alpn") == 0 && v)
			alpn = argv[++i];
		else if (strcmp(a, "--groups") == 0 && v)
			groups = argv[++i];
		else if (a[0] != '-' && server == NULL)
			server = a;
		else
			usage();
	}
	if (server == NULL || (psk == NULL) != (g.identity == NULL))
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (svc_parse_addr(server, 0, &g.ss, &g.sl, err, sizeof err) != 0 ||
	    setup(psk, alpn, groups) != 0) {
		fprintf(stderr, "bench_psk_handshake: %s\n", err[0] ? err : "bad TLS settings");
		return 2;
	}
	double t0 = now_s();
	int rc = run(n, c);
	double t = now_s() - t0;
	getrusage(RUSAGE_SELF, &ru);
	printf("finished in %.2fs, %.2f handshakes/s\n", t, (double)g.done / t);
	printf("handshakes: %ld done, %ld failed; client CPU %.2f s\n", g.done, g.failed,
	       (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	           ru.ru_stime.tv_usec / 1e6);
	OPENSSL_cleanse(g.psk, sizeof g.psk);
	SSL_CTX_free(g.ctx);
	return rc == 0 && g.failed == 0 ? 0 : 1;
}
