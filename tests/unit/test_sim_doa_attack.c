/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DO-A attackers of aiot-devsim (src/sim/sim_doa_attack.c, docs/protocol.md §5.7.3) on the
 * medium without sockets. The test plays the reader (DOA_OPEN rounds, ACKs, DOA_DOWNLINK) and
 * a network built from the real crypto (tests/tools/doa_net.c, OpenSSL backend) that keeps one
 * exchange per handle, as the AIOTF keeps one per RAN ID: M1 -> M2, M3 verified -> M4, Uplink
 * Data verified with COUNT growing; a refused M3 or PDU gets no answer. It proves that every
 * forged M2 / M4 kind reaches the device library and is dropped while the genuine exchange
 * completes, that a clone's M3 carries a RES_D derived under a key that is not the device's,
 * that replays go out under the handles described and are all refused, and that the
 * must-stay-0 counters do count when a (broken) network accepts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "air/air.h"
#include "common/aiot_err.h"
#include "crypto/backend_openssl.h"
#include "devfile/devices_jsonl.h"
#include "nas/nas.h"
#include "nas/nas_doa.h"
#include "sim/sim.h"
#include "../tools/doa_net.h"

#define NDEV 3
#define PERIOD_MS 1000
#define TIMEOUT_MS 500
#define MAX_BIND 64
#define MAX_SEEN 256

static const char devices[] =
    "{\"aiotDevPermId\":\"AQIDBAAAAAAAAAAB\",\"key\":\"000102030405060708090a0b0c0d0e0f\","
    "\"suite\":\"3gpp\",\"resBits\":64}\n"
    "{\"aiotDevPermId\":\"AQIDBAAAAAAAAAAC\",\"key\":\"101112131415161718191a1b1c1d1e1f\","
    "\"suite\":\"aes\",\"resBits\":32}\n"
    "{\"aiotDevPermId\":\"BQYHCAAAAAAAAAAD\",\"key\":"
    "\"202122232425262728292a2b2c2d2e2f202122232425262728292a2b2c2d2e2f\","
    "\"suite\":\"3gpp\",\"resBits\":128}\n";

typedef struct net_dev { /* devices.jsonl as the network knows it */
	doa_net_dev keys;
	uint8_t perm[AIOT_NAS_MAX_ID_LEN];
	uint8_t perm_len;
	uint32_t next_seq; /* application data: (line, seq), each delivered once */
	int data, registered;
} net_dev;

typedef struct binding { /* the network's exchange of one handle (the AIOTF's RAN ID) */
	uint32_t session, handle;
	int dev;
	int state; /* 1: M2 sent, 2: registered */
	doa_net_dev n;
} binding;

typedef struct seen { /* an uplink PDU, and the handle it first came under */
	uint32_t handle;
	uint32_t due; /* a downlink: the round after which it goes */
	uint16_t len;
	uint8_t pdu[AIR_MAX_NAS];
} seen;

static struct {
	sim s;
	aiot_backend *be;
	net_dev dev[NDEV];
	binding b[MAX_BIND];
	seen seen[MAX_SEEN];
	size_t nseen;
	seen down[64]; /* downlinks waiting for the round's end */
	size_t ndown;
	uint32_t session;
	uint16_t round;
	uint32_t ack[64];
	size_t nack;
	int answer_any_m3; /* a broken network: an M4 for every M3, verified or not */
	unsigned slow;     /* the network answers this many rounds late */
	/* What the network saw. */
	unsigned resd_failed, unexpected, replayed, bad_mac, m1_attacker, clone_m3_checked;
	unsigned again_own, again_fresh, again_after_m1; /* PDUs seen before, by handle */
	unsigned same_round; /* two PDUs under one handle in one round */
	char path[64];
} T;

static void send_frame(const air_frame *f, sim_emit_fn emit, void *arg)
{
	uint8_t buf[AIR_MAX_FRAME];
	int n = air_encode(f, buf, sizeof buf);
	assert_true(n > 0);
	assert_int_equal(sim_medium_input(&T.s, buf, (size_t)n, emit, arg), AIOT_OK);
}

static void ignore(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	(void)frame;
	(void)len;
	fail_msg("a downlink or an ACK caused a D2R frame");
}

/* The network's answers go out after the round's ACK, as through a real reader. */
static void downlink(uint32_t handle, const uint8_t *nas, size_t len)
{
	assert_true(T.ndown < 64 && len <= AIR_MAX_NAS);
	T.down[T.ndown].due = T.round + T.slow;
	T.down[T.ndown].handle = handle;
	T.down[T.ndown].len = (uint16_t)len;
	memcpy(T.down[T.ndown++].pdu, nas, len);
}

static void flush_downlinks(void)
{
	size_t keep = 0;
	for (size_t i = 0; i < T.ndown; i++) {
		if (T.down[i].due > T.round) { /* a slow network: later */
			T.down[keep++] = T.down[i];
			continue;
		}
		air_frame f = {.type = AIR_DOA_DOWNLINK, .session = T.session};
		f.u.cmd.handle = T.down[i].handle;
		f.u.cmd.nas = T.down[i].pdu;
		f.u.cmd.nas_len = T.down[i].len;
		send_frame(&f, ignore, NULL);
	}
	T.ndown = keep;
}

static int attacker(uint32_t handle)
{
	return sim_index_of(&T.s.doa_h, handle) >= T.s.ndoa;
}

static binding *bind_of(uint32_t handle, int create)
{
	binding *free_b = NULL;
	for (int i = 0; i < MAX_BIND; i++) {
		if (T.b[i].state != 0 && T.b[i].session == T.session && T.b[i].handle == handle)
			return &T.b[i];
		if (free_b == NULL && (T.b[i].state == 0 || T.b[i].session != T.session))
			free_b = &T.b[i];
	}
	assert_true(!create || free_b != NULL);
	return create ? free_b : NULL;
}

static void check_data(int dev, const uint8_t *data, size_t len)
{
	assert_int_equal(len, 8);
	uint32_t line = (uint32_t)data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3];
	uint32_t seq = (uint32_t)data[4] << 24 | data[5] << 16 | data[6] << 8 | data[7];
	assert_int_equal(line, (uint32_t)dev + 1);
	assert_true(seq >= T.dev[dev].next_seq); /* a datum delivered twice fails here */
	T.dev[dev].next_seq = seq + 1;
	T.dev[dev].data++;
}

/* Seen before? Then classify the repeat by the handle it comes under now. */
static void note(uint32_t handle, const uint8_t *pdu, size_t len, int after_m1)
{
	for (size_t i = 0; i < T.nseen; i++) {
		if (T.seen[i].len != len || memcmp(T.seen[i].pdu, pdu, len) != 0)
			continue;
		if (after_m1)
			T.again_after_m1++;
		else if (T.seen[i].handle == handle)
			T.again_own++;
		else if (attacker(handle))
			T.again_fresh++;
		return;
	}
	assert_true(T.nseen < MAX_SEEN);
	T.seen[T.nseen].handle = handle;
	T.seen[T.nseen].len = (uint16_t)len;
	memcpy(T.seen[T.nseen++].pdu, pdu, len);
}

static void on_m1(uint32_t handle, uint8_t *pdu, size_t len)
{
	uint8_t id_type, id[AIOT_NAS_MAX_ID_LEN], id_len, rand_n[16], out[AIR_MAX_NAS];
	assert_int_equal(doa_net_m1_id(pdu, len, &id_type, id, &id_len), AIOT_OK);
	int dev = -1;
	for (int i = 0; i < NDEV; i++)
		if (T.dev[i].perm_len == id_len && memcmp(T.dev[i].perm, id, id_len) == 0)
			dev = i;
	assert_true(dev >= 0); /* clones and replayers name genuine devices */
	T.m1_attacker += attacker(handle);
	binding *b = bind_of(handle, 1);
	memset(b, 0, sizeof *b);
	b->session = T.session;
	b->handle = handle;
	b->dev = dev;
	b->n = T.dev[dev].keys;
	memset(rand_n, T.round, sizeof rand_n);
	rand_n[0] = (uint8_t)handle;
	int n = doa_net_m2(T.be, &b->n, pdu, len, rand_n, out);
	assert_int_equal(n, AIOT_NAS_DOA_M2_LEN);
	b->state = 1;
	downlink(handle, out, (size_t)n);
}

/* A clone's M3: RES_D is what its own (wrong) key gives, not what the device's key gives. */
static void check_clone_m3(binding *b, const uint8_t *pdu, size_t len)
{
	aiot_nas_doa_auth_response r;
	uint8_t want[16];
	size_t klen;
	uint32_t victim;
	assert_int_equal(aiot_nas_decode_doa_auth_response(pdu, len, &r), AIOT_OK);
	assert_int_equal(r.res_len, b->n.res_bits / 8);
	assert_non_null(r.data); /* with a data block, as a device sends */
	assert_int_equal(aiot_derive_resd(T.be, b->n.suite, b->n.key, b->n.key_len, b->n.rand_n,
	                                  b->n.rand_d, b->n.id, b->n.id_len, b->n.res_bits, want),
	                 AIOT_OK);
	assert_memory_not_equal(want, r.res_d, r.res_len);
	for (uint32_t c = 0; c < sim_doa_clones(&T.s); c++) {
		const uint8_t *key = sim_doa_clone_key(&T.s, c, &klen, &victim);
		assert_non_null(key);
		assert_memory_not_equal(key, b->n.key, klen);
		aiot_derive_resd(T.be, b->n.suite, key, klen, b->n.rand_n, b->n.rand_d, b->n.id,
		                 b->n.id_len, b->n.res_bits, want);
		if (memcmp(want, r.res_d, r.res_len) == 0) {
			assert_int_equal(victim, (uint32_t)b->dev); /* T.s.doa[j] is line j + 1 */
			T.clone_m3_checked++;
			return;
		}
	}
	fail_msg("a clone's RES_D derived under no clone key");
}

static void on_m3(uint32_t handle, uint8_t *pdu, size_t len)
{
	const uint8_t *data;
	size_t dlen;
	uint8_t out[AIR_MAX_NAS];
	binding *b = bind_of(handle, 0);
	if (T.answer_any_m3) {
		doa_net_dev z = {.suite = AIOT_SUITE_3GPP, .keyed = 1};
		int n = doa_net_m4(T.be, &z, out, sizeof out);
		assert_true(n > 0);
		downlink(handle, out, (size_t)n);
		return;
	}
	if (b == NULL || b->state != 1) {
		T.unexpected++; /* no exchange waits for it */
		return;
	}
	uint8_t copy[AIR_MAX_NAS];
	memcpy(copy, pdu, len);
	if (doa_net_m3(T.be, &b->n, pdu, len, &data, &dlen) != AIOT_OK) {
		T.resd_failed++;
		if (attacker(handle) &&
		    sim_index_of(&T.s.doa_h, handle) < T.s.ndoa + sim_doa_clones(&T.s))
			check_clone_m3(b, copy, len);
		b->state = 0; /* the exchange is dropped, nothing sent */
		return;
	}
	check_data(b->dev, data, dlen);
	int n = doa_net_m4(T.be, &b->n, out, sizeof out);
	assert_true(n > 0);
	b->state = 2;
	T.dev[b->dev].registered++;
	downlink(handle, out, (size_t)n);
}

static void on_uplink(uint32_t handle, uint8_t *pdu, size_t len)
{
	const uint8_t *data;
	size_t dlen;
	binding *b = bind_of(handle, 0);
	if (b == NULL || b->state != 2) {
		T.unexpected++;
		return;
	}
	int rc = doa_net_uplink(T.be, &b->n, pdu, len, &data, &dlen);
	if (rc == AIOT_ERR_REPLAY)
		T.replayed++;
	else if (rc != AIOT_OK)
		T.bad_mac++;
	else
		check_data(b->dev, data, dlen);
}

static void network(uint32_t handle, const uint8_t *nas, size_t len)
{
	uint8_t pdu[AIR_MAX_NAS];
	memcpy(pdu, nas, len);
	int type = aiot_nas_peek_type(pdu, len);
	if (type == AIOT_NAS_DOA_REG_REQUEST) {
		on_m1(handle, pdu, len);
		return;
	}
	binding *b = bind_of(handle, 0);
	note(handle, pdu, len, attacker(handle) && b != NULL && b->state == 1);
	if (type == AIOT_NAS_DOA_AUTH_RESPONSE)
		on_m3(handle, pdu, len);
	else
		on_uplink(handle, pdu, len);
}

static void on_d2r(void *arg, const uint8_t *frame, size_t len)
{
	air_frame f;
	(void)arg;
	assert_int_equal(air_decode(frame, len, &f), AIOT_OK);
	if (f.type != AIR_DOA_SLOT || f.u.slot.outcome != AIR_SLOT_SINGLE)
		return;
	assert_true(T.nack < 64);
	for (size_t i = 0; i < T.nack; i++) /* a device sends one PDU per round */
		T.same_round += T.ack[i] == f.u.slot.handle;
	T.ack[T.nack++] = f.u.slot.handle;
	network(f.u.slot.handle, f.u.slot.nas, f.u.slot.nas_len);
}

static void round_(uint8_t q)
{
	air_frame f = {.type = AIR_DOA_OPEN, .session = T.session};
	f.u.doa_open.round = ++T.round;
	f.u.doa_open.q = q;
	T.nack = 0;
	send_frame(&f, on_d2r, NULL);
	if (T.nack > 0) {
		air_frame a = {.type = AIR_ACK, .session = T.session};
		a.u.ack.handles = T.ack;
		a.u.ack.n = (uint16_t)T.nack;
		send_frame(&a, ignore, NULL);
	}
	flush_downlinks();
}

/* Rounds until every device registered once more (q = 4: 16 slots). */
static void register_all(void)
{
	uint64_t want = T.s.st.doa_registrations + NDEV;
	for (int i = 0; i < 60 && T.s.st.doa_registrations < want; i++)
		round_(4);
	assert_int_equal(T.s.st.doa_registrations, want);
	assert_int_equal(sim_doa_registered(&T.s), NDEV);
}

/* `periods` report periods, with rounds every period / steps. */
static void run_periods(int periods, int steps)
{
	for (int p = 0; p < periods * steps; p++) {
		T.s.now_us += PERIOD_MS * 1000u / (unsigned)steps;
		for (int i = 0; i < 8; i++)
			round_(4);
	}
}

static void setup_sim(double rogue, uint32_t clones, double replay)
{
	char err[256];
	memset(&T, 0, sizeof T);
	snprintf(T.path, sizeof T.path, "/tmp/test_sim_doa_attack_%d.jsonl", (int)getpid());
	FILE *f = fopen(T.path, "w");
	assert_non_null(f);
	fputs(devices, f);
	fclose(f);
	assert_int_equal(sim_load(&T.s, T.path, 0, 7, err, sizeof err), 0);
	assert_int_equal(sim_doa_setup(&T.s, NDEV, PERIOD_MS, TIMEOUT_MS, err, sizeof err), 0);
	assert_int_equal(sim_doa_attack_setup(&T.s, rogue, clones, replay, err, sizeof err), 0);
	T.be = aiot_backend_openssl_new();
	assert_non_null(T.be);
	const char *p = devices;
	for (int i = 0; i < NDEV; i++) {
		const char *nl = strchr(p, '\n');
		aiot_devline l;
		char msg[128];
		assert_int_equal(aiot_devline_parse(p, (size_t)(nl + 1 - p), 0, AIOT_NAS_MAX_ID_LEN,
		                                    &l, msg, sizeof msg),
		                 0);
		net_dev *d = &T.dev[i];
		memcpy(d->keys.key, l.key, l.key_len);
		d->keys.key_len = l.key_len;
		d->keys.suite = l.suite;
		d->keys.res_bits = l.res_bits;
		memcpy(d->perm, l.perm_id, l.perm_id_len);
		d->perm_len = l.perm_id_len;
		p = nl + 1;
	}
	T.session = 0xD0A1;
	T.s.now_us = 1000000;
}

static int teardown(void **state)
{
	(void)state;
	sim_free(&T.s);
	for (int i = 0; i < MAX_BIND; i++)
		doa_net_clear(&T.b[i].n);
	for (int i = 0; i < NDEV; i++)
		doa_net_clear(&T.dev[i].keys);
	aiot_backend_openssl_free(T.be);
	unlink(T.path);
	return 0;
}

static uint64_t m2_refused(void)
{
	uint64_t n = 0;
	for (uint32_t j = 0; j < T.s.ndoa; j++) {
		assert_int_equal(T.s.doa[j].doa.m2_foreign, 0); /* each carried the right tag */
		n += T.s.doa[j].doa.m2_dropped;
	}
	return n;
}

/* --rogue-network 1: every exchange gets (a)-(d) before M2 and (e), (f) before M4; each one
 * reaches the library's MAC check and is dropped; every device registers, in two sessions. */
static void test_rogue_network(void **state)
{
	(void)state;
	setup_sim(1, 0, 0);
	register_all();
	uint64_t m2 = T.s.st.doa_rogue_m2_sent, m4 = T.s.st.doa_rogue_m4_sent;
	/* First exchange: (a), (d) with RAND_d each; (c) once another device's M2 was on the
	 * air; no earlier M2 / M4 / RES_D of its own yet; (f) the data block of its M3. */
	assert_in_range(m2, 2 * NDEV, 3 * NDEV - 1);
	assert_int_equal(m4, NDEV);
	T.session++; /* a new DO-A session: every device registers again */
	register_all();
	/* (a), (b), (c), (d) x 1 or 2 (RES_D >= 8 octets: 2 of 3 devices); (e), (f). */
	assert_int_equal(T.s.st.doa_rogue_m2_sent - m2, 4 * NDEV + 2);
	assert_int_equal(T.s.st.doa_rogue_m4_sent - m4, 2 * NDEV);
	assert_int_equal(m2_refused(), T.s.st.doa_rogue_m2_sent);
	assert_int_equal(sim_doa_m4_dropped(&T.s), T.s.st.doa_rogue_m4_sent);
	assert_int_equal(T.s.st.doa_rogue_network_accepted, 0);
	assert_int_equal(T.s.st.doa_registrations, 2 * NDEV);
	for (int i = 0; i < NDEV; i++)
		assert_int_equal(T.dev[i].registered, 2);
	run_periods(2, 10); /* and they report */
	for (int i = 0; i < NDEV; i++)
		assert_int_equal(T.dev[i].data, 4);
	assert_int_equal(T.s.st.doa_timeouts, 0);
}

/* --rogue-network 0.5: about half the exchanges are attacked. */
static void test_rogue_share(void **state)
{
	(void)state;
	setup_sim(0.5, 0, 0);
	for (int k = 0; k < 20; k++) {
		T.session++;
		register_all();
	}
	assert_int_equal(T.s.st.doa_registrations, 20 * NDEV);
	/* (f) once per attacked exchange: 60 exchanges, P = 0.5 */
	assert_in_range(T.s.st.doa_rogue_m4_sent, 15, 45 * 2);
	assert_true(T.s.st.doa_rogue_m2_sent >= 30 && T.s.st.doa_rogue_m2_sent <= 5 * 45);
	assert_int_equal(T.s.st.doa_rogue_network_accepted, 0);
}

/* --doa-clones 2: each clone names its device, gets M2s from the network, and sends at most
 * three M3s per session, each with RES_D under its wrong key: all refused. */
static void test_clones(void **state)
{
	(void)state;
	setup_sim(0, 2, 0);
	assert_int_equal(sim_doa_clones(&T.s), 2);
	register_all();
	for (int i = 0; i < 40; i++) { /* time for three attempts each */
		T.s.now_us += TIMEOUT_MS * 1000u / 4;
		round_(4);
	}
	assert_int_equal(T.m1_attacker, 6);
	assert_int_equal(T.s.st.doa_clone_m3_sent, 6);
	assert_int_equal(T.resd_failed, 6);
	assert_int_equal(T.clone_m3_checked, 6);
	assert_int_equal(T.s.st.doa_clone_registered, 0);
	for (int i = 0; i < NDEV; i++) /* the genuine devices: registered once, reporting */
		assert_int_equal(T.dev[i].registered, 1);
	assert_true(T.dev[0].data >= 5);
	assert_int_equal(T.s.st.doa_timeouts, 0);
	T.session++; /* a new session: three attempts again */
	register_all();
	for (int i = 0; i < 40; i++) {
		T.s.now_us += TIMEOUT_MS * 1000u / 4;
		round_(4);
	}
	assert_int_equal(T.s.st.doa_clone_m3_sent, 12);
}

/* The counter works: a broken network that answers any M3 registers the clone. */
static void test_clone_detector(void **state)
{
	(void)state;
	setup_sim(0, 1, 0);
	T.answer_any_m3 = 1;
	for (int i = 0; i < 40 && T.s.st.doa_clone_registered == 0; i++)
		round_(4);
	assert_true(T.s.st.doa_clone_registered >= 1);
}

/* --doa-replay 1: every M3 and Uplink Data is replayed under the victim's handle, under a
 * fresh handle, or (M3) after an M1 of the attacker; the network sees each as described and
 * refuses it; every datum is delivered once; the genuine devices are not disturbed. */
static void test_replay(void **state)
{
	(void)state;
	setup_sim(0, 0, 1);
	register_all();
	run_periods(6, 10);
	/* Whole periods: a replay falls due when its victim has its own data to send. */
	run_periods(6, 1);
	const sim_stats *st = &T.s.st;
	assert_true(st->doa_replays_own_m3 >= 1 && st->doa_replays_own_data >= 1 &&
	            st->doa_replays_fresh >= 2 && st->doa_replays_after_m1 >= 1);
	assert_int_equal(st->doa_replays_sent, st->doa_replays_own_m3 + st->doa_replays_own_data +
	                                           st->doa_replays_fresh +
	                                           st->doa_replays_after_m1);
	/* Under the handles described, as the network saw them. */
	assert_int_equal(T.again_own, st->doa_replays_own_m3 + st->doa_replays_own_data);
	assert_int_equal(T.again_fresh, st->doa_replays_fresh);
	assert_int_equal(T.again_after_m1, st->doa_replays_after_m1);
	assert_int_equal(T.m1_attacker, st->doa_replays_after_m1);
	/* All refused: an M3 with no exchange waiting, a stale COUNT, an old RES_D. */
	assert_int_equal(T.unexpected, st->doa_replays_own_m3 + st->doa_replays_fresh);
	assert_int_equal(T.replayed, st->doa_replays_own_data);
	assert_int_equal(T.resd_failed, st->doa_replays_after_m1);
	assert_int_equal(T.bad_mac, 0);
	assert_int_equal(st->doa_replays_answered, 0);
	for (int i = 0; i < NDEV; i++) {
		assert_int_equal(T.dev[i].registered, 1);
		assert_int_equal(T.dev[i].data, 13); /* M3's block + 12 periods, each once */
	}
	assert_int_equal(T.same_round, 0); /* never beside the victim's own PDU */
	assert_int_equal(st->doa_timeouts, 0);
	assert_int_equal(st->doa_unexpected, 0);
}

/* A replay under a device's own handle waits until the device is registered and quiet: while
 * it registers (a new DO-A session, a slow network), an old M3 under its handle would be
 * taken by its exchange and end it. */
static void test_replay_own_waits(void **state)
{
	(void)state;
	setup_sim(0, 0, 1);
	register_all(); /* the M3s are recorded, the first one to go under its own handle */
	T.s.now_us += PERIOD_MS * 1000u; /* the replays are due ... */
	T.session++;                     /* ... as every device registers again */
	T.slow = 2;
	for (int i = 0; i < 60 && T.s.st.doa_registrations < 2 * NDEV; i++)
		round_(4);
	T.slow = 0;
	for (int i = 0; i < 10; i++)
		round_(4);
	assert_int_equal(T.s.st.doa_registrations, 2 * NDEV);
	assert_int_equal(T.s.st.doa_timeouts, 0);
	assert_true(T.s.st.doa_replays_own_m3 >= 1);
	assert_int_equal(T.resd_failed, T.s.st.doa_replays_after_m1);
}

/* The counter works: a broken network that answers any M3 answers a replayed one. */
static void test_replay_detector(void **state)
{
	(void)state;
	setup_sim(0, 0, 1);
	register_all();
	T.answer_any_m3 = 1;
	run_periods(2, 10);
	assert_true(T.s.st.doa_replays_answered >= 1);
}

/* Attackers need DO-A devices. */
static void test_setup_bounds(void **state)
{
	char err[128];
	(void)state;
	setup_sim(0, 0, 0);
	assert_int_equal(sim_doa_attack_setup(&T.s, 0, NDEV + 1, 0, err, sizeof err), -1);
	sim_doa_free(&T.s);
	assert_int_equal(sim_doa_attack_setup(&T.s, 0.5, 0, 0, err, sizeof err), -1);
	assert_non_null(strstr(err, "--doa"));
	assert_int_equal(sim_doa_attack_setup(&T.s, 0, 0, 0, err, sizeof err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_rogue_network, teardown),
	    cmocka_unit_test_teardown(test_rogue_share, teardown),
	    cmocka_unit_test_teardown(test_clones, teardown),
	    cmocka_unit_test_teardown(test_clone_detector, teardown),
	    cmocka_unit_test_teardown(test_replay, teardown),
	    cmocka_unit_test_teardown(test_replay_own_waits, teardown),
	    cmocka_unit_test_teardown(test_replay_detector, teardown),
	    cmocka_unit_test_teardown(test_setup_bounds, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
