/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SBI over TLS 1.3 + ALPN h2 with mutual TLS, PKI made by the openssl CLI in a temp dir:
 * our client with the right certificate works, without a certificate or with one from
 * another CA it is refused; a wrong CA on the client side fails verification; load errors
 * make sbi_server_start() fail; curl over TLS works and curl --http1.1 (no h2 ALPN) is
 * refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_sbi_util.h"

static char dir[64];
static sbi_server *srv;
static int port;

static int group_setup(void **state)
{
	sbi_server_cfg cfg = {0};

	(void)state;
	if (make_pki(dir) != 0)
		return -1;
	tapp_start();
	cfg.tls_cert = pki_path(dir, "srv.pem");
	cfg.tls_key = pki_path(dir, "srv.key");
	cfg.tls_ca = pki_path(dir, "ca.pem");
	srv = start_server(&cfg);
	if (srv == NULL)
		return -1;
	port = sbi_server_port(srv);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	sbi_server_stop(srv);
	tapp_stop();
	rm_dir(dir);
	return 0;
}

static int fetch(const char *ca, const char *cert, const char *key, const char *path, char **body,
                 char *err, size_t errlen)
{
	sbi_client_cfg cc = {.host = "127.0.0.1", .port = port, .timeout_ms = 3000};

	cc.tls_ca = ca ? pki_path(dir, ca) : NULL;
	cc.tls_cert = cert ? pki_path(dir, cert) : NULL;
	cc.tls_key = key ? pki_path(dir, key) : NULL;
	return sbi_fetch(&cc, "POST", path, "application/json", "{\"tls\":true}", body, err,
	                 errlen);
}

static void test_mtls_ok(void **state)
{
	char *body = NULL, err[256] = "";

	(void)state;
	assert_int_equal(fetch("ca.pem", "cli.pem", "cli.key", "/echo", &body, err, sizeof(err)),
	                 200);
	assert_string_equal(body, "{\"tls\":true}");
	free(body);
	assert_int_equal(fetch("ca.pem", "cli.pem", "cli.key", "/defer", &body, err, sizeof(err)),
	                 200);
	free(body);
}

static void test_mtls_no_client_cert(void **state)
{
	char *body = NULL, err[256] = "";

	(void)state;
	assert_int_equal(fetch("ca.pem", NULL, NULL, "/echo", &body, err, sizeof(err)), 0);
	assert_null(body);
	assert_true(strlen(err) > 0);
}

static void test_mtls_other_ca_client_cert(void **state)
{
	char *body = NULL, err[256] = "";

	(void)state;
	assert_int_equal(fetch("ca.pem", "cli2.pem", "cli2.key", "/echo", &body, err, sizeof(err)),
	                 0);
	assert_null(body);
}

static void test_server_not_trusted(void **state)
{
	char *body = NULL, err[256] = "";

	(void)state;
	assert_int_equal(fetch("ca2.pem", "cli.pem", "cli.key", "/echo", &body, err, sizeof(err)),
	                 0);
	assert_non_null(strstr(err, "certificate verify failed"));
}

static void test_load_errors(void **state)
{
	sbi_server_cfg cfg = {.listen = "127.0.0.1:0", .workers = 1, .handler = test_handler};
	char err[256] = "";

	(void)state;
	cfg.tls_cert = pki_path(dir, "srv.pem");
	cfg.tls_key = pki_path(dir, "cli.key"); /* not srv.pem's key */
	assert_null(sbi_server_start(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "mismatch"));
	cfg.tls_key = pki_path(dir, "srv.key");
	cfg.tls_ca = pki_path(dir, "missing-ca.pem");
	assert_null(sbi_server_start(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "missing-ca.pem"));
}

static void test_curl_tls(void **state)
{
	char *cmd, *out;
	int rc;

	(void)state;
	cmd = xasprintf("curl -sS --http2 --cacert %s --cert %s --key %s -X POST "
	                "-H 'content-type: application/json' -d '{\"c\":1}' "
	                "-w ' %%{http_version} %%{http_code}' https://127.0.0.1:%d/echo",
	                pki_path(dir, "ca.pem"), pki_path(dir, "cli.pem"), pki_path(dir, "cli.key"),
	                port);
	out = run_capture(cmd, &rc);
	free(cmd);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "{\"c\":1} 2 200");
	free(out);

	/* no client certificate: refused */
	cmd = xasprintf("curl -sS --http2 --cacert %s https://127.0.0.1:%d/echo 2>/dev/null",
	                pki_path(dir, "ca.pem"), port);
	out = run_capture(cmd, &rc);
	free(cmd);
	assert_int_not_equal(rc, 0);
	free(out);

	/* ALPN without h2 (RFC 9113 3.2): refused at the handshake */
	cmd = xasprintf("curl -sS --http1.1 --cacert %s --cert %s --key %s "
	                "https://127.0.0.1:%d/echo 2>/dev/null",
	                pki_path(dir, "ca.pem"), pki_path(dir, "cli.pem"), pki_path(dir, "cli.key"),
	                port);
	out = run_capture(cmd, &rc);
	free(cmd);
	assert_int_not_equal(rc, 0);
	free(out);
}

static void test_h2load_tls(void **state)
{
	char *cmd, *out, *p;
	int rc;

	(void)state;
	/* h2load cannot present a client certificate: use a server without mTLS */
	sbi_server_cfg cfg = {0};
	sbi_server *s;

	cfg.tls_cert = pki_path(dir, "srv.pem");
	cfg.tls_key = pki_path(dir, "srv.key");
	s = start_server(&cfg);
	assert_non_null(s);
	cmd = xasprintf("h2load -n 2000 -c 2 -m 16 https://127.0.0.1:%d/echo 2>&1",
	                sbi_server_port(s));
	out = run_capture(cmd, &rc);
	free(cmd);
	p = strstr(out, "requests:");
	assert_non_null(p);
	assert_non_null(strstr(p, "2000 succeeded"));
	assert_non_null(strstr(out, "TLSv1.3"));
	free(out);
	sbi_server_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mtls_ok),
	    cmocka_unit_test(test_mtls_no_client_cert),
	    cmocka_unit_test(test_mtls_other_ca_client_cert),
	    cmocka_unit_test(test_server_not_trusted),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_curl_tls),
	    cmocka_unit_test(test_h2load_tls),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
