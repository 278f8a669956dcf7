/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rogue_air: an attacker with a radio on the simulated air interface (docs/protocol.md
 * §5), for tests/integration/attacks.sh. It holds no key. Modes:
 *
 *   page   --air ADDR [--forge K]
 *          pages every device itself (its own session and RAND_AIOT_n, TS 33.369 5.2.2
 *          step 3), reads them over framed slotted ALOHA rounds, then sends each device K
 *          Command Requests with a made-up MAC (COUNT 0..K-1): the network impersonation of
 *          the seed threat. A device must answer none.
 *   relay  --listen ADDR --air ADDR --record FILE [--dup-commands]
 *          a man in the middle between aiot-reader (--air pointing here) and aiot-devsim:
 *          forwards every frame both ways and records what it overhears, one line each:
 *            inv HEX                 a D2R Inventory Response (a SLOT SINGLE's NAS PDU)
 *            cmd IDHEX FRAMEHEX      an R2D COMMAND frame and the identifier it was sent to
 *          --dup-commands sends every COMMAND twice: the second copy is a replay within the
 *          session (an old COUNT), which the device must reject.
 *          --page-before-command N: the paging abort (TS 33.369 5.2.2 NOTE 1), deterministic:
 *          right before forwarding a COMMAND, pages its device N times in fresh sessions of
 *          its own (SINGLE by the identifier overheard, else ALL; answers discarded).
 *          --foreign-pagings N: amplification (TS 33.369 5.2.2 NOTE 2): right before forwarding
 *          a reader's PAGING, sends N copies of it with random RAND_AIOT_n (same session and
 *          round): the devices' answers to them reach the reader in its own round. The
 *          ROUND_END frames of those N rounds are not forwarded (the reader's round goes on).
 *   replay --air ADDR --record FILE [--verbatim]
 *          replays the recorded Command Requests into a new session: pages every device
 *          (new RAND_AIOT_n, so new RAND_AIOT_d and K_AIOTF) and sends each recorded NAS PDU
 *          to every device presenting the identifier it was recorded for. --verbatim resends
 *          the recorded frames unchanged (their session is over).
 *   flood  --air ADDR --rate N --duration-ms MS [--q Q]
 *          PAGING for ALL devices, each in a fresh random session with a random RAND_AIOT_n,
 *          N per second (TS 33.369 5.2.2 NOTE 1 and NOTE 2); the answers are drained.
 *
 * Each mode prints one JSON summary line on stdout, e.g.
 *   {"mode":"page","devices":204,"rounds":5,"commands_sent":408,"command_responses":0}
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "air/air.h"
#include "air/air_udp.h"
#include "common/aiot_err.h"
#include "common/clock.h"
#include "common/hex.h"
#include "nas/nas.h"

static const char usage_text[] =
    "usage: rogue_air page   --air ADDR:PORT [--forge K] [--q Q]\n"
    "       rogue_air relay  --listen ADDR:PORT --air ADDR:PORT --record FILE [--dup-commands]\n"
    "                        [--page-before-command N] [--foreign-pagings N]\n"
    "       rogue_air replay --air ADDR:PORT --record FILE [--verbatim] [--q Q]\n"
    "       rogue_air flood  --air ADDR:PORT --rate N --duration-ms MS [--q Q]\n";

typedef struct ident {
	uint8_t len;
	uint8_t b[AIOT_NAS_MAX_ID_LEN];
} ident;

typedef struct dev { /* a device read in our own session */
	uint32_t handle;
	ident id;
} dev;

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void oom(void)
{
	fputs("rogue_air: out of memory\n", stderr);
	exit(1);
}

static void rnd(void *p, size_t n)
{
	if (getrandom(p, n, 0) != (ssize_t)n)
		oom();
}

static int send_frame(int fd, const air_frame *f)
{
	uint8_t buf[AIR_MAX_FRAME];
	int n = air_encode(f, buf, sizeof buf);
	if (n <= 0)
		return -1;
	return send(fd, buf, (size_t)n, 0) == n ? 0 : -1;
}

/* Wait up to ms for one datagram; its length, 0 on timeout, -1 on error/signal. */
static ssize_t recv_wait(int fd, uint8_t *buf, size_t cap, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r = poll(&p, 1, ms);
	if (r <= 0)
		return r == 0 ? 0 : -1;
	ssize_t n = recv(fd, buf, cap, 0);
	return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : n;
}

static int air_socket(const char *peer_s, const char *bind_s)
{
	air_addr peer, local;
	socklen_t len;
	char err[256];
	if ((peer_s && air_addr_parse(peer_s, &peer, &len, err, sizeof err) != 0) ||
	    (bind_s && air_addr_parse(bind_s, &local, &len, err, sizeof err) != 0)) {
		fprintf(stderr, "rogue_air: %s\n", err);
		exit(1);
	}
	int fd = air_udp_socket(bind_s ? &local : NULL, peer_s ? &peer : NULL, err, sizeof err);
	if (fd < 0) {
		fprintf(stderr, "rogue_air: %s\n", err);
		exit(1);
	}
	return fd;
}

/* The identifier an Inventory Response presents (NONE: the paging's, if SINGLE). */
static int resp_ident(const uint8_t *nas, size_t len, const ident *paged, ident *out)
{
	aiot_nas_inventory_response m;
	if (aiot_nas_decode_inventory_response(nas, len, &m) != AIOT_OK)
		return -1;
	if (m.id_type == AIOT_NAS_ID_NONE) {
		if (paged == NULL || paged->len == 0)
			return -1;
		*out = *paged;
		return 0;
	}
	out->len = m.id_len;
	memcpy(out->b, m.id, m.id_len);
	return 0;
}

static void send_acks(int fd, uint32_t session, const uint32_t *h, size_t n)
{
	for (size_t i = 0; i < n; i += AIR_MAX_ACK) {
		air_frame f = {.type = AIR_ACK, .session = session};
		f.u.ack.n = (uint16_t)(n - i < AIR_MAX_ACK ? n - i : AIR_MAX_ACK);
		f.u.ack.handles = h + i;
		send_frame(fd, &f);
	}
}

/* Read every device that answers a PAGING for ALL in session `session`, as a reader does:
 * rounds until one is silent, ACKing each round's singles. */
static dev *inventory(int fd, uint32_t session, int q, size_t *ndev, unsigned *rounds)
{
	dev *d = NULL;
	size_t n = 0, cap = 0;
	uint8_t rand_n[16], buf[AIR_MAX_FRAME];
	uint32_t *acks = NULL;
	rnd(rand_n, sizeof rand_n);
	for (unsigned r = 0; r < 64 && !stop; r++) {
		air_frame pg = {.type = AIR_PAGING, .session = session};
		pg.u.paging.round = (uint16_t)r;
		pg.u.paging.q = (uint8_t)q;
		pg.u.paging.kind = AIR_IDENT_ALL;
		memcpy(pg.u.paging.rand_n, rand_n, 16);
		send_frame(fd, &pg);
		*rounds = r + 1;
		size_t nacks = 0;
		int ended = 0;
		unsigned single = 0, collided = 0, empty = 0;
		uint64_t deadline = aiot_mono_ms() + 3000;
		while (!ended && !stop) {
			uint64_t t = aiot_mono_ms();
			if (t >= deadline)
				break;
			ssize_t len = recv_wait(fd, buf, sizeof buf, (int)(deadline - t));
			air_frame f;
			if (len <= 0 || air_decode(buf, (size_t)len, &f) != AIOT_OK ||
			    f.session != session)
				continue;
			if (f.type == AIR_SLOT && f.u.slot.round == r &&
			    f.u.slot.outcome == AIR_SLOT_SINGLE) {
				if (n == cap) {
					cap = cap ? 2 * cap : 256;
					if ((d = realloc(d, cap * sizeof *d)) == NULL ||
					    (acks = realloc(acks, cap * sizeof *acks)) == NULL)
						oom();
				}
				memset(&d[n], 0, sizeof d[n]);
				d[n].handle = f.u.slot.handle;
				resp_ident(f.u.slot.nas, f.u.slot.nas_len, NULL, &d[n].id);
				acks[nacks++] = f.u.slot.handle;
				n++;
			} else if (f.type == AIR_ROUND_END && f.u.round_end.round == r) {
				single = f.u.round_end.single;
				collided = f.u.round_end.collided;
				empty = f.u.round_end.empty;
				ended = 1;
			}
		}
		send_acks(fd, session, acks, nacks);
		if (!ended)
			continue; /* lost ROUND_END: same Q again */
		if (single == 0 && collided == 0)
			break;
		double backlog = 2.39 * collided;
		if (empty == 0)
			backlog = fmax(backlog, 4.0 * (1u << q));
		q = backlog < 1.5 ? 0 : (int)lround(log2(backlog));
		q = q < 0 ? 0 : q > AIR_MAX_Q ? AIR_MAX_Q : q;
	}
	free(acks);
	*ndev = n;
	return d;
}

static void release(int fd, uint32_t session)
{
	air_frame f = {.type = AIR_RELEASE, .session = session};
	send_frame(fd, &f);
}

static int send_command(int fd, uint32_t session, uint32_t handle, const uint8_t *nas, uint16_t len)
{
	air_frame f = {.type = AIR_COMMAND, .session = session};
	f.u.cmd.handle = handle;
	f.u.cmd.nas = nas;
	f.u.cmd.nas_len = len;
	return send_frame(fd, &f);
}

/* COMMAND_RESP frames of `session` arriving within ms. */
static unsigned count_responses(int fd, uint32_t session, int ms)
{
	uint8_t buf[AIR_MAX_FRAME];
	unsigned c = 0;
	uint64_t deadline = aiot_mono_ms() + (uint64_t)ms;
	for (uint64_t t; (t = aiot_mono_ms()) < deadline && !stop;) {
		ssize_t len = recv_wait(fd, buf, sizeof buf, (int)(deadline - t));
		air_frame f;
		if (len > 0 && air_decode(buf, (size_t)len, &f) == AIOT_OK &&
		    f.type == AIR_COMMAND_RESP && (session == 0 || f.session == session))
			c++;
	}
	return c;
}

/* ---- page: forged Command Requests -------------------------------------------------------- */

static int mode_page(const char *air, int q, unsigned forge)
{
	int fd = air_socket(air, NULL);
	uint32_t session;
	unsigned rounds = 0, sent = 0;
	size_t n = 0;
	rnd(&session, sizeof session);
	dev *d = inventory(fd, session, q, &n, &rounds);
	for (size_t i = 0; i < n; i++)
		for (unsigned k = 0; k < forge; k++) {
			/* A READ with COUNT k and a MAC made up: no K_AIOT_int, no valid MAC. */
			uint8_t plain[8], pdu[AIOT_NAS_MAX_PDU];
			aiot_nas_command c = {.cmd = AIOT_CMD_READ, .offset = 0, .length = 8};
			int pl = aiot_nas_encode_command(&c, plain, sizeof plain);
			aiot_nas_protected p = {.type = AIOT_NAS_COMMAND_REQUEST,
			                        .count = k,
			                        .payload = plain,
			                        .payload_len = pl > 0 ? (size_t)pl : 0};
			rnd(p.mac, sizeof p.mac);
			int len = aiot_nas_encode_protected(&p, pdu, sizeof pdu);
			if (len > 0 &&
			    send_command(fd, session, d[i].handle, pdu, (uint16_t)len) == 0)
				sent++;
		}
	unsigned resp = count_responses(fd, session, 1000);
	release(fd, session);
	printf("{\"mode\":\"page\",\"devices\":%zu,\"rounds\":%u,\"commands_sent\":%u,"
	       "\"command_responses\":%u}\n",
	       n, rounds, sent, resp);
	free(d);
	close(fd);
	return 0;
}

/* ---- relay: man in the middle, recording ------------------------------------------------- */

typedef struct seen { /* (session, handle) -> identifier, from the SLOT SINGLEs overheard */
	uint32_t session, handle;
	ident id;
} seen;

typedef struct paged { /* session -> identifier of a SINGLE paging */
	uint32_t session;
	ident id;
} paged;

static void hex_line(FILE *out, const char *tag, const ident *id, const uint8_t *b, size_t n)
{
	char *h = malloc(2 * (n > AIOT_NAS_MAX_ID_LEN ? n : AIOT_NAS_MAX_ID_LEN) + 1);
	if (h == NULL)
		oom();
	fputs(tag, out);
	if (id != NULL) {
		aiot_hex_encode(id->b, id->len, h);
		fprintf(out, " %s", h);
	}
	aiot_hex_encode(b, n, h);
	fprintf(out, " %s\n", h);
	fflush(out);
	free(h);
}

/* --page-before-command: n pagings of the device id names (all devices if NULL), each in a
 * fresh session with a fresh RAND_AIOT_n, from the attacker's own radio fd. */
static unsigned abort_pages(int fd, const ident *id, unsigned n)
{
	unsigned sent = 0;
	for (unsigned i = 0; i < n; i++) {
		air_frame f = {.type = AIR_PAGING};
		rnd(&f.session, sizeof f.session);
		f.u.paging.q = 0;
		f.u.paging.kind = id != NULL ? AIR_IDENT_SINGLE : AIR_IDENT_ALL;
		if (id != NULL) {
			f.u.paging.ident = id->b;
			f.u.paging.ident_bits = (uint16_t)(8u * id->len);
		}
		rnd(f.u.paging.rand_n, 16);
		sent += send_frame(fd, &f) == 0;
	}
	return sent;
}

/* --foreign-pagings: ROUND_ENDs of our own pagings still to swallow, per (session, round). */
typedef struct swallow {
	uint32_t session;
	uint16_t round;
	unsigned left;
} swallow;

static void foreign_pages(int fd, const air_frame *genuine, unsigned n, swallow *sw)
{
	air_frame f = *genuine;
	for (unsigned i = 0; i < n; i++) {
		rnd(f.u.paging.rand_n, 16);
		sw->left += send_frame(fd, &f) == 0;
	}
	sw->session = genuine->session;
	sw->round = genuine->u.paging.round;
}

/* 1 if f is the ROUND_END of one of our own pagings (not to be forwarded). */
static int swallowed(swallow *sw, size_t n, const air_frame *f)
{
	for (size_t i = 0; i < n; i++)
		if (sw[i].left && sw[i].session == f->session &&
		    sw[i].round == f->u.round_end.round) {
			sw[i].left--;
			return 1;
		}
	return 0;
}

static int mode_relay(const char *listen, const char *air, const char *record, int dup,
                      unsigned abort_n, unsigned foreign_n)
{
	int lfd = air_socket(NULL, listen), ufd = air_socket(air, NULL);
	int afd = abort_n ? air_socket(air, NULL) : -1; /* the attacker's own radio */
	FILE *out = fopen(record, "a");
	air_addr reader;
	socklen_t rlen = 0;
	seen *sv = NULL;
	size_t nseen = 0, seencap = 0;
	paged pg[256];
	size_t npg = 0;
	unsigned long up = 0, down = 0, cmds = 0, invs = 0, dups = 0, aborts = 0, foreign = 0;
	swallow sw[64];
	size_t nsw = 0;
	uint8_t buf[AIR_MAX_FRAME + 1];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char a[128];

	if (out == NULL) {
		perror(record);
		return 1;
	}
	memset(&reader, 0, sizeof reader);
	memset(pg, 0, sizeof pg);
	memset(sw, 0, sizeof sw);
	getsockname(lfd, (struct sockaddr *)&ss, &sl);
	fprintf(stderr, "rogue_air: relay on %s -> %s\n",
	        air_addr_str((struct sockaddr *)&ss, a, sizeof a), air);
	while (!stop) {
		struct pollfd p[3] = {{.fd = lfd, .events = POLLIN},
		                      {.fd = ufd, .events = POLLIN},
		                      {.fd = afd, .events = POLLIN}};
		if (poll(p, 3, 500) <= 0)
			continue;
		if (p[2].revents & POLLIN) /* answers to our own pagings: dropped */
			(void)recv(afd, buf, sizeof buf, 0);
		if (p[0].revents & POLLIN) { /* R2D from the reader */
			air_addr from;
			socklen_t flen = sizeof from;
			ssize_t n = recvfrom(lfd, buf, sizeof buf, 0, &from.sa, &flen);
			if (n > 0) {
				air_frame f;
				reader = from;
				rlen = flen;
				up++;
				int ok = air_decode(buf, (size_t)n, &f) == AIOT_OK;
				if (ok && f.type == AIR_PAGING &&
				    f.u.paging.kind == AIR_IDENT_SINGLE) {
					paged *e = &pg[npg++ % 256];
					e->session = f.session;
					e->id.len = (uint8_t)(f.u.paging.ident_bits / 8);
					memcpy(e->id.b, f.u.paging.ident, e->id.len);
				}
				const ident *id = NULL;
				if (ok && f.type == AIR_COMMAND) {
					for (size_t i = nseen; i-- > 0;)
						if (sv[i].session == f.session &&
						    sv[i].handle == f.u.cmd.handle) {
							id = &sv[i].id;
							break;
						}
					aborts += abort_pages(afd, id, abort_n);
				}
				if (ok && f.type == AIR_PAGING && foreign_n) {
					swallow *e = &sw[nsw++ % 64];
					foreign_pages(ufd, &f, foreign_n, e);
					foreign += e->left;
				}
				send(ufd, buf, (size_t)n, 0);
				if (ok && f.type == AIR_COMMAND) {
					if (id != NULL) {
						hex_line(out, "cmd", id, buf, (size_t)n);
						cmds++;
					}
					if (dup) { /* the same COUNT again, right behind the
						      original */
						send(ufd, buf, (size_t)n, 0);
						dups++;
					}
				}
			}
		}
		if (p[1].revents & POLLIN) { /* D2R from the medium */
			ssize_t n = recv(ufd, buf, sizeof buf, 0);
			air_frame f;
			if (n > 0 && foreign_n && air_decode(buf, (size_t)n, &f) == AIOT_OK &&
			    f.type == AIR_ROUND_END && swallowed(sw, nsw < 64 ? nsw : 64, &f))
				continue;
			if (n > 0 && rlen > 0) {
				sendto(lfd, buf, (size_t)n, 0, &reader.sa, rlen);
				down++;
			}
			if (n > 0 && air_decode(buf, (size_t)n, &f) == AIOT_OK &&
			    f.type == AIR_SLOT && f.u.slot.outcome == AIR_SLOT_SINGLE) {
				const ident *pid = NULL;
				for (size_t i = 0; i < 256; i++)
					if (pg[i].id.len && pg[i].session == f.session)
						pid = &pg[i].id;
				if (nseen == seencap) {
					seencap = seencap ? 2 * seencap : 1024;
					if ((sv = realloc(sv, seencap * sizeof *sv)) == NULL)
						oom();
				}
				seen *e = &sv[nseen];
				e->session = f.session;
				e->handle = f.u.slot.handle;
				if (resp_ident(f.u.slot.nas, f.u.slot.nas_len, pid, &e->id) == 0)
					nseen++;
				hex_line(out, "inv", NULL, f.u.slot.nas, f.u.slot.nas_len);
				invs++;
			}
		}
	}
	fprintf(stderr,
	        "rogue_air: relay: %lu R2D and %lu D2R frames forwarded, %lu Inventory Responses "
	        "and %lu COMMAND frames recorded, %lu duplicated, %lu abort pagings, %lu foreign "
	        "pagings\n",
	        up, down, invs, cmds, dups, aborts, foreign);
	printf("{\"mode\":\"relay\",\"r2d\":%lu,\"d2r\":%lu,\"inv_recorded\":%lu,"
	       "\"cmd_recorded\":%lu,\"cmd_duplicated\":%lu,\"abort_pagings\":%lu,"
	       "\"foreign_pagings\":%lu}\n",
	       up, down, invs, cmds, dups, aborts, foreign);
	fclose(out);
	free(sv);
	close(lfd);
	close(ufd);
	if (afd >= 0)
		close(afd);
	return 0;
}

/* ---- replay: recorded Command Requests in a new session ---------------------------------- */

typedef struct rec {
	ident id;
	uint8_t frame[AIR_MAX_FRAME];
	uint16_t len;
} rec;

static rec *load_record(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, rcap = 0;
	rec *r = NULL;
	*n = 0;
	if (f == NULL) {
		perror(path);
		exit(1);
	}
	while (getline(&line, &cap, f) > 0) {
		char *idh, *fh, *save = NULL;
		if (strncmp(line, "cmd ", 4) != 0)
			continue;
		idh = strtok_r(line + 4, " \r\n", &save);
		fh = strtok_r(NULL, " \r\n", &save);
		if (idh == NULL || fh == NULL)
			continue;
		if (*n == rcap) {
			rcap = rcap ? 2 * rcap : 64;
			if ((r = realloc(r, rcap * sizeof *r)) == NULL)
				oom();
		}
		int il = aiot_hex_decode(idh, strlen(idh), r[*n].id.b, sizeof r[*n].id.b);
		int fl = aiot_hex_decode(fh, strlen(fh), r[*n].frame, sizeof r[*n].frame);
		if (il <= 0 || fl <= 0)
			continue;
		r[*n].id.len = (uint8_t)il;
		r[*n].len = (uint16_t)fl;
		(*n)++;
	}
	free(line);
	fclose(f);
	return r;
}

static int mode_replay(const char *air, const char *record, int verbatim, int q)
{
	int fd = air_socket(air, NULL);
	size_t nrec = 0, n = 0;
	unsigned rounds = 0, sent = 0, resp;
	rec *r = load_record(record, &nrec);
	dev *d = NULL;
	uint32_t session = 0;
	if (verbatim) {
		for (size_t i = 0; i < nrec; i++)
			sent += send(fd, r[i].frame, r[i].len, 0) == r[i].len;
		resp = count_responses(fd, 0, 1000);
	} else {
		rnd(&session, sizeof session);
		d = inventory(fd, session, q, &n, &rounds);
		for (size_t i = 0; i < nrec; i++) {
			air_frame f;
			if (air_decode(r[i].frame, r[i].len, &f) != AIOT_OK ||
			    f.type != AIR_COMMAND)
				continue;
			for (size_t k = 0; k < n; k++)
				if (d[k].id.len == r[i].id.len &&
				    memcmp(d[k].id.b, r[i].id.b, r[i].id.len) == 0 &&
				    send_command(fd, session, d[k].handle, f.u.cmd.nas,
				                 f.u.cmd.nas_len) == 0)
					sent++;
		}
		resp = count_responses(fd, session, 1000);
		release(fd, session);
	}
	printf("{\"mode\":\"replay\",\"verbatim\":%s,\"devices\":%zu,\"rounds\":%u,"
	       "\"recorded\":%zu,\"commands_sent\":%u,\"command_responses\":%u}\n",
	       verbatim ? "true" : "false", n, rounds, nrec, sent, resp);
	free(r);
	free(d);
	close(fd);
	return 0;
}

/* ---- flood: pagings for ALL in fresh sessions --------------------------------------------- */

static int mode_flood(const char *air, unsigned rate, unsigned duration_ms, int q)
{
	int fd = air_socket(air, NULL);
	uint8_t buf[AIR_MAX_FRAME];
	unsigned long pagings = 0, d2r = 0;
	uint64_t t0 = aiot_mono_ms(), end = t0 + duration_ms;
	while (!stop) {
		uint64_t t = aiot_mono_ms();
		if (t >= end)
			break;
		uint64_t due = t0 + pagings * 1000u / (rate ? rate : 1);
		if (t >= due) {
			air_frame f = {.type = AIR_PAGING};
			rnd(&f.session, sizeof f.session);
			f.u.paging.q = (uint8_t)q;
			f.u.paging.kind = AIR_IDENT_ALL;
			rnd(f.u.paging.rand_n, 16);
			if (send_frame(fd, &f) == 0)
				pagings++;
			continue;
		}
		ssize_t len = recv_wait(fd, buf, sizeof buf, (int)(due - t));
		d2r += len > 0;
	}
	while (recv_wait(fd, buf, sizeof buf, 200) > 0) /* what is still in flight */
		d2r++;
	printf("{\"mode\":\"flood\",\"pagings\":%lu,\"d2r_frames\":%lu,\"ms\":%llu}\n", pagings,
	       d2r, (unsigned long long)(aiot_mono_ms() - t0));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"air", required_argument, NULL, 1},
	    {"listen", required_argument, NULL, 2},
	    {"record", required_argument, NULL, 3},
	    {"dup-commands", no_argument, NULL, 4},
	    {"forge", required_argument, NULL, 5},
	    {"verbatim", no_argument, NULL, 6},
	    {"rate", required_argument, NULL, 7},
	    {"duration-ms", required_argument, NULL, 8},
	    {"q", required_argument, NULL, 9},
	    {"page-before-command", required_argument, NULL, 10},
	    {"foreign-pagings", required_argument, NULL, 11},
	    {NULL, 0, NULL, 0},
	};
	const char *air = NULL, *listen = NULL, *record = NULL;
	int dup = 0, verbatim = 0, q = 6, o;
	unsigned forge = 1, rate = 100, duration = 1000, abort_n = 0, foreign_n = 0;
	if (argc < 2) {
		fputs(usage_text, stderr);
		return 1;
	}
	const char *mode = argv[1];
	optind = 2;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 1:
			air = optarg;
			break;
		case 2:
			listen = optarg;
			break;
		case 3:
			record = optarg;
			break;
		case 4:
			dup = 1;
			break;
		case 5:
			forge = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 6:
			verbatim = 1;
			break;
		case 7:
			rate = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 8:
			duration = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 9:
			q = atoi(optarg);
			break;
		case 10:
			abort_n = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 11:
			foreign_n = (unsigned)strtoul(optarg, NULL, 0);
			break;
		default:
			fputs(usage_text, stderr);
			return 1;
		}
	}
	if (air == NULL || q < 0 || q > AIR_MAX_Q) {
		fputs(usage_text, stderr);
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "page") == 0)
		return mode_page(air, q, forge);
	if (strcmp(mode, "relay") == 0 && listen != NULL && record != NULL)
		return mode_relay(listen, air, record, dup, abort_n, foreign_n);
	if (strcmp(mode, "replay") == 0 && record != NULL)
		return mode_replay(air, record, verbatim, q);
	if (strcmp(mode, "flood") == 0)
		return mode_flood(air, rate, duration, q);
	fputs(usage_text, stderr);
	return 1;
}
