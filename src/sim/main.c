/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-devsim: every device of a devices.jsonl file (the output of `aiot provision`) running
 * the real device library on the simulated air interface (docs/protocol.md §5). This
 * process is the radio medium: it answers whichever reader sends it R2D frames.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "air/air.h"
#include "common/base64.h"
#include "common/clock.h"
#include "air/air_udp.h"
#include "sbi/sbi_metrics.h"
#include "sim.h"
#include "svc/config.h"
#include "svc/log.h"

static const char usage_text[] =
    "usage: aiot-devsim [-c devsim.yaml] --devices FILE.jsonl [options]\n"
    "  -c, --config FILE       YAML configuration (the keys are the flag names)\n"
    "  --devices FILE          devices.jsonl from `aiot provision` (devices) required\n"
    "  --air-listen ADDR:PORT  UDP address of the medium, port 0: any (air-listen)\n"
    "                                                                 [127.0.0.1:0]\n"
    "  --loss P                probability a D2R SINGLE / COMMAND_RESP is lost (loss) [0]\n"
    "  --delay-us N            device response delay before a round's frames (delay-us) [0]\n"
    "  --clones K              K clones: identifiers of K devices, wrong keys (clones) [0]\n"
    "  --seed N                reproducible run, RAND_AIOT_d too: tests only (seed) [random]\n"
    "  --max-fps N             pace D2R frames, the reader's socket buffer (max-fps) [400000]\n"
    "  --doa N|P%              N devices, or P% of them, do device-originated access:\n"
    "                          register and report Uplink Data (doa)           [0]\n"
    "  --doa-period-ms N       Uplink Data period of a registered DO-A device\n"
    "                          (doa-period-ms)                                 [1000]\n"
    "  --doa-timeout-ms N      M2 / M4 awaited this long, then a new M1\n"
    "                          (doa-timeout-ms)                                [2000]\n"
    "  --rogue-network P       a rogue network forges M2s / M4s for a share P (0..1)\n"
    "                          of the DO-A exchanges (rogue-network)           [0]\n"
    "  --doa-clones K          K DO-A clones: a DO-A device's identifier, a wrong key\n"
    "                          (doa-clones)                                    [0]\n"
    "  --doa-replay P          a rogue device replays each M3 / Uplink Data it hears with\n"
    "                          probability P (0..1) (doa-replay)               [0]\n"
    "  --uicc N                the first N devices of FILE on UICCs through PC/SC: each\n"
    "                          bound to the card whose EF_AIOT_ID is its permanent ID,\n"
    "                          its key wiped here; a card call blocks the loop for one\n"
    "                          APDU exchange (~1 ms). A pcscd with Debian's vpcd has two\n"
    "                          card slots (scripts/pcsc.sh) (uicc)             [0]\n"
    "  --uicc-reader TEXT      only the readers whose name contains TEXT (uicc-reader)\n"
    "  --stats FILE            JSON counters, at start, at exit and on SIGUSR1 (stats)\n"
    "  --metrics ADDR:PORT     Prometheus /metrics over HTTP/1.1 (metrics)\n"
    "  --log-level LEVEL       error|warn|info|debug (log-level)              [info]\n";

static const cfg_opt cfg_opts[] = {
    {"devices", "devices"},
    {"air-listen", "air-listen"},
    {"loss", "loss"},
    {"delay-us", "delay-us"},
    {"clones", "clones"},
    {"seed", "seed"},
    {"max-fps", "max-fps"},
    {"stats", "stats"},
    {"metrics", "metrics"},
    {"log-level", "log-level"},
    {"doa", "doa"},
    {"doa-period-ms", "doa-period-ms"},
    {"doa-timeout-ms", "doa-timeout-ms"},
    {"rogue-network", "rogue-network"},
    {"doa-clones", "doa-clones"},
    {"doa-replay", "doa-replay"},
    {"uicc", "uicc"},
    {"uicc-reader", "uicc-reader"},
};

#define SIM_BURST 256       /* frames per pacing tick (one sendmmsg) */
#define SIM_BURST_MAX 256   /* frames per sendmmsg */
#define SIM_COALESCE_US 500 /* a frame waits at most this long for its burst's company */

/* D2R frames waiting for their time: packed {qhdr, frame} records in a byte FIFO. */
typedef struct qhdr {
	uint64_t due_us;
	air_addr peer;
	uint16_t len;
} qhdr;

typedef struct app {
	sim s;
	int fd;
	struct event_base *base;
	struct event *rd, *drain, *sig[4];
	uint8_t *q;
	size_t qhead, qtail, qcap;
	size_t nq;     /* frames in the FIFO */
	air_addr from; /* the sender of the frame being processed */
	uint64_t delay_us, gap_us, next_burst_us;
	unsigned burst;
	const char *stats_path;
} app;

static void schedule_drain(app *a, uint64_t in_us)
{
	struct timeval tv = {.tv_sec = (time_t)(in_us / 1000000u),
	                     .tv_usec = (suseconds_t)(in_us % 1000000u)};
	evtimer_add(a->drain, &tv);
}

static void drain(app *a);

static void enqueue(void *arg, const uint8_t *frame, size_t len)
{
	app *a = arg;
	size_t need = sizeof(qhdr) + len;
	if (a->qtail + need > a->qcap) {
		if (a->qhead > 0) { /* compact */
			memmove(a->q, a->q + a->qhead, a->qtail - a->qhead);
			a->qtail -= a->qhead;
			a->qhead = 0;
		}
		if (a->qtail + need > a->qcap) {
			size_t nc = a->qcap ? a->qcap : 1 << 16;
			while (a->qtail + need > nc)
				nc *= 2;
			uint8_t *nq = realloc(a->q, nc);
			if (nq == NULL) {
				a->s.st.lost++; /* as if lost on the air */
				return;
			}
			a->q = nq;
			a->qcap = nc;
		}
	}
	uint64_t t = aiot_mono_us();
	qhdr h = {.due_us = t + a->delay_us, .peer = a->from, .len = (uint16_t)len};
	memcpy(a->q + a->qtail, &h, sizeof h);
	memcpy(a->q + a->qtail + sizeof h, frame, len);
	a->qtail += need;
	a->nq++;
	qhdr oldest;
	memcpy(&oldest, a->q + a->qhead, sizeof oldest);
	/* While a long round computes, the event loop is busy: frames go out from here, a burst
	 * at a time (one sendmmsg), or once the oldest has waited SIM_COALESCE_US. The rest
	 * leaves from the drain timer when the round is over. */
	if (t >= a->next_burst_us &&
	    (a->nq >= a->burst || t - (oldest.due_us - a->delay_us) >= SIM_COALESCE_US))
		drain(a);
	else if (!evtimer_pending(a->drain, NULL))
		schedule_drain(a, t >= a->next_burst_us ? 0 : a->next_burst_us - t);
}

/* Send what is due, at most `burst` frames per tick (--max-fps), a tick's frames in one
 * sendmmsg() (still one frame per datagram). */
static void drain(app *a)
{
	struct mmsghdr mm[SIM_BURST_MAX];
	struct iovec iov[SIM_BURST_MAX];
	for (;;) {
		uint64_t t = aiot_mono_us();
		unsigned n = 0;
		size_t off = a->qhead;
		while (off < a->qtail && n < a->burst) {
			qhdr h;
			memcpy(&h, a->q + off, sizeof h);
			if (h.due_us > t)
				break;
			iov[n].iov_base = a->q + off + sizeof h;
			iov[n].iov_len = h.len;
			memset(&mm[n], 0, sizeof mm[n]);
			mm[n].msg_hdr.msg_name = a->q + off + offsetof(qhdr, peer);
			mm[n].msg_hdr.msg_namelen = air_addr_len(&h.peer.sa);
			mm[n].msg_hdr.msg_iov = &iov[n];
			mm[n].msg_hdr.msg_iovlen = 1;
			off += sizeof h + h.len;
			n++;
		}
		if (n == 0) {
			if (a->qhead < a->qtail) { /* the next frame is not due yet */
				qhdr h;
				memcpy(&h, a->q + a->qhead, sizeof h);
				schedule_drain(a, h.due_us - t);
				return;
			}
			a->qhead = a->qtail = 0;
			a->nq = 0;
			return;
		}
		int sent = sendmmsg(a->fd, mm, n, 0);
		if (sent < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
			schedule_drain(a, 1000); /* socket full: try again, lose nothing */
			return;
		}
		if (sent < 0) { /* this frame cannot be sent: skip it */
			log_debug("sendmmsg: %s", strerror(errno));
			sent = 1;
		}
		for (int i = 0; i < sent; i++) {
			qhdr h;
			memcpy(&h, a->q + a->qhead, sizeof h);
			a->qhead += sizeof h + h.len;
		}
		a->nq -= (size_t)sent;
		if (a->qhead == a->qtail)
			a->qhead = a->qtail = 0;
		if ((unsigned)sent < n) { /* partly sent: the socket is full */
			schedule_drain(a, 1000);
			return;
		}
		a->next_burst_us = t + a->gap_us * (unsigned)sent / a->burst;
		if (a->qhead == a->qtail)
			return;
		if ((unsigned)sent == a->burst) {
			a->next_burst_us = t + a->gap_us;
			schedule_drain(a, a->gap_us);
			return;
		}
	}
}

static void on_drain(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	drain(arg);
}

static void on_read(evutil_socket_t fd, short ev, void *arg)
{
	app *a = arg;
	uint8_t buf[AIR_MAX_FRAME + 1];
	(void)ev;
	for (int i = 0; i < 256; i++) {
		socklen_t fl = sizeof a->from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, &a->from.sa, &fl);
		if (n < 0)
			return;
		a->s.now_us = aiot_mono_us();
		int rc = sim_medium_input(&a->s, buf, (size_t)n, enqueue, a);
		if (rc != 0)
			log_debug("frame of %zd octets dropped: %d", n, rc);
	}
}

/* 0, or -1 after logging why the file cannot be written. */
static int write_stats(app *a)
{
	if (a->stats_path == NULL)
		return 0;
	char tmp[4096];
	const sim_stats *st = &a->s.st;
	snprintf(tmp, sizeof tmp, "%s.tmp", a->stats_path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL) {
		log_error("stats: cannot write %s: %s: %s", a->stats_path, tmp, strerror(errno));
		return -1;
	}
	fprintf(
	    f,
	    "{\"devices\":%u,\"clones\":%u,\"pagings\":%llu,\"responses\":%llu,"
	    "\"collisions\":%llu,\"commands_accepted\":%llu,\"commands_rejected\":%llu,"
	    "\"clone_commands_accepted\":%llu,\"clone_responses\":%llu,\"tid_rotations\":%llu,"
	    "\"disabled\":%llu,\"lost\":%llu,\"bad_frames\":%llu,\"repeats\":%llu,"
	    "\"doa_devices\":%u,\"doa_registered\":%u,\"doa_registrations\":%llu,"
	    "\"doa_starts\":%llu,\"doa_uplink_sent\":%llu,\"doa_m2_dropped\":%llu,"
	    "\"doa_m4_dropped\":%llu,\"doa_retries\":%llu,\"doa_timeouts\":%llu,"
	    "\"doa_gave_up\":%llu,\"doa_collisions\":%llu,\"doa_unexpected\":%llu,"
	    "\"doa_rogue_m2_sent\":%llu,\"doa_rogue_m4_sent\":%llu,"
	    "\"doa_rogue_network_accepted\":%llu,\"doa_clones\":%u,\"doa_clone_m3_sent\":%llu,"
	    "\"doa_clone_registered\":%llu,\"doa_replays_sent\":%llu,"
	    "\"doa_replays_own_m3\":%llu,\"doa_replays_own_data\":%llu,"
	    "\"doa_replays_fresh\":%llu,\"doa_replays_after_m1\":%llu,"
	    "\"doa_replays_answered\":%llu,\"uicc_devices\":%u,\"uicc_ops\":%llu,"
	    "\"uicc_errors\":%llu,",
	    a->s.ndev - a->s.nclones, a->s.nclones, (unsigned long long)st->pagings,
	    (unsigned long long)st->responses, (unsigned long long)st->collisions,
	    (unsigned long long)st->commands_accepted, (unsigned long long)st->commands_rejected,
	    (unsigned long long)st->clone_commands_accepted,
	    (unsigned long long)st->clone_responses, (unsigned long long)st->tid_rotations,
	    (unsigned long long)st->disabled, (unsigned long long)st->lost,
	    (unsigned long long)st->bad_frames, (unsigned long long)st->repeats, a->s.ndoa,
	    sim_doa_registered(&a->s), (unsigned long long)st->doa_registrations,
	    (unsigned long long)st->doa_starts, (unsigned long long)st->doa_uplink_sent,
	    (unsigned long long)sim_doa_m2_dropped(&a->s),
	    (unsigned long long)sim_doa_m4_dropped(&a->s), (unsigned long long)st->doa_retries,
	    (unsigned long long)st->doa_timeouts, (unsigned long long)st->doa_gave_up,
	    (unsigned long long)st->doa_collisions, (unsigned long long)st->doa_unexpected,
	    (unsigned long long)st->doa_rogue_m2_sent, (unsigned long long)st->doa_rogue_m4_sent,
	    (unsigned long long)st->doa_rogue_network_accepted, sim_doa_clones(&a->s),
	    (unsigned long long)st->doa_clone_m3_sent, (unsigned long long)st->doa_clone_registered,
	    (unsigned long long)st->doa_replays_sent, (unsigned long long)st->doa_replays_own_m3,
	    (unsigned long long)st->doa_replays_own_data, (unsigned long long)st->doa_replays_fresh,
	    (unsigned long long)st->doa_replays_after_m1,
	    (unsigned long long)st->doa_replays_answered, a->s.ncards,
	    (unsigned long long)st->uicc_ops, (unsigned long long)st->uicc_errors);
	/* The identities the clones claim, so that a test bed can aim commands at them. */
	fputs("\"clone_ids\":[", f);
	for (uint32_t i = 0, first = 1; i < a->s.ndev; i++) {
		const sim_dev *d = &a->s.devs[i];
		if (!d->clone)
			continue;
		char b64[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1];
		aiot_b64_encode(d->cfg.perm_id, d->cfg.perm_id_len, b64);
		fprintf(f, "%s\"%s\"", first ? "" : ",", b64);
		first = 0;
	}
	fputs("]}\n", f);
	if (fclose(f) != 0 || rename(tmp, a->stats_path) != 0) {
		log_error("stats: %s: %s", a->stats_path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* GET /metrics: runs on the simulator's loop thread (sbi_metrics.h). */
static char *render_metrics(void *arg)
{
	const app *a = arg;
	const sim_stats *st = &a->s.st;
	const sbi_metric m[] = {
	    {"aiot_devsim_devices", "gauge", "Genuine devices simulated.",
	     a->s.ndev - a->s.nclones},
	    {"aiot_devsim_clones", "gauge",
	     "Clones simulated (a device's identifier, a wrong key).", a->s.nclones},
	    {"aiot_devsim_pagings_total", "counter", "PAGING frames received.", st->pagings},
	    {"aiot_devsim_responses_total", "counter",
	     "Inventory Responses computed by the devices.", st->responses},
	    {"aiot_devsim_repeats_total", "counter",
	     "Unacknowledged Inventory Responses sent again in a later round.", st->repeats},
	    {"aiot_devsim_collisions_total", "counter", "Slots where two or more devices answered.",
	     st->collisions},
	    {"aiot_devsim_commands_accepted_total", "counter",
	     "Command Requests whose MAC verified and that a device executed.",
	     st->commands_accepted},
	    {"aiot_devsim_commands_rejected_total", "counter",
	     "Command Requests a device refused (MAC, replay, state).", st->commands_rejected},
	    {"aiot_devsim_clone_commands_accepted_total", "counter",
	     "Command Requests a clone accepted (must stay 0).", st->clone_commands_accepted},
	    {"aiot_devsim_tid_rotations_total", "counter", "T-ID updates executed.",
	     st->tid_rotations},
	    {"aiot_devsim_doa_devices", "gauge", "Devices doing device-originated access (--doa).",
	     a->s.ndoa},
	    {"aiot_devsim_doa_registered", "gauge", "DO-A devices registered now (M4 verified).",
	     sim_doa_registered(&a->s)},
	    {"aiot_devsim_doa_registrations_total", "counter",
	     "DO-A Registration Accepts verified.", st->doa_registrations},
	    {"aiot_devsim_doa_uplink_sent_total", "counter",
	     "DO-A Uplink Data PDUs the reader acknowledged.", st->doa_uplink_sent},
	    {"aiot_devsim_doa_m2_dropped_total", "counter",
	     "DO-A Authentication Requests a device refused (MAC_N, replay, foreign).",
	     sim_doa_m2_dropped(&a->s)},
	    {"aiot_devsim_doa_retries_total", "counter",
	     "DO-A PDUs sent again after no ACK (collision or loss), after a back-off.",
	     st->doa_retries},
	    {"aiot_devsim_doa_timeouts_total", "counter",
	     "DO-A registrations restarted with a new M1: M2 or M4 did not come.",
	     st->doa_timeouts},
	    {"aiot_devsim_doa_collisions_total", "counter", "DO-A slots with two or more devices.",
	     st->doa_collisions},
	    {"aiot_devsim_doa_rogue_m2_sent_total", "counter",
	     "Forged DO-A M2s a rogue network handed to devices.", st->doa_rogue_m2_sent},
	    {"aiot_devsim_doa_rogue_m4_sent_total", "counter",
	     "Forged DO-A M4s a rogue network handed to devices.", st->doa_rogue_m4_sent},
	    {"aiot_devsim_doa_rogue_network_accepted_total", "counter",
	     "Forged M2s / M4s a device accepted (must stay 0).", st->doa_rogue_network_accepted},
	    {"aiot_devsim_doa_clones", "gauge", "DO-A clones (--doa-clones).",
	     sim_doa_clones(&a->s)},
	    {"aiot_devsim_doa_clone_m3_sent_total", "counter",
	     "Clone M3s (RES_D under a wrong key) the reader took.", st->doa_clone_m3_sent},
	    {"aiot_devsim_doa_clone_registered_total", "counter",
	     "Registration Accepts a clone received (must stay 0).", st->doa_clone_registered},
	    {"aiot_devsim_doa_replays_sent_total", "counter",
	     "Replayed M3s / Uplink Data the reader took.", st->doa_replays_sent},
	    {"aiot_devsim_doa_replays_answered_total", "counter",
	     "Registration Accepts for a replayed M3 (must stay 0).", st->doa_replays_answered},
	    {"aiot_devsim_uicc_devices", "gauge", "Devices bound to a card (--uicc).", a->s.ncards},
	    {"aiot_devsim_uicc_ops_total", "counter",
	     "Credential operations answered through a card.", st->uicc_ops},
	    {"aiot_devsim_uicc_errors_total", "counter",
	     "Card operations that failed (card gone, refused, unparsable answer).",
	     st->uicc_errors},
	    {"aiot_devsim_lost_total", "counter", "D2R frames lost on the air (--loss).", st->lost},
	    {"aiot_devsim_bad_frames_total", "counter", "R2D frames that did not decode.",
	     st->bad_frames},
	};
	return sbi_metrics_format(m, sizeof m / sizeof m[0]);
}

static void on_signal(evutil_socket_t sig, short ev, void *arg)
{
	app *a = arg;
	(void)ev;
	(void)write_stats(a); /* logged: the simulation goes on */
	if (sig == SIGUSR1)
		return;
	log_info("signal %d: stopping", (int)sig);
	event_base_loopbreak(a->base);
}

static int parse_num(const char *name, const char *v, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || errno != 0 || !(d >= lo && d <= hi)) {
		fprintf(stderr, "aiot-devsim: %s: '%s' is not a number in [%g, %g]\n", name, v, lo,
		        hi);
		return -1;
	}
	*out = d;
	return 0;
}

/* A numeric key: 0 when absent or valid, else -1 (printed). */
static int num_key(const cfg *c, const char *key, double lo, double hi, double *out)
{
	const char *v = cfg_get(c, key);
	return v == NULL ? 0 : parse_num(key, v, lo, hi, out);
}

/* --doa N|P%: how many genuine devices do DO-A; UINT32_MAX with err when malformed. */
static uint32_t doa_count(const char *v, uint32_t ngen, char *err, size_t errlen)
{
	double x;
	size_t n = v ? strlen(v) : 0;
	if (v == NULL)
		return 0;
	if (n > 1 && v[n - 1] == '%') {
		char num[32];
		if (n - 1 >= sizeof num)
			goto bad;
		memcpy(num, v, n - 1);
		num[n - 1] = '\0';
		if (parse_num("doa", num, 0, 100, &x) != 0)
			goto bad;
		return (uint32_t)((double)ngen * x / 100.0 + 0.5);
	}
	if (parse_num("doa", v, 0, 4294967294.0, &x) == 0 && x == (double)(uint32_t)x)
		return (uint32_t)x;
bad:
	snprintf(err, errlen, "doa: '%s' is not a device count N or a share P%%", v);
	return UINT32_MAX;
}

int main(int argc, char **argv)
{
	double loss = 0, delay = 0, clones = 0, seed = 0, fps = 400000, doa_period = 1000,
	       doa_timeout = 2000, rogue = 0, doa_clones = 0, doa_replay = 0, uicc = 0;
	static app a;
	char err[512], name[80];
	int rc = SVC_EXIT_USAGE; /* until the configuration is checked */
	sbi_metrics_http *mh = NULL;

	a.fd = -1;
	cfg *c = cfg_new();
	int pa = c ? cfg_from_args(c, argc, argv, "aiot-devsim", cfg_opts,
	                           sizeof cfg_opts / sizeof cfg_opts[0], NULL, usage_text)
	           : -1;
	if (pa != 0) {
		cfg_free(c);
		return pa < 0 ? SVC_EXIT_USAGE : SVC_EXIT_OK;
	}
	const char *devices = cfg_get(c, "devices"), *listen = cfg_get(c, "air-listen");
	if (listen == NULL)
		listen = "127.0.0.1:0";
	a.stats_path = cfg_get(c, "stats");
	if (num_key(c, "loss", 0, 0.99, &loss) || num_key(c, "delay-us", 0, 10e6, &delay) ||
	    num_key(c, "clones", 0, 1e7, &clones) ||
	    num_key(c, "seed", 0, 9007199254740991.0, &seed) ||
	    num_key(c, "max-fps", 1000, 1e8, &fps) ||
	    num_key(c, "doa-period-ms", 1, 86400000, &doa_period) ||
	    num_key(c, "doa-timeout-ms", 1, 3600000, &doa_timeout) ||
	    num_key(c, "rogue-network", 0, 1, &rogue) ||
	    num_key(c, "doa-clones", 0, 1e6, &doa_clones) ||
	    num_key(c, "doa-replay", 0, 1, &doa_replay) || num_key(c, "uicc", 0, 1e6, &uicc) ||
	    log_init_from_cfg("aiot-devsim", c) != 0)
		goto out;
	if (devices == NULL) {
		fprintf(stderr, "aiot-devsim: devices is required (--devices FILE.jsonl)\n");
		goto out;
	}
	/* An unwritable --stats fails now, not after the run (exit 2, like a bad argument). */
	if (write_stats(&a) != 0)
		goto out;
	rc = SVC_EXIT_FAIL;
	uint64_t t0 = aiot_mono_us();
	if (sim_load(&a.s, devices, (uint32_t)clones, (uint64_t)seed, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	if (sim_uicc_bind(&a.s, (uint32_t)uicc, cfg_get(c, "uicc-reader"), err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	uint32_t ndoa = doa_count(cfg_get(c, "doa"), a.s.ndev - a.s.nclones, err, sizeof err);
	if (ndoa == UINT32_MAX ||
	    sim_doa_setup(&a.s, ndoa, (uint32_t)doa_period, (uint32_t)doa_timeout, err,
	                  sizeof err) != 0 ||
	    sim_doa_attack_setup(&a.s, rogue, (uint32_t)doa_clones, doa_replay, err, sizeof err) !=
	        0) {
		log_error("%s", err);
		rc = SVC_EXIT_USAGE;
		goto out;
	}
	a.s.loss = loss;
	a.delay_us = (uint64_t)delay;
	a.burst = SIM_BURST;
	a.gap_us = (uint64_t)(SIM_BURST * 1e6 / fps);
	if (a.gap_us == 0)
		a.gap_us = 1;
	log_info("%u devices (%u clones, %u DO-A, %u on cards) loaded in %.2f s",
	         a.s.ndev - a.s.nclones, a.s.nclones, a.s.ndoa, a.s.ncards,
	         (double)(aiot_mono_us() - t0) / 1e6);
	(void)write_stats(&a); /* with the device counts */

	air_addr la;
	socklen_t ll;
	if (air_addr_parse(listen, &la, &ll, err, sizeof err) != 0 ||
	    (a.fd = air_udp_socket(&la, NULL, err, sizeof err)) < 0) {
		log_error("air-listen: %s", err);
		goto out;
	}
	ll = sizeof la;
	getsockname(a.fd, &la.sa, &ll);
	signal(SIGPIPE, SIG_IGN);
	struct event_config *ec = event_config_new();
	if (ec != NULL)
		event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
	a.base = ec ? event_base_new_with_config(ec) : NULL;
	event_config_free(ec);
	if (a.base == NULL)
		goto out;
	a.rd = event_new(a.base, a.fd, EV_READ | EV_PERSIST, on_read, &a);
	a.drain = evtimer_new(a.base, on_drain, &a);
	const int sigs[4] = {SIGINT, SIGTERM, SIGUSR1, SIGHUP};
	for (int i = 0; i < 4; i++) {
		a.sig[i] = evsignal_new(a.base, sigs[i], on_signal, &a);
		if (a.sig[i] == NULL || event_add(a.sig[i], NULL) != 0)
			goto out;
	}
	if (a.rd == NULL || a.drain == NULL || event_add(a.rd, NULL) != 0)
		goto out;
	if (cfg_get(c, "metrics") != NULL) {
		mh = sbi_metrics_http_start(a.base, cfg_get(c, "metrics"), render_metrics, &a, err,
		                            sizeof err);
		if (mh == NULL) {
			log_error("%s", err);
			goto out;
		}
		log_info("metrics on port %d", sbi_metrics_http_port(mh));
	}
	log_info("air on %s, loss %.3f, delay %llu us", air_addr_str(&la.sa, name, sizeof name),
	         loss, (unsigned long long)a.delay_us);
	event_base_dispatch(a.base);
	rc = 0;
out:
	sbi_metrics_http_free(mh);
	for (int i = 0; i < 4; i++)
		if (a.sig[i] != NULL)
			event_free(a.sig[i]);
	if (a.rd != NULL)
		event_free(a.rd);
	if (a.drain != NULL)
		event_free(a.drain);
	if (a.base != NULL)
		event_base_free(a.base);
	if (a.fd >= 0)
		close(a.fd);
	free(a.q);
	sim_free(&a.s);
	cfg_free(c);
	return rc;
}
