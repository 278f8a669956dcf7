/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-uicc: the virtual AIoT-UICC as a process (uicc_card.h) behind the real PC/SC daemon,
 * through the vpcd driver (uicc_vpcd.h). It reads its personalisation (uicc_perso.h) and
 * its SQN state at start, then serves one reader slot for ever: it connects to the slot's
 * port (vpcd's server mode), and again after each time the link drops (pcscd restarted).
 * vpcd's reverse mode (vpcd connects to the card, which could then listen on loopback only)
 * is not used: with pcscd 1.9.9 and vpcd 3.3 it aborted pcscd ("bit out of range 0 -
 * FD_SETSIZE") when a slot had no card listening. SIGTERM / SIGINT wipe the keys and end
 * it. Keys are never logged.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/ct.h"
#include "svc/log.h"
#include "svc/netaddr.h"
#include "uicc/uicc_perso.h"
#include "uicc/uicc_state.h"
#include "uicc/uicc_vpcd.h"

static const char usage_text[] =
    "usage: aiot-uicc --perso FILE.json [--vpcd HOST:PORT] [--state FILE]\n"
    "                 [--protocol t0|t1|both] [--log-level LEVEL]\n"
    "  --perso FILE      the card's personalisation (README \"Credentials on a UICC\"),\n"
    "                    a private file (mode 0600)\n"
    "  --vpcd HOST:PORT  connect to a vpcd reader slot in server mode       [127.0.0.1:35963]\n"
    "  --state FILE      keep the USIM's SQN array here (mode 0600), written before each\n"
    "                    AUTHENTICATE answer leaves; without it a restart forgets SQNs\n"
    "  --protocol P      what the ATR offers: t0, t1 or both                [both]\n"
    "  --log-level L     error|warn|info|debug                              [info]\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct opts {
	const char *perso, *vpcd, *state, *protocol, *level;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {{"perso", required_argument, NULL, 'p'},
	                                   {"vpcd", required_argument, NULL, 'v'},
	                                   {"state", required_argument, NULL, 's'},
	                                   {"protocol", required_argument, NULL, 't'},
	                                   {"log-level", required_argument, NULL, 'L'},
	                                   {"help", no_argument, NULL, 'h'},
	                                   {NULL, 0, NULL, 0}};
	int c;

	*o = (struct opts){.protocol = "both", .level = "info"};
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		const char **dst = c == 'p'   ? &o->perso
		                   : c == 'v' ? &o->vpcd
		                   : c == 's' ? &o->state
		                   : c == 't' ? &o->protocol
		                   : c == 'L' ? &o->level
		                              : NULL;
		if (c == 'h') {
			fputs(usage_text, stdout);
			exit(0);
		}
		if (dst == NULL)
			return -1;
		*dst = optarg;
	}
	if (optind != argc || o->perso == NULL ||
	    (strcmp(o->protocol, "t0") != 0 && strcmp(o->protocol, "t1") != 0 &&
	     strcmp(o->protocol, "both") != 0) ||
	    log_level_from_name(o->level) < 0)
		return -1;
	if (o->vpcd == NULL)
		o->vpcd = "127.0.0.1:35963"; /* vpcd's default port, 0x8C7B */
	return 0;
}

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL); /* a signal cuts it short */
}

/* The next link to the vpcd slot; -1 once stopped. */
static int next_link(const struct sockaddr_storage *ss, socklen_t sl)
{
	int fd, one = 1;

	while (!stop) {
		fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (const struct sockaddr *)ss, sl) == 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			return fd;
		}
		if (fd >= 0)
			close(fd);
		pause_ms(100); /* pcscd not (yet) there: poll for it */
	}
	return -1;
}

static int serve(const struct opts *o, uicc_card *card)
{
	uicc_vpcd v = {card, strcmp(o->protocol, "t1") != 0, strcmp(o->protocol, "t0") != 0, 0};
	struct sockaddr_storage ss;
	socklen_t sl;
	char err[300];
	int fd;

	if (svc_parse_addr(o->vpcd, 0, &ss, &sl, err, sizeof err) != 0) {
		log_error("%s: %s", o->vpcd, err);
		return 1;
	}
	log_info("card ready for vpcd %s, ATR offers %s", o->vpcd, o->protocol);
	while ((fd = next_link(&ss, sl)) >= 0) {
		log_info("vpcd linked");
		if (uicc_vpcd_serve(&v, fd, &stop, err, sizeof err) != 0)
			log_warn("%s", err);
		close(fd);
		log_info("vpcd link closed after %lu APDUs", v.apdus);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: reads return EINTR */
	uicc_state st = {0};
	uicc_perso p;
	uicc_card card;
	struct opts o;
	char err[400];
	int rc = 1;

	if (parse_args(argc, argv, &o) != 0) {
		fputs(usage_text, stderr);
		return 2;
	}
	log_init("aiot-uicc", log_level_from_name(o.level));
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (uicc_perso_load(o.perso, &p, err, sizeof err) != 0) {
		log_error("%s", err);
		return 1;
	}
	if (uicc_card_init(&card, &p) != AIOT_OK) {
		log_error("%s: the personalisation breaks a rule", o.perso);
		goto fail;
	}
	if (o.state != NULL && uicc_state_open(&st, o.state, p.imsi, &card, err, sizeof err) != 0) {
		log_error("%s", err);
		goto fail;
	}
	rc = serve(&o, &card);
fail:
	aiot_zeroize(&p, sizeof p);
	uicc_card_clear(&card);
	uicc_state_close(&st);
	return rc;
}
