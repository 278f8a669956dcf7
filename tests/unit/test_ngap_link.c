/* SPDX-License-Identifier: Apache-2.0 */
/* NG link transport (src/ngap/ngap_link.c): listener and connect on 127.0.0.1:0 over "tcp"
 * and "auto", messages both ways including a 2 MB Inventory Report, frames trickled in one
 * octet at a time, oversized and undecodable frames from a raw peer (closed with an error
 * while the listener keeps accepting), and every close path, including freeing a link from
 * inside its own callbacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "common/aiot_err.h"
#include "ngap/ngap_link.h"

/* One end of a link, as the callbacks see it. */
typedef struct side {
	ngap_link *link;
	int nmsg;
	ngap_msg *last;
	int closed;
	char err[256];
	int reply;         /* answer an NG Setup Request with an NG Setup Response */
	int free_in_msg;   /* ngap_link_free() from inside on_msg */
	int free_in_close; /* ngap_link_free() from inside on_close (must be harmless) */
	int send_rc_in_close;
} side;

#define MAX_ACCEPT 8

typedef struct server {
	ngap_listener *ls;
	side acc[MAX_ACCEPT];
	int naccepted;
	int free_in_msg; /* copied into each accepted side */
} server;

static struct event_base *base;
static uint8_t nas[NGAP_MAX_NAS_PDU];

/* ---- callbacks --------------------------------------------------------------------------- */

static void on_msg(void *arg, ngap_link *l, ngap_msg *m)
{
	side *s = arg;

	assert_ptr_equal(l, s->link);
	s->nmsg++;
	ngap_free(s->last);
	s->last = m;
	if (s->reply && m->type == NGAP_NG_SETUP_REQUEST) {
		ngap_msg r;
		memset(&r, 0, sizeof r);
		r.type = NGAP_NG_SETUP_RESPONSE;
		r.correlation_id = m->correlation_id;
		strcpy(r.u.setup_resp.aiotf_name, "aiotf-test");
		assert_int_equal(ngap_send(l, &r), AIOT_OK);
	}
	if (s->free_in_msg) {
		ngap_link_free(l);
		s->link = NULL;
	}
}

static void on_close(void *arg, ngap_link *l, const char *err)
{
	side *s = arg;
	ngap_msg m;

	assert_ptr_equal(l, s->link);
	assert_non_null(err);
	s->closed++;
	snprintf(s->err, sizeof s->err, "%s", err);
	memset(&m, 0, sizeof m);
	m.type = NGAP_INVENTORY_RESPONSE;
	s->send_rc_in_close = ngap_send(l, &m);
	if (s->free_in_close)
		ngap_link_free(l);
	s->link = NULL;
}

static void on_accept(void *arg, ngap_link *l)
{
	server *srv = arg;
	side *s;
	ngap_link_cbs cbs;

	assert_true(srv->naccepted < MAX_ACCEPT);
	s = &srv->acc[srv->naccepted++];
	s->link = l;
	s->reply = 1;
	s->free_in_msg = srv->free_in_msg;
	cbs = (ngap_link_cbs){on_msg, on_close, s, NULL};
	ngap_link_set_cbs(l, &cbs);
	ngap_link_set_user(l, s);
	assert_ptr_equal(ngap_link_user(l), s);
}

/* ---- helpers ----------------------------------------------------------------------------- */

static void tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Runs the loop until *flag becomes nonzero (10 s at most). */
static void run_until(const int *flag)
{
	struct timeval tv = {0, 5000};
	struct event *t = event_new(base, -1, EV_PERSIST, tick, NULL);
	int rounds = 0;

	event_add(t, &tv);
	while (!*flag && rounds++ < 2000)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
	assert_true(*flag);
}

/* Runs the loop for about ms milliseconds. */
static void run_for(int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* Runs the loop until *v >= n (10 s at most). */
static void run_until_count(const int *v, int n)
{
	for (int i = 0; i < 1000 && *v < n; i++)
		run_for(10);
	assert_true(*v >= n);
}

static void start_server(server *srv, const char *transport)
{
	char err[256] = "";

	memset(srv, 0, sizeof *srv);
	srv->ls = ngap_listen(base, "127.0.0.1:0", transport, on_accept, srv, err, sizeof err);
	assert_non_null(srv->ls);
	assert_true(ngap_listener_port(srv->ls) > 0);
}

static void stop_server(server *srv)
{
	for (int i = 0; i < srv->naccepted; i++) {
		ngap_link_free(srv->acc[i].link);
		ngap_free(srv->acc[i].last);
	}
	ngap_listener_free(srv->ls);
}

static ngap_link *connect_to(server *srv, const char *transport, side *c)
{
	char addr[64], err[256] = "";
	ngap_link_cbs cbs = {on_msg, on_close, c, NULL};

	snprintf(addr, sizeof addr, "127.0.0.1:%d", ngap_listener_port(srv->ls));
	c->link = ngap_connect(base, addr, transport, &cbs, err, sizeof err);
	assert_non_null(c->link);
	return c->link;
}

static void make_setup(ngap_msg *m, uint16_t corr)
{
	memset(m, 0, sizeof *m);
	m->type = NGAP_NG_SETUP_REQUEST;
	m->correlation_id = corr;
	m->u.setup_req.gnb_id = 0x00ABCDEF;
	m->u.setup_req.reader_index = 3;
	strcpy(m->u.setup_req.name, "reader-3");
}

/* A raw TCP peer: a blocking socket connected to the listener. */
static int raw_connect(server *srv)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)ngap_listener_port(srv->ls));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

static void raw_write(int fd, const void *p, size_t n)
{
	assert_int_equal(write(fd, p, n), (ssize_t)n);
}

/* The peer has closed fd (EOF or reset) within the timeout. */
static int raw_closed(int fd)
{
	struct pollfd pfd = {fd, POLLIN, 0};
	char buf[256];

	for (int i = 0; i < 100; i++) {
		if (poll(&pfd, 1, 20) == 1) {
			ssize_t r = read(fd, buf, sizeof buf);
			if (r <= 0)
				return 1;
		}
	}
	return 0;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void exchange(const char *transport)
{
	server srv;
	side c = {0};
	ngap_msg m;

	start_server(&srv, transport);
	connect_to(&srv, transport, &c);
	make_setup(&m, 77);
	assert_int_equal(ngap_send(c.link, &m), AIOT_OK); /* queued while connecting */
	run_until(&c.nmsg);
	assert_int_equal(srv.naccepted, 1);
	assert_int_equal(srv.acc[0].nmsg, 1);
	assert_int_equal(srv.acc[0].last->type, NGAP_NG_SETUP_REQUEST);
	assert_int_equal(srv.acc[0].last->u.setup_req.gnb_id, 0x00ABCDEF);
	assert_string_equal(srv.acc[0].last->u.setup_req.name, "reader-3");
	assert_int_equal(c.last->type, NGAP_NG_SETUP_RESPONSE);
	assert_int_equal(c.last->correlation_id, 77);
	assert_string_equal(c.last->u.setup_resp.aiotf_name, "aiotf-test");

	/* Client closes: the server side learns it. */
	ngap_link_free(c.link);
	c.link = NULL;
	run_until(&srv.acc[0].closed);
	assert_string_equal(srv.acc[0].err, "peer closed the connection");
	assert_int_equal(srv.acc[0].send_rc_in_close, AIOT_ERR_STATE);
	assert_int_equal(c.closed, 0); /* ngap_link_free: no on_close */
	ngap_free(c.last);
	stop_server(&srv);
}

static void test_tcp(void **state)
{
	(void)state;
	exchange("tcp");
}

static void test_auto(void **state)
{
	server srv;
	char err[256];

	(void)state;
	exchange("auto");
	start_server(&srv, "auto");
	/* This kernel may or may not have SCTP; either way "auto" gets a working listener. */
	const char *t = ngap_listener_transport(srv.ls);
	assert_true(strcmp(t, "sctp") == 0 || strcmp(t, "tcp") == 0);
	print_message("auto chose %s\n", t);
	stop_server(&srv);
	start_server(&srv, "tcp");
	assert_string_equal(ngap_listener_transport(srv.ls), "tcp");
	stop_server(&srv);

	/* "sctp" either works or fails saying so. */
	err[0] = '\0';
	ngap_listener *ls =
	    ngap_listen(base, "127.0.0.1:0", "sctp", on_accept, NULL, err, sizeof err);
	if (ls != NULL) {
		assert_string_equal(ngap_listener_transport(ls), "sctp");
		ngap_listener_free(ls);
	} else {
		assert_non_null(strstr(err, "SCTP"));
		print_message("sctp: %s\n", err);
	}
}

static void test_bad_arguments(void **state)
{
	char err[256];
	ngap_link_cbs cbs = {on_msg, on_close, NULL, NULL};

	(void)state;
	err[0] = '\0';
	assert_null(ngap_listen(base, "127.0.0.1:0", "udp", on_accept, NULL, err, sizeof err));
	assert_non_null(strstr(err, "transport"));
	const char *bad[] = {
	    "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:x", "[::1", ":1", ""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_null(ngap_listen(base, bad[i], "tcp", on_accept, NULL, err, sizeof err));
		assert_true(err[0] != '\0');
		assert_null(ngap_connect(base, bad[i], "tcp", &cbs, err, sizeof err));
	}
	assert_null(ngap_connect(base, "127.0.0.1:1", "bogus", &cbs, err, sizeof err));
	/* NULL error buffers are fine. */
	assert_null(ngap_connect(base, "nope", "tcp", &cbs, NULL, 0));
	/* Invalid messages are refused by ngap_send. */
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_NG_SETUP_RESPONSE; /* empty name */
	assert_int_equal(ngap_send(NULL, &m), AIOT_ERR_INVAL);
	ngap_link_free(NULL);
	ngap_listener_free(NULL);
	assert_int_equal(ngap_listener_port(NULL), -1);
}

/* A 2 MB Inventory Report each way: split over many reads and reassembled. */
static void test_big_report(void **state)
{
	enum { NDEV = 8000 }; /* 8000 * 263 octets = 2.1 MB */
	server srv;
	side c = {0};
	ngap_msg m;
	ngap_reader_report rr[2];
	ngap_device_report *devs = calloc(NDEV, sizeof *devs);

	(void)state;
	assert_non_null(devs);
	for (int i = 0; i < NDEV; i++)
		devs[i] = (ngap_device_report){nas + i % 7, (uint16_t)(NGAP_MAX_NAS_PDU - 6), 1,
		                               (uint32_t)i * 2654435761u};
	rr[0] = (ngap_reader_report){1, devs, NDEV - 1};
	rr[1] = (ngap_reader_report){2, devs + NDEV - 1, 1};
	memset(&m, 0, sizeof m);
	m.type = NGAP_INVENTORY_REPORT;
	m.correlation_id = 9;
	m.u.report.gnb_id = 5;
	m.u.report.readers = rr;
	m.u.report.nreaders = 2;
	m.u.report.complete = 1;
	assert_true(ngap_encoded_size(&m) > 2000000);

	start_server(&srv, "tcp");
	connect_to(&srv, "tcp", &c);
	assert_int_equal(ngap_send(c.link, &m), AIOT_OK);
	assert_int_equal(ngap_send(c.link, &m), AIOT_OK); /* two back to back */
	run_until(&srv.naccepted);
	run_until_count(&srv.acc[0].nmsg, 2);
	ngap_msg *r = srv.acc[0].last;
	assert_int_equal(r->type, NGAP_INVENTORY_REPORT);
	assert_int_equal(r->u.report.nreaders, 2);
	assert_int_equal(r->u.report.readers[0].ndevices, NDEV - 1);
	assert_int_equal(r->u.report.readers[1].ndevices, 1);
	for (int i = 0; i < NDEV - 1; i++) {
		const ngap_device_report *d = &r->u.report.readers[0].devices[i];
		assert_int_equal(d->nas_len, NGAP_MAX_NAS_PDU - 6);
		assert_memory_equal(d->nas_pdu, nas + i % 7, d->nas_len);
		assert_int_equal(d->ran_device_id, (uint32_t)i * 2654435761u);
	}

	/* And back from the accepted side. */
	assert_int_equal(ngap_send(srv.acc[0].link, &m), AIOT_OK);
	run_until(&c.nmsg);
	assert_int_equal(c.last->u.report.readers[1].devices[0].ran_device_id,
	                 (uint32_t)(NDEV - 1) * 2654435761u);

	ngap_link_free(c.link);
	ngap_free(c.last);
	stop_server(&srv);
	free(devs);
}

/* One frame trickled in one octet at a time (the length prefix split too), then two frames
 * in one write. */
static void test_partial_reads(void **state)
{
	server srv;
	ngap_msg m;
	uint8_t buf[512];
	int n, fd;

	(void)state;
	start_server(&srv, "tcp");
	fd = raw_connect(&srv);
	make_setup(&m, 1);
	n = ngap_encode(&m, buf + 4, sizeof buf - 4);
	assert_true(n > 0);
	buf[0] = 0;
	buf[1] = 0;
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	for (int i = 0; i < n + 4; i++) {
		raw_write(fd, buf + i, 1);
		run_for(2);
	}
	run_until(&srv.acc[0].nmsg);
	assert_int_equal(srv.acc[0].nmsg, 1);
	memcpy(buf + n + 4, buf, (size_t)n + 4);
	raw_write(fd, buf, 2 * ((size_t)n + 4));
	run_until_count(&srv.acc[0].nmsg, 3);
	assert_string_equal(srv.acc[0].last->u.setup_req.name, "reader-3");
	/* The replies arrived on the raw socket: 3 framed NG Setup Responses. */
	close(fd);
	run_until(&srv.acc[0].closed);
	stop_server(&srv);
}

/* A raw peer sends bytes; the accepted link must close with an error naming the problem,
 * and the listener keeps accepting. */
static void bad_peer(const uint8_t *bytes, size_t n, const char *want)
{
	server srv;
	side c = {0};
	ngap_msg m;
	int fd;

	start_server(&srv, "tcp");
	fd = raw_connect(&srv);
	raw_write(fd, bytes, n);
	run_until(&srv.acc[0].closed);
	print_message("closed: %s\n", srv.acc[0].err);
	assert_non_null(strstr(srv.acc[0].err, want));
	assert_true(raw_closed(fd));
	close(fd);

	/* Still accepting. */
	connect_to(&srv, "tcp", &c);
	make_setup(&m, 2);
	assert_int_equal(ngap_send(c.link, &m), AIOT_OK);
	run_until(&c.nmsg);
	assert_int_equal(srv.naccepted, 2);
	ngap_link_free(c.link);
	ngap_free(c.last);
	stop_server(&srv);
}

static void test_oversized_prefix(void **state)
{
	const uint8_t huge[] = {0x00, 0x40, 0x00, 0x01}; /* 4 MiB + 1 */
	const uint8_t max[] = {0xFF, 0xFF, 0xFF, 0xFF};

	(void)state;
	bad_peer(huge, sizeof huge, "exceeds");
	bad_peer(max, sizeof max, "exceeds");
}

static void test_garbage(void **state)
{
	const uint8_t garbage[] = {0, 0, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	const uint8_t bad_version[] = {0, 0, 0, 8, 9, NGAP_INVENTORY_RESPONSE, 0, 0, 0, 0, 0, 0};
	const uint8_t empty[] = {0, 0, 0, 0};
	const uint8_t http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

	(void)state;
	bad_peer(garbage, sizeof garbage, "decode");
	bad_peer(bad_version, sizeof bad_version, "unknown");
	bad_peer(empty, sizeof empty, "truncated");
	bad_peer(http, sizeof http - 1, "exceeds"); /* "GET " = 0x47455420 */
}

/* The raw peer stops in the middle of a frame. */
static void test_eof_mid_frame(void **state)
{
	const uint8_t part[] = {0, 0, 0, 20, 1, 2};
	server srv;
	int fd;

	(void)state;
	start_server(&srv, "tcp");
	fd = raw_connect(&srv);
	raw_write(fd, part, sizeof part);
	run_for(20);
	close(fd);
	run_until(&srv.acc[0].closed);
	assert_string_equal(srv.acc[0].err, "peer closed the connection in the middle of a frame");
	stop_server(&srv);
}

/* Freeing a link from inside on_msg with more frames buffered behind: no more callbacks,
 * nothing leaks, the peer sees the close. Also from inside on_close. */
static void test_free_in_callbacks(void **state)
{
	server srv;
	side c = {0};
	ngap_msg m;

	(void)state;
	start_server(&srv, "tcp");
	srv.free_in_msg = 1;
	connect_to(&srv, "tcp", &c);
	c.free_in_close = 1;
	make_setup(&m, 1);
	for (int i = 0; i < 5; i++)
		assert_int_equal(ngap_send(c.link, &m), AIOT_OK);
	run_until(&c.closed);
	assert_int_equal(srv.acc[0].nmsg, 1);
	assert_null(srv.acc[0].link);
	assert_int_equal(srv.acc[0].closed, 0);
	/* The reply sent just before ngap_link_free() was flushed, then the close. */
	assert_int_equal(c.nmsg, 1);
	assert_int_equal(c.last->type, NGAP_NG_SETUP_RESPONSE);
	/* FIN, or RST if frames were still unread in the server's socket. */
	assert_true(strstr(c.err, "peer closed") != NULL || strstr(c.err, "reset") != NULL);
	run_for(20);
	assert_int_equal(srv.acc[0].nmsg, 1);
	ngap_free(c.last);
	stop_server(&srv);
}

/* A connect that fails arrives through on_close. */
static void test_connect_refused(void **state)
{
	server srv;
	side c = {0};
	char addr[64];
	ngap_link_cbs cbs = {on_msg, on_close, &c, NULL};
	int port;

	(void)state;
	start_server(&srv, "tcp");
	port = ngap_listener_port(srv.ls);
	stop_server(&srv); /* the port is free again */
	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	c.link = ngap_connect(base, addr, "tcp", &cbs, NULL, 0);
	assert_non_null(c.link);
	run_until(&c.closed);
	print_message("refused: %s\n", c.err);
	assert_non_null(strstr(c.err, "connect failed"));
}

/* The listener is freed while accepted links live on; links are freed without running
 * the loop again. */
static void test_listener_free_first(void **state)
{
	server srv;
	side c = {0};
	ngap_msg m;

	(void)state;
	start_server(&srv, "tcp");
	connect_to(&srv, "tcp", &c);
	make_setup(&m, 1);
	assert_int_equal(ngap_send(c.link, &m), AIOT_OK);
	run_until(&c.nmsg);
	ngap_listener_free(srv.ls);
	assert_int_equal(ngap_send(srv.acc[0].link, &m), AIOT_OK);
	run_until_count(&c.nmsg, 2); /* the link outlives its listener */
	ngap_link_free(srv.acc[0].link);
	ngap_free(srv.acc[0].last);
	ngap_link_free(c.link);
	ngap_free(c.last);
}

static int setup(void **state)
{
	(void)state;
	base = event_base_new();
	return base == NULL;
}

static int teardown(void **state)
{
	(void)state;
	event_base_free(base);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_tcp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_auto, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_big_report, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_partial_reads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_oversized_prefix, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_eof_mid_frame, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_in_callbacks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connect_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_listener_free_first, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof nas; i++)
		nas[i] = (uint8_t)(i * 31 + 7);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
