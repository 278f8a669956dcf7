/* SPDX-License-Identifier: Apache-2.0 */
/* TLS 1.3 on the NG link (src/ngap/ngap_tls.c, ngap_link.c) on 127.0.0.1 with certificates
 * made by the tree's PKI (src/cli/pki.c): the contexts' configuration errors (missing files,
 * a key readable by others, a key of another certificate, required without a CA), a set-up
 * link with messages both ways and what each side logs, and each refusal: no certificate, a
 * certificate of another CA, plain NG, an AIOTF certificate for another name; the refused
 * side never sees a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "common/aiot_err.h"
#include "ngap/ngap_link.h"
#include "pki.h"

typedef struct side {
	ngap_link *link;
	int nmsg, closed, secure, refused;
	char err[256], info[400];
} side;

static struct event_base *base;
static char dir[64];
static side acc; /* the listener's (one link at a time) */

static void on_msg(void *arg, ngap_link *l, ngap_msg *m)
{
	side *s = arg;

	(void)l;
	s->nmsg++;
	if (s == &acc && m->type == NGAP_NG_SETUP_REQUEST) {
		ngap_msg r = {.type = NGAP_NG_SETUP_RESPONSE, .correlation_id = m->correlation_id};
		strcpy(r.u.setup_resp.aiotf_name, "aiotf-tls");
		assert_int_equal(ngap_send(l, &r), AIOT_OK);
	}
	ngap_free(m);
}

static void on_close(void *arg, ngap_link *l, const char *err)
{
	side *s = arg;

	s->closed = 1;
	s->refused = ngap_link_tls_refused(l);
	snprintf(s->err, sizeof s->err, "%s", err ? err : "");
	s->link = NULL;
}

static void on_secure(void *arg, ngap_link *l)
{
	side *s = arg;

	s->secure = 1;
	assert_int_equal(ngap_link_tls_info(l, s->info, sizeof s->info), 0);
}

static const ngap_link_cbs cbs_acc = {on_msg, on_close, &acc, on_secure};

static void on_accept(void *arg, ngap_link *l)
{
	(void)arg;
	memset(&acc, 0, sizeof acc);
	acc.link = l;
	ngap_link_set_cbs(l, &cbs_acc);
}

static void run_until(const int *a, const int *b)
{
	struct timeval tv = {0, 10000};

	for (int i = 0; i < 1000 && !*a && !(b && *b); i++) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
}

static void path(char *out, size_t n, const char *sub, const char *file)
{
	snprintf(out, n, "%s/%s/%s", dir, sub, file);
}

/* A CA and certificates NAMES in dir/sub, with the default SAN or san. */
static void make_pki(const char *sub, const char *const *names, size_t n, const char *san)
{
	char d[128], err[256];
	pki_opts o = {.dir = d, .names = names, .nnames = n, .san = san, .days = 1};

	snprintf(d, sizeof d, "%s/%s", dir, sub);
	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(pki_make(&o, err, sizeof err), 0);
}

static int setup(void **state)
{
	static const char *const both[] = {"aiotf", "reader"}, *const rd[] = {"reader"},
	                         *const af[] = {"aiotf"};

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof dir, "/tmp/test_ngap_tls.XXXXXX");
	assert_non_null(mkdtemp(dir));
	make_pki("ok", both, 2, PKI_DEFAULT_SAN);
	make_pki("other", rd, 1, PKI_DEFAULT_SAN);
	make_pki("wrong", af, 1, "DNS:aiotf.elsewhere.example");
	base = event_base_new();
	return base == NULL;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	event_base_free(base);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) != 0;
}

/* An AIOTF listener with sub/aiotf.{crt,key}, readers of ok/ca.crt, certificates required. */
static ngap_listener *listener(const char *sub, int required)
{
	char c[160], k[160], ca[160], err[512] = "";
	ngap_tls_ctx *t;
	ngap_listener *ls =
	    ngap_listen(base, "127.0.0.1:0", "tcp", on_accept, NULL, err, sizeof err);

	assert_non_null(ls);
	memset(&acc, 0, sizeof acc);
	path(c, sizeof c, sub, "aiotf.crt");
	path(k, sizeof k, sub, "aiotf.key");
	path(ca, sizeof ca, "ok", "ca.crt");
	t = ngap_tls_server_ctx(c, k, ca, required, err, sizeof err);
	assert_non_null(t);
	assert_int_equal(ngap_listener_set_tls(ls, t), 0);
	ngap_tls_ctx_free(t); /* the listener keeps its own reference */
	return ls;
}

/* A reader trusting ca_sub/ca.crt, with cert_sub/reader.{crt,key} (NULL: none). */
static ngap_link *reader(side *s, ngap_listener *ls, const char *ca_sub, const char *cert_sub)
{
	char addr[64], c[160], k[160], ca[160], err[512] = "";
	ngap_link_cbs cbs = {on_msg, on_close, s, on_secure};
	ngap_tls_ctx *t;

	memset(s, 0, sizeof *s);
	snprintf(addr, sizeof addr, "127.0.0.1:%d", ngap_listener_port(ls));
	path(ca, sizeof ca, ca_sub, "ca.crt");
	if (cert_sub != NULL) {
		path(c, sizeof c, cert_sub, "reader.crt");
		path(k, sizeof k, cert_sub, "reader.key");
	}
	t = ngap_tls_client_ctx(ca, cert_sub ? c : NULL, cert_sub ? k : NULL, err, sizeof err);
	assert_non_null(t);
	s->link = ngap_connect_tls(base, addr, t, &cbs, err, sizeof err);
	ngap_tls_ctx_free(t);
	assert_non_null(s->link);
	return s->link;
}

static void send_setup(side *s)
{
	ngap_msg m = {.type = NGAP_NG_SETUP_REQUEST, .correlation_id = 7};

	m.u.setup_req.gnb_id = 1;
	m.u.setup_req.reader_index = 1;
	assert_int_equal(ngap_send(s->link, &m), AIOT_OK);
}

static void test_ctx_errors(void **state)
{
	char c[160], k[160], rk[160], ca[160], err[512];

	(void)state;
	path(c, sizeof c, "ok", "aiotf.crt");
	path(k, sizeof k, "ok", "aiotf.key");
	path(rk, sizeof rk, "ok", "reader.key");
	path(ca, sizeof ca, "ok", "ca.crt");
	assert_null(ngap_tls_server_ctx("/nonexistent.crt", k, ca, 1, err, sizeof err));
	assert_non_null(strstr(err, "/nonexistent.crt"));
	assert_null(ngap_tls_server_ctx(c, k, NULL, 1, err, sizeof err));
	assert_non_null(strstr(err, "CA"));
	assert_null(ngap_tls_server_ctx(c, rk, ca, 1, err, sizeof err)); /* another's key */
	assert_non_null(strstr(err, "key values mismatch"));
	assert_int_equal(chmod(k, 0640), 0);
	assert_null(ngap_tls_server_ctx(c, k, ca, 1, err, sizeof err));
	assert_non_null(strstr(err, "mode 0640"));
	assert_int_equal(chmod(k, 0600), 0);
	assert_null(ngap_tls_client_ctx(NULL, NULL, NULL, err, sizeof err));
	assert_null(ngap_tls_client_ctx(ca, c, NULL, err, sizeof err));
	assert_null(ngap_tls_client_ctx("/nonexistent.ca", NULL, NULL, err, sizeof err));
	assert_non_null(strstr(err, "/nonexistent.ca"));
}

static void test_link_up(void **state)
{
	ngap_listener *ls = listener("ok", 1);
	side r;

	(void)state;
	reader(&r, ls, "ok", "ok");
	send_setup(&r); /* queued: sent once the handshake is done */
	run_until(&r.nmsg, &r.closed);
	assert_int_equal(r.closed, 0);
	assert_int_equal(r.nmsg, 1);
	assert_int_equal(acc.nmsg, 1);
	assert_true(r.secure && acc.secure);
	assert_non_null(strstr(acc.info, "TLSv1.3 TLS_"));
	assert_non_null(strstr(acc.info, "CN=reader"));
	assert_non_null(strstr(r.info, "CN=aiotf"));
	assert_null(strstr(r.info, "PRIVATE"));
	assert_int_equal(ngap_link_tls_refused(r.link), 0);
	ngap_link_free(r.link);
	run_until(&acc.closed, NULL);
	assert_int_equal(acc.refused, 0);
	ngap_listener_free(ls);
}

/* The AIOTF refuses the reader before any message: the link closes, marked refused. */
static void refused_by_aiotf(const char *cert_sub, const char *why)
{
	ngap_listener *ls = listener("ok", 1);
	side r;

	if (cert_sub != NULL && strcmp(cert_sub, "plain") == 0) {
		char addr[64], err[256];
		ngap_link_cbs cbs = {on_msg, on_close, &r, on_secure};

		memset(&r, 0, sizeof r);
		snprintf(addr, sizeof addr, "127.0.0.1:%d", ngap_listener_port(ls));
		r.link = ngap_connect(base, addr, "tcp", &cbs, err, sizeof err);
		assert_non_null(r.link);
	} else {
		reader(&r, ls, "ok", cert_sub);
	}
	send_setup(&r);
	run_until(&acc.closed, NULL);
	assert_int_equal(acc.closed, 1);
	assert_int_equal(acc.refused, 1);
	assert_int_equal(acc.secure, 0);
	assert_int_equal(acc.nmsg, 0);
	assert_non_null(strstr(acc.err, why));
	run_until(&r.closed, NULL);
	assert_int_equal(r.nmsg, 0);
	ngap_listener_free(ls);
}

static void test_no_certificate(void **state)
{
	(void)state;
	refused_by_aiotf(NULL, "did not return a certificate");
}

static void test_other_ca(void **state)
{
	(void)state;
	refused_by_aiotf("other", "certificate verify failed");
}

static void test_plain_reader(void **state)
{
	(void)state;
	refused_by_aiotf("plain", "TLS");
}

/* The reader refuses an AIOTF whose certificate (of its CA) names another host. */
static void test_wrong_name(void **state)
{
	ngap_listener *ls = listener("wrong", 0);
	side r;

	(void)state;
	reader(&r, ls, "wrong", NULL);
	send_setup(&r);
	run_until(&r.closed, NULL);
	assert_int_equal(r.closed, 1);
	assert_int_equal(r.refused, 1);
	assert_int_equal(r.nmsg, 0);
	assert_non_null(strstr(r.err, "IP address mismatch"));
	run_until(&acc.closed, NULL);
	assert_int_equal(acc.nmsg, 0);
	ngap_listener_free(ls);
}

static void test_peer_names(void **state)
{
	char ca[160], err[256];
	ngap_tls_ctx *t;
	struct ssl_st *ssl;

	(void)state;
	path(ca, sizeof ca, "ok", "ca.crt");
	t = ngap_tls_client_ctx(ca, NULL, NULL, err, sizeof err);
	assert_non_null(t);
	static const char *const good[] = {"127.0.0.1:1", "[::1]:38412", "aiotf.example:9"};
	static const char *const bad[] = {"nohost", ":38412", "[]:1"};
	for (size_t i = 0; i < 3; i++) {
		ssl = ngap_tls_peer(t, good[i], err, sizeof err);
		assert_non_null(ssl);
		SSL_free(ssl);
		assert_null(ngap_tls_peer(t, bad[i], err, sizeof err));
	}
	ngap_tls_ctx_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ctx_errors),     cmocka_unit_test(test_link_up),
	    cmocka_unit_test(test_no_certificate), cmocka_unit_test(test_other_ca),
	    cmocka_unit_test(test_plain_reader),   cmocka_unit_test(test_wrong_name),
	    cmocka_unit_test(test_peer_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
