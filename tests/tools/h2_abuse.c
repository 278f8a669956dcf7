/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h2_abuse: a tiny raw HTTP/2 (h2c, prior knowledge) client that misbehaves on purpose, for
 * tests/integration/sbi_abuse.sh. It writes frames by hand over a TCP socket (no library),
 * then reads what the server sends back and prints one line:
 *   MODE: sent=N status=S rst=CODE goaway=CODE closed=0|1 bytes=B t=SECONDS
 * status is the "status" of the first ProblemDetails (or -1 / the :status of a 200 when
 * visible as a static index), rst/goaway the first error codes seen ("-" for none), closed=1
 * when the server closed the connection, t the seconds from connect to the close (or to the
 * end). Exit 0 unless the connection could not be made.
 *
 * usage: h2_abuse HOST PORT MODE [PATH] [N] [SECONDS]
 * MODE: hpack-bomb, continuation-flood, big-header, trickle (content-length 1 GB), slow-body
 *       (content-length 100, 1 byte a second), settings-flood, ping-flood, rst-flood,
 *       window-overflow, slow-read (many requests, read nothing for SECONDS), zero-window (N
 *       GETs with a zero flow-control window, then a PING every 0.5 s for SECONDS, reading
 *       every frame), idle (send the preface and wait SECONDS), get (a well-behaved GET).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

#define T_DATA 0
#define T_HEADERS 1
#define T_RST 3
#define T_SETTINGS 4
#define T_PING 6
#define T_GOAWAY 7
#define T_WINDOW 8
#define T_CONT 9
#define F_END_STREAM 1
#define F_ACK 1
#define F_END_HEADERS 4

static int fd = -1;
static long sent;
static int status = -1;
static long rst_code = -1, goaway_code = -1;
static int closed;
static long rbytes;

static const char *code_name(long c)
{
	static const char *const n[] = {"NO_ERROR",
	                                "PROTOCOL_ERROR",
	                                "INTERNAL_ERROR",
	                                "FLOW_CONTROL_ERROR",
	                                "SETTINGS_TIMEOUT",
	                                "STREAM_CLOSED",
	                                "FRAME_SIZE_ERROR",
	                                "REFUSED_STREAM",
	                                "CANCEL",
	                                "COMPRESSION_ERROR",
	                                "CONNECT_ERROR",
	                                "ENHANCE_YOUR_CALM",
	                                "INADEQUATE_SECURITY",
	                                "HTTP_1_1_REQUIRED"};

	if (c < 0)
		return "-";
	return c < (long)(sizeof(n) / sizeof(n[0])) ? n[c] : "UNKNOWN";
}

/* 0, or -1 once the server stopped taking bytes (closed, or not reading for 2 s). */
static int put(const void *b, size_t n)
{
	const uint8_t *p = b;

	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int frame(uint8_t type, uint8_t flags, uint32_t sid, const void *payload, size_t len)
{
	uint8_t h[9] = {(uint8_t)(len >> 16),
	                (uint8_t)(len >> 8),
	                (uint8_t)len,
	                type,
	                flags,
	                (uint8_t)(sid >> 24 & 0x7f),
	                (uint8_t)(sid >> 16),
	                (uint8_t)(sid >> 8),
	                (uint8_t)sid};

	if (put(h, 9) != 0 || (len > 0 && put(payload, len) != 0))
		return -1;
	sent++;
	return 0;
}

/* HPACK (RFC 7541): literal without indexing, new name (0x00), or with incremental indexing
 * (0x40); lengths with a 7-bit prefix, no Huffman. */
static size_t hpack_int(uint8_t *o, uint8_t first, unsigned prefix, size_t v)
{
	size_t n = 0, max = (1u << prefix) - 1;

	if (v < max) {
		o[n++] = (uint8_t)(first | v);
		return n;
	}
	o[n++] = (uint8_t)(first | max);
	v -= max;
	while (v >= 128) {
		o[n++] = (uint8_t)(v % 128 + 128);
		v /= 128;
	}
	o[n++] = (uint8_t)v;
	return n;
}

static size_t hpack_lit(uint8_t *o, uint8_t kind, const char *name, const char *val, size_t vl)
{
	size_t n = 0, nl = strlen(name);

	o[n++] = kind;
	n += hpack_int(o + n, 0, 7, nl);
	memcpy(o + n, name, nl);
	n += nl;
	n += hpack_int(o + n, 0, 7, vl);
	memcpy(o + n, val, vl);
	return n + vl;
}

/* :method (static 2 GET / 3 POST), :scheme http (6), :path, :authority. */
static size_t req_head(uint8_t *o, int post, const char *path)
{
	size_t n = 0;

	o[n++] = post ? 0x83 : 0x82;
	o[n++] = 0x86;
	n += hpack_lit(o + n, 0x00, ":path", path, strlen(path));
	n += hpack_lit(o + n, 0x00, ":authority", "localhost", 9);
	return n;
}

static int preface(void)
{
	static const char pri[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

	return put(pri, sizeof(pri) - 1) || frame(T_SETTINGS, 0, 0, NULL, 0);
}

/* Reads frames for up to secs (or until close): ACKs SETTINGS, notes RST/GOAWAY/status. */
static void drain(double secs)
{
	static uint8_t buf[1 << 16];
	static size_t have;
	double end = aiot_mono_s() + secs;

	while (!closed) {
		double left = end - aiot_mono_s();
		struct pollfd pf = {fd, POLLIN, 0};
		ssize_t r;

		if (left <= 0 || poll(&pf, 1, (int)(left * 1000) + 1) <= 0)
			break;
		r = recv(fd, buf + have, sizeof(buf) - have, 0);
		if (r <= 0) {
			closed = 1;
			break;
		}
		rbytes += r;
		have += (size_t)r;
		for (;;) {
			size_t len, i;
			uint8_t type, flags;

			if (have < 9)
				break;
			len = (size_t)buf[0] << 16 | (size_t)buf[1] << 8 | buf[2];
			if (len > sizeof(buf) - 9) { /* bigger than we take: stop parsing */
				have = 0;
				break;
			}
			if (have < 9 + len)
				break;
			type = buf[3];
			flags = buf[4];
			if (type == T_SETTINGS && !(flags & F_ACK))
				frame(T_SETTINGS, F_ACK, 0, NULL, 0);
			else if (type == T_RST && len >= 4 && rst_code < 0)
				rst_code =
				    (long)buf[9] << 24 | buf[10] << 16 | buf[11] << 8 | buf[12];
			else if (type == T_GOAWAY && len >= 8 && goaway_code < 0)
				goaway_code =
				    (long)buf[13] << 24 | buf[14] << 16 | buf[15] << 8 | buf[16];
			else if (type == T_HEADERS && status < 0 && len > 0 && buf[9] == 0x88)
				status = 200; /* :status 200 from the static table */
			else if (type == T_DATA && status < 0) {
				for (i = 9; i + 9 < 9 + len; i++)
					if (memcmp(buf + i, "\"status\":", 9) == 0) {
						status = atoi((char *)buf + i + 9);
						break;
					}
			}
			memmove(buf, buf + 9 + len, have - 9 - len);
			have -= 9 + len;
		}
	}
}

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = {0}, *ai;
	struct timeval tv = {2, 0};
	int s;

	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	s = socket(ai->ai_family, SOCK_STREAM, 0);
	if (s >= 0 && connect(s, ai->ai_addr, ai->ai_addrlen) != 0) {
		close(s);
		s = -1;
	}
	freeaddrinfo(ai);
	if (s >= 0)
		setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return s;
}

int main(int argc, char **argv)
{
	static uint8_t b[1 << 17];
	const char *mode, *path;
	long n, i;
	double secs, t0;
	size_t k;
	char big[4000];

	if (argc < 4) {
		fprintf(stderr, "usage: h2_abuse HOST PORT MODE [PATH] [N] [SECONDS]\n");
		return 2;
	}
	mode = argv[3];
	path = argc > 4 ? argv[4] : "/";
	n = argc > 5 ? atol(argv[5]) : 10000;
	secs = argc > 6 ? atof(argv[6]) : 3;
	t0 = aiot_mono_s();
	fd = connect_to(argv[1], argv[2]);
	if (fd < 0) {
		fprintf(stderr, "h2_abuse: cannot connect to %s:%s\n", argv[1], argv[2]);
		return 1;
	}
	memset(big, 'a', sizeof(big));
	if (preface() != 0)
		goto report;
	if (strcmp(mode, "get") == 0) {
		k = req_head(b, 0, path);
		frame(T_HEADERS, F_END_HEADERS | F_END_STREAM, 1, b, k);
	} else if (strcmp(mode, "hpack-bomb") == 0) {
		/* One ~4 KB header into the dynamic table (RFC 7541 4.1: 4000 + 6 + 32 fits in
		 * 4096), then n references to it (index 62: one byte each). */
		k = req_head(b, 0, path);
		k += hpack_lit(b + k, 0x40, "x-bomb", big, sizeof(big) - 10);
		for (i = 0; i < n && k < sizeof(b); i++)
			b[k++] = 0x80 | 62;
		for (size_t off = 0; off < k; off += 16384) {
			size_t len = k - off < 16384 ? k - off : 16384;
			uint8_t fl = off + len == k ? F_END_HEADERS : 0;

			if (frame(off == 0 ? T_HEADERS : T_CONT, fl | (off == 0 ? F_END_STREAM : 0),
			          1, b + off, len) != 0)
				break;
		}
	} else if (strcmp(mode, "big-header") == 0) {
		/* One header of n bytes (default 64 KB), split over CONTINUATION frames. */
		static char v[1 << 20];
		size_t vl = n > 0 && (size_t)n < sizeof(v) ? (size_t)n : 65536;

		memset(v, 'b', vl);
		k = req_head(b, 0, path);
		if (k + vl + 16 > sizeof(b))
			vl = sizeof(b) - k - 16;
		k += hpack_lit(b + k, 0x00, "x-big", v, vl);
		for (size_t off = 0; off < k; off += 16384) {
			size_t len = k - off < 16384 ? k - off : 16384;
			uint8_t fl = off + len == k ? F_END_HEADERS : 0;

			if (frame(off == 0 ? T_HEADERS : T_CONT, fl | (off == 0 ? F_END_STREAM : 0),
			          1, b + off, len) != 0)
				break;
		}
	} else if (strcmp(mode, "continuation-flood") == 0) {
		/* A header block that never ends: n CONTINUATION frames of small headers. */
		k = req_head(b, 0, path);
		if (frame(T_HEADERS, F_END_STREAM, 1, b, k) == 0)
			for (i = 0; i < n; i++) {
				k = hpack_lit(b, 0x00, "x-c", "continuation", 12);
				if (frame(T_CONT, 0, 1, b, k) != 0)
					break;
			}
	} else if (strcmp(mode, "trickle") == 0 || strcmp(mode, "slow-body") == 0) {
		/* POST with a content-length it never completes, one byte per second. */
		const char *cl = strcmp(mode, "trickle") == 0 ? "1000000000" : "100";
		double end = aiot_mono_s() + secs;

		k = req_head(b, 1, path);
		k += hpack_lit(b + k, 0x00, "content-type", "application/json", 16);
		k += hpack_lit(b + k, 0x00, "content-length", cl, strlen(cl));
		if (frame(T_HEADERS, F_END_HEADERS, 1, b, k) == 0)
			while (aiot_mono_s() < end && !closed && status < 0 && rst_code < 0) {
				if (frame(T_DATA, 0, 1, "{", 1) != 0)
					break;
				drain(1);
			}
	} else if (strcmp(mode, "settings-flood") == 0) {
		for (i = 0; i < n; i++)
			if (frame(T_SETTINGS, 0, 0, NULL, 0) != 0)
				break;
	} else if (strcmp(mode, "ping-flood") == 0) {
		for (i = 0; i < n; i++)
			if (frame(T_PING, 0, 0, "12345678", 8) != 0)
				break;
	} else if (strcmp(mode, "rst-flood") == 0) {
		/* "Rapid reset": open a stream and cancel it at once, n times. */
		static const uint8_t cancel[4] = {0, 0, 0, 8};

		for (i = 0; i < n; i++) {
			k = req_head(b, 0, path);
			if (frame(T_HEADERS, F_END_HEADERS | F_END_STREAM, (uint32_t)(2 * i + 1), b,
			          k) ||
			    frame(T_RST, 0, (uint32_t)(2 * i + 1), cancel, 4))
				break;
		}
	} else if (strcmp(mode, "window-overflow") == 0) {
		/* RFC 9113 6.9.1: a window above 2^31-1 is a FLOW_CONTROL_ERROR. */
		static const uint8_t inc[4] = {0x7f, 0xff, 0xff, 0xff};

		frame(T_WINDOW, 0, 0, inc, 4);
		frame(T_WINDOW, 0, 0, inc, 4);
	} else if (strcmp(mode, "slow-read") == 0) {
		/* SETTINGS_INITIAL_WINDOW_SIZE 0: the server may not send a byte of body; then
		 * n requests on up to 100 streams at a time, and read nothing for secs. */
		static const uint8_t win0[6] = {0, 4, 0, 0, 0, 0};

		frame(T_SETTINGS, 0, 0, win0, 6);
		for (i = 0; i < n; i++) {
			k = req_head(b, 0, path);
			if (frame(T_HEADERS, F_END_HEADERS | F_END_STREAM, (uint32_t)(2 * i + 1), b,
			          k))
				break;
		}
		{
			double end = aiot_mono_s() + secs;

			while (aiot_mono_s() < end) {
				char c;
				ssize_t r = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

				if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
					closed = 1;
					break;
				}
				usleep(200000);
			}
		}
		if (!closed)
			drain(0.5);
		goto report;
	} else if (strcmp(mode, "zero-window") == 0) {
		/* The answers are ready but may not flow (RFC 9113 6.9.2); PINGs are answered, so
		 * the connection is anything but silent. */
		static const uint8_t win0[6] = {0, 4, 0, 0, 0, 0};
		double end = aiot_mono_s() + secs;

		frame(T_SETTINGS, 0, 0, win0, 6);
		for (i = 0; i < n; i++) {
			k = req_head(b, 0, path);
			if (frame(T_HEADERS, F_END_HEADERS | F_END_STREAM, (uint32_t)(2 * i + 1), b,
			          k))
				break;
		}
		while (!closed && aiot_mono_s() < end) {
			if (frame(T_PING, 0, 0, "zerowind", 8) != 0) {
				/* the server closed between two PINGs: the write says so first */
				closed = errno == EPIPE || errno == ECONNRESET;
				break;
			}
			drain(0.5);
		}
		goto report;
	} else if (strcmp(mode, "idle") == 0) {
		drain(secs);
		goto report;
	} else {
		fprintf(stderr, "h2_abuse: unknown mode %s\n", mode);
		close(fd);
		return 2;
	}
	drain(secs);
report:
	printf("%s: sent=%ld status=%d rst=%s goaway=%s closed=%d bytes=%ld t=%.1f\n", mode, sent,
	       status, code_name(rst_code), code_name(goaway_code), closed, rbytes,
	       aiot_mono_s() - t0);
	close(fd);
	return 0;
}
