/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SBI server and client over h2c in one process: round trips, limits (413, 431),
 * deferred responses completed from another thread, 500 concurrent streams on one
 * connection, client timeouts, malformed HTTP/2 from a raw socket, stop with open
 * connections, completion after stop, PINGs that do not keep a connection, an answer stuck
 * behind a zero window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <cmocka.h>

#include "common/clock.h"
#include "test_sbi_util.h"

struct fx {
	sbi_server *srv;
	struct event_base *base;
	sbi_client *cli;
	int port;
};

static int fx_setup_cfg(void **state, sbi_server_cfg *cfg, int timeout_ms)
{
	struct fx *f = calloc(1, sizeof(*f));
	sbi_client_cfg cc = {.host = "127.0.0.1", .timeout_ms = timeout_ms};
	char err[256];

	tapp_start();
	f->srv = start_server(cfg);
	if (f->srv == NULL)
		return -1;
	f->port = sbi_server_port(f->srv);
	f->base = event_base_new();
	cc.port = f->port;
	f->cli = sbi_client_new(f->base, &cc, err, sizeof(err));
	if (f->cli == NULL)
		return -1;
	*state = f;
	return 0;
}

static int fx_setup(void **state)
{
	sbi_server_cfg cfg = {.max_body = 64 * 1024, .max_header = 4096, .max_streams = 64};

	return fx_setup_cfg(state, &cfg, 5000);
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	sbi_client_free(f->cli);
	sbi_server_stop(f->srv);
	tapp_stop(); /* completes "/never" after the stop: must only free */
	event_base_free(f->base);
	free(f);
	return 0;
}

static void one(struct fx *f, const char *method, const char *path, const char *ct,
                const void *body, size_t len, struct rec *r)
{
	int outstanding = 1;

	memset(r, 0, sizeof(*r));
	r->outstanding = &outstanding;
	assert_int_equal(sbi_client_request(f->cli, method, path, ct, body, len, rec_cb, r), 0);
	assert_int_equal(r->done, 0); /* never called from inside sbi_client_request() */
	assert_int_equal(run_until(f->base, &outstanding, 10000), 0);
	assert_int_equal(r->done, 1);
}

static void test_get_post_roundtrip(void **state)
{
	struct fx *f = *state;
	struct rec r;

	one(f, "GET", "/echo?a=1&b=2", NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);
	free(r.body);

	one(f, "POST", "/echo", "application/json", "{\"k\":\"v\"}", 9, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.ct, "application/json");
	assert_string_equal(r.body, "{\"k\":\"v\"}");
	free(r.body);

	one(f, "PUT", "/nope", "application/json", "{}", 2, &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.ct, "application/problem+json");
	assert_non_null(strstr(r.body, "\"status\":404"));
	assert_non_null(strstr(r.body, "\"cause\":\"RESOURCE_URI_STRUCTURE_NOT_FOUND\""));
	free(r.body);

	/* a handler's 4xx passes through with its escaped detail (TS 29.571 ProblemDetails) */
	one(f, "GET", "/teapot", NULL, NULL, 0, &r);
	assert_int_equal(r.status, 418);
	assert_string_equal(r.body, "{\"title\":\"Unknown\",\"status\":418,"
	                            "\"detail\":\"short and \\\"stout\\\"\\n\"}");
	free(r.body);
}

static void test_body_limit_413(void **state)
{
	struct fx *f = *state;
	size_t n = 200 * 1024;
	char *big = malloc(n);
	struct rec r;

	memset(big, 'a', n);
	one(f, "POST", "/echo", "application/json", big, n, &r);
	assert_int_equal(r.status, 413);
	assert_string_equal(r.ct, "application/problem+json");
	assert_non_null(strstr(r.body, "\"status\":413"));
	free(r.body);
	/* exactly at the limit is fine, and the connection is still usable */
	one(f, "POST", "/echo", "application/json", big, 64 * 1024, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 64 * 1024);
	free(r.body);
	free(big);
}

static void test_deferred_other_thread(void **state)
{
	struct fx *f = *state;
	struct rec r;

	one(f, "POST", "/defer", "application/json", "abc", 3, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"len\":3"));
	free(r.body);
}

#define N_CONC 500

static void test_many_concurrent_streams(void **state)
{
	struct fx *f = *state;
	static struct rec r[N_CONC];
	int outstanding = N_CONC, i, ok = 0;
	char body[32];

	memset(r, 0, sizeof(r));
	for (i = 0; i < N_CONC; i++) {
		int l = snprintf(body, sizeof(body), "{\"i\":%d}", i);

		r[i].outstanding = &outstanding;
		/* alternate synchronous and deferred (cross-thread) responses */
		assert_int_equal(sbi_client_request(f->cli, "POST", i % 2 ? "/defer" : "/echo",
		                                    "application/json", body, (size_t)l, rec_cb,
		                                    &r[i]),
		                 0);
	}
	assert_int_equal(run_until(f->base, &outstanding, 20000), 0);
	for (i = 0; i < N_CONC; i++) {
		assert_int_equal(r[i].done, 1);
		if (r[i].status == 200)
			ok++;
		if (getenv("SBI_DEBUG") && r[i].status != 200)
			fprintf(stderr, "%d: status %d err %s body %s\n", i, r[i].status, r[i].err,
			        r[i].body);
		if (i % 2 == 0) {
			snprintf(body, sizeof(body), "{\"i\":%d}", i);
			assert_string_equal(r[i].body, body);
		}
		free(r[i].body);
	}
	assert_int_equal(ok, N_CONC);
}

static void test_client_timeout(void **state)
{
	struct fx *f = *state;
	sbi_client_cfg cc = {.host = "127.0.0.1", .port = f->port, .timeout_ms = 300};
	char err[128];
	sbi_client *c = sbi_client_new(f->base, &cc, err, sizeof(err));
	struct rec r[3];
	int outstanding = 3, i;

	assert_non_null(c);
	memset(r, 0, sizeof(r));
	for (i = 0; i < 3; i++) {
		r[i].outstanding = &outstanding;
		assert_int_equal(sbi_client_request(c, "GET", i == 1 ? "/echo" : "/never", NULL,
		                                    NULL, 0, rec_cb, &r[i]),
		                 0);
	}
	assert_int_equal(run_until(f->base, &outstanding, 5000), 0);
	assert_int_equal(r[0].status, 0);
	assert_string_equal(r[0].err, "timeout");
	assert_int_equal(r[1].status, 200);
	assert_string_equal(r[2].err, "timeout");
	/* the connection survives the RST_STREAMs */
	outstanding = 1;
	r[1].done = 0;
	assert_int_equal(sbi_client_request(c, "GET", "/echo", NULL, NULL, 0, rec_cb, &r[1]), 0);
	assert_int_equal(run_until(f->base, &outstanding, 5000), 0);
	assert_int_equal(r[1].status, 200);
	for (i = 0; i < 3; i++)
		free(r[i].body);
	sbi_client_free(c);
}

static void test_connection_refused_then_reconnect(void **state)
{
	struct fx *f = *state;
	sbi_client_cfg cc = {.host = "127.0.0.1", .port = 1, .timeout_ms = 2000};
	char err[128], *body = NULL;
	int st;

	st = sbi_fetch(&cc, "GET", "/echo", NULL, NULL, &body, err, sizeof(err));
	assert_int_equal(st, 0);
	assert_null(body);
	assert_true(strlen(err) > 0);

	cc.port = f->port;
	st = sbi_fetch(&cc, "POST", "/echo", "application/json", "{\"x\":1}", &body, err,
	               sizeof(err));
	assert_int_equal(st, 200);
	assert_string_equal(body, "{\"x\":1}");
	free(body);
}

/* A peer that speaks garbage gets GOAWAY/close; the server keeps serving (RFC 9113 3.4). */
static void test_malformed_peer(void **state)
{
	struct fx *f = *state;
	static const char *inputs[] = {
	    "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
	    /* HEADERS with a garbage HPACK block */
	    ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x0e\x01\x05\x00\x00\x00\x01"
	     "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"),
	    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\xff\xff\xff\x00\x00\x00\x00\x00\x00",
	};
	static const size_t lens[] = {27, 24 + 9 + 14, 24 + 9};
	size_t i;
	struct rec r;

	for (i = 0; i < 3; i++) {
		struct sockaddr_in sa = {.sin_family = AF_INET,
		                         .sin_port = htons((uint16_t)f->port)};
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		char buf[512];
		struct timeval tv = {5, 0};

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		assert_int_equal(send(fd, inputs[i], lens[i], 0), (ssize_t)lens[i]);
		/* the server closes: read until EOF (not a timeout) */
		for (;;) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);

			assert_true(n >= 0);
			if (n == 0)
				break;
		}
		close(fd);
	}
	one(f, "GET", "/echo", NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	free(r.body);
}

/* A raw h2c client: connected, preface and SETTINGS (settings: 6-byte entries) sent. */
static int raw_h2(int port, const uint8_t *settings, size_t slen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	uint8_t hd[9] = {0, 0, (uint8_t)slen, 4, 0, 0, 0, 0, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24, 0), 24);
	assert_int_equal(send(fd, hd, 9, 0), 9);
	if (slen > 0)
		assert_int_equal(send(fd, settings, slen, 0), (ssize_t)slen);
	return fd;
}

/* Every 50 ms: a PING, and with get a new GET /teapot (an answer with a body) on the next
 * stream. Returns the seconds until the server closed, or -1 after 5 s. */
static double keep_busy(int fd, int get)
{
	static const uint8_t ping[17] = {0,   0,   8,   6,   0,   0,   0,   0,  0,
	                                 'k', 'e', 'e', 'p', 'a', 'l', 'i', 'v'};
	/* HEADERS, END_STREAM|END_HEADERS: GET, http, :path /teapot, :authority x */
	uint8_t hdr[9 + 14] = {0, 0,   14,  1,   5,   0,   0,   0,   0,    0x82, 0x86, 0x04,
	                       7, '/', 't', 'e', 'a', 'p', 'o', 't', 0x01, 1,    'x'};
	double t0 = aiot_mono_s();
	uint32_t sid = 1;
	char buf[4096];

	while (aiot_mono_s() - t0 < 5) {
		struct timeval tv = {0, 50000};

		if (send(fd, ping, sizeof(ping), MSG_NOSIGNAL) < 0)
			return aiot_mono_s() - t0;
		if (get) {
			hdr[5] = (uint8_t)(sid >> 24), hdr[6] = (uint8_t)(sid >> 16);
			hdr[7] = (uint8_t)(sid >> 8), hdr[8] = (uint8_t)sid;
			sid += 2;
			if (send(fd, hdr, sizeof(hdr), MSG_NOSIGNAL) < 0)
				return aiot_mono_s() - t0;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		for (;;) { /* read what came (PING ACKs, HEADERS...) until 50 ms of quiet */
			ssize_t n = recv(fd, buf, sizeof(buf), 0);

			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
				return aiot_mono_s() - t0;
			if (n < 0)
				break;
		}
	}
	return -1;
}

/* PINGs are no traffic: an idle connection is closed at idle_timeout_ms however often the
 * client pings (it was kept for ever). */
static void test_ping_does_not_keep_idle(void **state)
{
	struct fx *f = *state;
	int fd = raw_h2(f->port, NULL, 0);
	double t = keep_busy(fd, 0);

	close(fd);
	assert_true(t >= 0.25 && t < 2.5);
}

/* The client holds its window at 0 and keeps asking (new requests are traffic): the first
 * answer does not move, so the connection goes after idle_timeout_ms. */
static void test_zero_window_stalled(void **state)
{
	struct fx *f = *state;
	static const uint8_t win0[6] = {0, 4, 0, 0, 0, 0}; /* SETTINGS_INITIAL_WINDOW_SIZE 0 */
	int fd = raw_h2(f->port, win0, sizeof(win0));
	double t = keep_busy(fd, 1);
	struct rec r;

	close(fd);
	assert_true(t >= 0.25 && t < 2.5);
	one(f, "GET", "/echo", NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	free(r.body);
}

static int fx_setup_idle(void **state)
{
	sbi_server_cfg cfg = {
	    .max_body = 64 * 1024, .max_header = 4096, .max_streams = 256, .idle_timeout_ms = 300};

	return fx_setup_cfg(state, &cfg, 5000);
}

static void test_stop_with_open_connections(void **state)
{
	struct fx *f = *state;
	struct rec r[2];
	int outstanding = 1;

	memset(r, 0, sizeof(r));
	r[0].outstanding = &outstanding;
	assert_int_equal(sbi_client_request(f->cli, "GET", "/echo", NULL, NULL, 0, rec_cb, &r[0]),
	                 0);
	assert_int_equal(run_until(f->base, &outstanding, 5000), 0);
	/* an in-flight deferred request that will never be completed before the stop */
	outstanding = 1;
	r[1].outstanding = &outstanding;
	assert_int_equal(sbi_client_request(f->cli, "GET", "/never", NULL, NULL, 0, rec_cb, &r[1]),
	                 0);
	while (tapp.nnever == 0)
		event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	sbi_server_stop(f->srv); /* GOAWAY, bounded grace, then close */
	f->srv = NULL;
	assert_int_equal(run_until(f->base, &outstanding, 5000), 0);
	assert_int_equal(r[1].status, 0);
	assert_true(strlen(r[1].err) > 0);
	free(r[0].body);
	free(r[1].body);
}

static void test_bad_config(void **state)
{
	sbi_server_cfg cfg = {.listen = "nonsense", .workers = 1, .handler = test_handler};
	char err[256];

	(void)state;
	assert_null(sbi_server_start(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "nonsense"));
	cfg.listen = "127.0.0.1:0";
	cfg.tls_cert = "/nonexistent/cert.pem";
	cfg.tls_key = "/nonexistent/key.pem";
	assert_null(sbi_server_start(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/cert.pem"));
}

static void test_problem_escaping(void **state)
{
	sbi_response resp;

	(void)state;
	memset(&resp, 0, sizeof(resp));
	sbi_problem(&resp, 400, NULL, "bad \\ \x01 \xff %s", "caf\xc3\xa9");
	assert_int_equal(resp.status, 400);
	assert_string_equal(resp.content_type, "application/problem+json");
	assert_string_equal(resp.body, "{\"title\":\"Bad Request\",\"status\":400,"
	                               "\"detail\":\"bad \\\\ \\u0001 \\ufffd caf\xc3\xa9\"}");
	assert_int_equal(resp.body_len, strlen(resp.body));
	free(resp.body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_problem_escaping),
	    cmocka_unit_test(test_bad_config),
	    cmocka_unit_test_setup_teardown(test_get_post_roundtrip, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_body_limit_413, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_deferred_other_thread, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_many_concurrent_streams, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_client_timeout, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_connection_refused_then_reconnect, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_peer, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_ping_does_not_keep_idle, fx_setup_idle,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_zero_window_stalled, fx_setup_idle, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_stop_with_open_connections, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
