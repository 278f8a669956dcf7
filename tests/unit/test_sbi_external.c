/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SBI server against real external clients: curl --http2-prior-knowledge, h2load
 * (20000 requests, 4 connections, 16 streams each: every one must succeed), a header block
 * over the limit (431), and the Prometheus /metrics page fetched with curl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_sbi_util.h"

static sbi_server *srv;
static int port, mport;

static int group_setup(void **state)
{
	sbi_server_cfg cfg = {.workers = 4,
	                      .metrics_listen = "127.0.0.1:0",
	                      .max_header = 4096,
	                      .metrics = app_metrics};

	(void)state;
	tapp_start();
	srv = start_server(&cfg);
	if (srv == NULL)
		return -1;
	port = sbi_server_port(srv);
	mport = sbi_server_metrics_port(srv);
	return mport > 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	sbi_server_stop(srv);
	tapp_stop();
	return 0;
}

static void test_curl_h2c_post(void **state)
{
	char *cmd, *out;
	int rc;

	(void)state;
	cmd = xasprintf(
	    "curl --http2-prior-knowledge -sS -X POST -H 'content-type: application/json' "
	    "-H 'x-tag: 1' -d '{}' -D - http://127.0.0.1:%d/echo?q=1",
	    port);
	out = run_capture(cmd, &rc);
	free(cmd);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "HTTP/2 200"));
	assert_non_null(strstr(out, "content-type: application/json"));
	assert_non_null(strstr(out, "x-method: POST"));
	assert_non_null(strstr(out, "x-query: q=1"));
	assert_non_null(strstr(out, "x-tag: seen"));
	assert_non_null(strstr(out, "\r\n\r\n{}"));
	free(out);

	cmd = xasprintf("curl --http2-prior-knowledge -sS -w '%%{http_code}' "
	                "http://127.0.0.1:%d/nothing-here",
	                port);
	out = run_capture(cmd, &rc);
	free(cmd);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"status\":404"));
	assert_non_null(strstr(out, "404"));
	free(out);
}

static void test_curl_413_and_431(void **state)
{
	char *cmd, *out;
	int rc;

	(void)state;
	cmd = xasprintf("head -c 3000000 /dev/zero | curl --http2-prior-knowledge -sS "
	                "-X POST --data-binary @- -w ' %%{http_code}' http://127.0.0.1:%d/echo",
	                port);
	out = run_capture(cmd, &rc);
	free(cmd);
	assert_non_null(strstr(out, "\"status\":413"));
	assert_non_null(strstr(out, " 413"));
	free(out);

	cmd = xasprintf("curl --http2-prior-knowledge -sS -H \"x-big: $(head -c 6000 /dev/zero | "
	                "tr '\\0' a)\" -w ' %%{http_code}' http://127.0.0.1:%d/echo",
	                port);
	out = run_capture(cmd, &rc);
	free(cmd);
	assert_non_null(strstr(out, " 431"));
	free(out);
}

static void test_h2load(void **state)
{
	char *cmd, *out, *p;
	int rc;

	(void)state;
	cmd = xasprintf("h2load -n 20000 -c 4 -m 16 http://127.0.0.1:%d/echo 2>&1", port);
	out = run_capture(cmd, &rc);
	free(cmd);
	p = strstr(out, "requests:");
	assert_non_null(p);
	print_message("h2load: %.*s", (int)(strchr(p, '\n') - p + 1), p);
	if (strstr(out, "finished in"))
		print_message("h2load: %.*s",
		              (int)(strchr(strstr(out, "finished in"), '\n') -
		                    strstr(out, "finished in") + 1),
		              strstr(out, "finished in"));
	assert_non_null(strstr(p, "20000 succeeded"));
	free(out);

	/* POST bodies, deferred (cross-thread) responses */
	cmd = xasprintf("printf '{\"a\":1}' > /tmp/aiot-sbi-h2load-body.$$; "
	                "h2load -n 5000 -c 4 -m 16 -d /tmp/aiot-sbi-h2load-body.$$ "
	                "-H 'content-type: application/json' http://127.0.0.1:%d/defer 2>&1; "
	                "rm -f /tmp/aiot-sbi-h2load-body.$$",
	                port);
	out = run_capture(cmd, &rc);
	free(cmd);
	p = strstr(out, "requests:");
	assert_non_null(p);
	assert_non_null(strstr(p, "5000 succeeded"));
	free(out);
}

static void test_metrics(void **state)
{
	char *cmd, *out;
	int rc;

	(void)state;
	cmd = xasprintf("curl -sS -D - http://127.0.0.1:%d/metrics", mport);
	out = run_capture(cmd, &rc);
	free(cmd);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "Content-Type: text/plain; version=0.0.4"));
	assert_non_null(strstr(out, "aiot_sbi_requests_total{status=\"200\"}"));
	assert_non_null(strstr(out, "aiot_sbi_requests_total{status=\"413\"} 1\n"));
	assert_non_null(strstr(out, "aiot_sbi_requests_total{status=\"431\"} 1\n"));
	assert_non_null(strstr(out, "aiot_sbi_connections_active"));
	assert_non_null(
	    strstr(out, "aiot_sbi_streams_rejected_total{reason=\"body_too_large\"} 1\n"));
	assert_non_null(strstr(out, "aiot_test_app_up 1\n"));
	free(out);

	cmd =
	    xasprintf("curl -sS -o /dev/null -w '%%{http_code}' http://127.0.0.1:%d/other", mport);
	out = run_capture(cmd, &rc);
	free(cmd);
	assert_string_equal(out, "404");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_curl_h2c_post),
	    cmocka_unit_test(test_curl_413_and_431),
	    cmocka_unit_test(test_h2load),
	    cmocka_unit_test(test_metrics),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
