/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ng_abuse: many NG links that do nothing useful, against the AIOTF's NG listener
 * (tests/integration/ng_abuse.sh, docs/security.md). Each link connects over TCP and, as
 * asked, completes NG Setup (a distinct gNB ID per link), announces a frame of the maximum
 * size and sends only part of it, or stays silent: it reads what the AIOTF sends (and counts
 * the Inventory Requests) but never answers. One JSON line when every link is in place
 *   {"event":"ready","opened":N,"refused":R,"setup":S}
 * (refused: closed by the AIOTF before that), and one when every link is closed or the hold
 * time is over:
 *   {"event":"summary","opened":N,"setup":S,"closed_by_peer":C,"last_close_ms":T,
 *    "inventory_requests":I}
 * (last_close_ms: since the links were ready). --bind gives the links source addresses
 * (loopback 127/8 is all local on Linux): --per-address links from each, then the next.
 */
#include <errno.h>
#include <getopt.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/clock.h"
#include "ngap/ngap_aiot.h"

static const char usage_text[] =
    "usage: ng_abuse --aiotf HOST:PORT --links N [--setup] [--half-frame OCTETS]\n"
    "                [--gnb-base N] [--hold-ms MS] [--bind IPV4 [--per-address N]]\n";

typedef struct lnk {
	int fd;
	int setup; /* NG Setup Response received */
	uint8_t hdr[4];
	size_t have; /* octets of hdr, then of msg */
	uint32_t flen;
	uint8_t *msg;
	uint64_t closed_ms; /* 0: open */
	int early;          /* closed before the links were ready */
} lnk;

/* src: host-order IPv4 source address, 0 for any. */
static int dial(const struct addrinfo *ai, uint32_t src)
{
	int fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(src)};
	if ((src != 0 && bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0) ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_setup(int fd, uint32_t gnb)
{
	ngap_msg m;
	uint8_t buf[512];
	memset(&m, 0, sizeof m);
	m.type = NGAP_NG_SETUP_REQUEST;
	m.u.setup_req.gnb_id = gnb;
	m.u.setup_req.reader_index = 1;
	snprintf(m.u.setup_req.name, sizeof m.u.setup_req.name, "abuse-%u", gnb);
	size_t n = ngap_encoded_size(&m);
	if (n == 0 || n + 4 > sizeof buf || ngap_encode(&m, buf + 4, n) < 0)
		return -1;
	aiot_put_be32(buf, (uint32_t)n);
	return send_all(fd, buf, n + 4);
}

/* The prefix of a maximum-size frame, then part octets of it (never the whole). */
static int send_half(int fd, size_t part)
{
	static uint8_t junk[65536];
	uint8_t pfx[4] = {(uint8_t)(NGAP_MAX_MESSAGE >> 24), (uint8_t)(NGAP_MAX_MESSAGE >> 16),
	                  (uint8_t)(NGAP_MAX_MESSAGE >> 8), (uint8_t)NGAP_MAX_MESSAGE};
	if (send_all(fd, pfx, 4) != 0)
		return -1;
	while (part > 0) {
		size_t n = part < sizeof junk ? part : sizeof junk;
		if (send_all(fd, junk, n) != 0)
			return -1;
		part -= n;
	}
	return 0;
}

/* Read what is there; frames decoded for their type. -1 when the peer closed. */
static int pump(lnk *l, unsigned long *invreq)
{
	uint8_t buf[16384];
	ssize_t r = recv(l->fd, buf, sizeof buf, MSG_DONTWAIT);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	for (ssize_t i = 0; i < r;) {
		if (l->msg == NULL) {
			l->hdr[l->have++] = buf[i++];
			if (l->have < 4)
				continue;
			l->flen = aiot_get_be32(l->hdr);
			if (l->flen == 0 || l->flen > NGAP_MAX_MESSAGE ||
			    (l->msg = malloc(l->flen)) == NULL)
				return -1;
			l->have = 0;
			continue;
		}
		size_t n =
		    (size_t)(r - i) < l->flen - l->have ? (size_t)(r - i) : l->flen - l->have;
		memcpy(l->msg + l->have, buf + i, n);
		l->have += n;
		i += (ssize_t)n;
		if (l->have < l->flen)
			continue;
		ngap_msg *m = NULL;
		if (ngap_decode(l->msg, l->flen, &m) == 0) {
			if (m->type == NGAP_NG_SETUP_RESPONSE)
				l->setup = 1;
			else if (m->type == NGAP_INVENTORY_REQUEST)
				(*invreq)++;
			ngap_free(m);
		}
		free(l->msg);
		l->msg = NULL;
		l->have = 0;
	}
	return 0;
}

/* Poll every open link until cond() holds or deadline; closes are timestamped from t0. */
static void run(lnk *L, int n, struct pollfd *pf, uint64_t deadline, uint64_t t0,
                unsigned long *invreq, int (*cond)(const lnk *, int))
{
	while (aiot_mono_ms() < deadline && !cond(L, n)) {
		int k = 0;
		for (int i = 0; i < n; i++)
			if (L[i].closed_ms == 0)
				pf[k++] = (struct pollfd){.fd = L[i].fd, .events = POLLIN};
		if (k == 0)
			return;
		if (poll(pf, (nfds_t)k, 50) < 0 && errno != EINTR)
			return;
		for (int i = 0, j = 0; i < n; i++) {
			if (L[i].closed_ms != 0)
				continue;
			if ((pf[j++].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    pump(&L[i], invreq) < 0) {
				L[i].closed_ms = aiot_mono_ms() - t0 + 1;
				close(L[i].fd);
			}
		}
	}
}

static int all_set_up(const lnk *L, int n)
{
	for (int i = 0; i < n; i++)
		if (L[i].closed_ms == 0 && !L[i].setup)
			return 0;
	return 1;
}

static int all_closed(const lnk *L, int n)
{
	for (int i = 0; i < n; i++)
		if (L[i].closed_ms == 0)
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"aiotf", 1, 0, 'a'},      {"links", 1, 0, 'n'},       {"setup", 0, 0, 's'},
	    {"half-frame", 1, 0, 'f'}, {"gnb-base", 1, 0, 'g'},    {"hold-ms", 1, 0, 'h'},
	    {"bind", 1, 0, 'b'},       {"per-address", 1, 0, 'p'}, {0, 0, 0, 0}};
	struct in_addr bind_ip = {0};
	int per = 1 << 30;
	const char *aiotf = NULL;
	int n = 0, setup = 0, c;
	size_t half = 0;
	uint32_t gnb = 100000;
	uint64_t hold = 10000;
	unsigned long invreq = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'a':
			aiotf = optarg;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 's':
			setup = 1;
			break;
		case 'f':
			half = strtoul(optarg, NULL, 10);
			break;
		case 'g':
			gnb = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'h':
			hold = strtoull(optarg, NULL, 10);
			break;
		case 'b':
			if (inet_pton(AF_INET, optarg, &bind_ip) != 1) {
				fputs(usage_text, stderr);
				return 2;
			}
			break;
		case 'p':
			per = atoi(optarg) > 0 ? atoi(optarg) : 1;
			break;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	char host[256], *colon;
	if (aiotf == NULL || n < 1 || half >= NGAP_MAX_MESSAGE || strlen(aiotf) >= sizeof host ||
	    (colon = strrchr(strcpy(host, aiotf), ':')) == NULL) {
		fputs(usage_text, stderr);
		return 2;
	}
	*colon = '\0';
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0) {
		fprintf(stderr, "ng_abuse: cannot resolve %s\n", aiotf);
		return 2;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	lnk *L = calloc((size_t)n, sizeof *L);
	struct pollfd *pf = calloc((size_t)n, sizeof *pf);
	if (L == NULL || pf == NULL)
		return 1;
	uint64_t t0 = aiot_mono_ms();
	int opened = 0;
	for (int i = 0; i < n; i++) {
		uint32_t src = ntohl(bind_ip.s_addr);
		L[i].fd = dial(ai, src ? src + (uint32_t)(i / per) : 0);
		if (L[i].fd < 0 || (setup && send_setup(L[i].fd, gnb + (uint32_t)i) != 0)) {
			L[i].closed_ms = 1;
			if (L[i].fd >= 0)
				close(L[i].fd);
			continue;
		}
		opened++;
	}
	freeaddrinfo(ai);
	if (setup)
		run(L, n, pf, aiot_mono_ms() + 20000, t0, &invreq, all_set_up);
	for (int i = 0; half > 0 && i < n; i++)
		if (L[i].closed_ms == 0 && send_half(L[i].fd, half) != 0) {
			L[i].closed_ms = aiot_mono_ms() - t0 + 1;
			close(L[i].fd);
		}
	int nset = 0, refused = 0;
	for (int i = 0; i < n; i++) {
		nset += L[i].setup;
		refused += L[i].closed_ms != 0;
	}
	printf("{\"event\":\"ready\",\"opened\":%d,\"refused\":%d,\"setup\":%d}\n", opened, refused,
	       nset);
	fflush(stdout);
	for (int i = 0; i < n; i++)
		L[i].early = L[i].closed_ms != 0;
	t0 = aiot_mono_ms();
	run(L, n, pf, t0 + hold, t0, &invreq, all_closed);
	int closed = 0;
	uint64_t last = 0;
	for (int i = 0; i < n; i++) {
		if (!L[i].early && L[i].closed_ms != 0) {
			closed++;
			last = L[i].closed_ms > last ? L[i].closed_ms : last;
		}
	}
	printf("{\"event\":\"summary\",\"opened\":%d,\"setup\":%d,\"closed_by_peer\":%d,"
	       "\"last_close_ms\":%llu,\"inventory_requests\":%lu}\n",
	       opened, nset, closed, (unsigned long long)last, invreq);
	for (int i = 0; i < n; i++) {
		if (L[i].closed_ms == 0)
			close(L[i].fd);
		free(L[i].msg);
	}
	free(L);
	free(pf);
	return 0;
}
