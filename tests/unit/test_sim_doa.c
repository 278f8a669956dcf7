/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DO-A devices on aiot-devsim's medium (src/sim/sim_doa.c, docs/protocol.md §5.7) without
 * sockets: the test plays the reader (DOA_OPEN rounds, ACKs, DOA_DOWNLINK) and the network
 * (tests/tools/doa_net.c on the OpenSSL backend, an implementation independent of the
 * device library) and checks that every DO-A device registers and reports its data, that
 * collisions happen and are retried after a back-off, that a wrong M2 is dropped while the
 * device keeps waiting, that a missing answer brings a new M1, and that a new DO-A session
 * gives new handles and new registrations.
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
#include "sim/sim.h"
#include "../tools/doa_net.h"

#define NDEV 3
#define PERIOD_MS 1000
#define TIMEOUT_MS 500

static const char devices[] =
    "{\"aiotDevPermId\":\"AQIDBAAAAAAAAAAB\",\"key\":\"000102030405060708090a0b0c0d0e0f\","
    "\"suite\":\"3gpp\",\"resBits\":64}\n"
    "{\"aiotDevPermId\":\"AQIDBAAAAAAAAAAC\",\"key\":\"101112131415161718191a1b1c1d1e1f\","
    "\"suite\":\"aes\",\"resBits\":32}\n"
    "{\"aiotDevPermId\":\"BQYHCAAAAAAAAAAD\",\"key\":"
    "\"202122232425262728292a2b2c2d2e2f202122232425262728292a2b2c2d2e2f\","
    "\"suite\":\"3gpp\",\"resBits\":128}\n";

typedef struct net_dev {
	doa_net_dev n;
	uint8_t perm[AIOT_NAS_MAX_ID_LEN];
	uint8_t perm_len;
	uint32_t line;
	uint32_t handle;
	int registered, data;
	uint32_t next_seq;
} net_dev;

static struct {
	sim s;
	aiot_backend *be;
	net_dev dev[NDEV];
	uint32_t session;
	uint16_t round;
	uint32_t ack[64];
	size_t nack;
	int drop_m2; /* answer the next M1 with a wrong MAC_N, then the right one */
	int silent;  /* the network answers nothing */
	unsigned rx_single, rx_collision, rx_end;
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

static void downlink(uint32_t handle, const uint8_t *nas, size_t len)
{
	air_frame f = {.type = AIR_DOA_DOWNLINK, .session = T.session};
	f.u.cmd.handle = handle;
	f.u.cmd.nas = nas;
	f.u.cmd.nas_len = (uint16_t)len;
	send_frame(&f, ignore, NULL);
}

static net_dev *by_handle(uint32_t handle)
{
	for (int i = 0; i < NDEV; i++)
		if (T.dev[i].handle == handle)
			return &T.dev[i];
	return NULL;
}

/* The application data of a device: its devices.jsonl line and a sequence number. */
static void check_data(net_dev *d, const uint8_t *data, size_t len)
{
	assert_int_equal(len, 8);
	uint32_t line = (uint32_t)data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3];
	uint32_t seq = (uint32_t)data[4] << 24 | data[5] << 16 | data[6] << 8 | data[7];
	assert_int_equal(line, d->line);
	assert_true(seq >= d->next_seq);
	d->next_seq = seq + 1;
	d->data++;
}

/* The network's part for one uplink PDU from handle. */
static void network(uint32_t handle, const uint8_t *nas, size_t len)
{
	uint8_t pdu[AIR_MAX_NAS], out[AIR_MAX_NAS], rand_n[16];
	const uint8_t *data;
	size_t dlen;
	memcpy(pdu, nas, len);
	int type = aiot_nas_peek_type(pdu, len);
	if (type == AIOT_NAS_DOA_REG_REQUEST) {
		uint8_t id_type, id[AIOT_NAS_MAX_ID_LEN], id_len;
		assert_int_equal(doa_net_m1_id(pdu, len, &id_type, id, &id_len), AIOT_OK);
		net_dev *d = NULL;
		for (int i = 0; i < NDEV; i++)
			if (T.dev[i].perm_len == id_len && memcmp(T.dev[i].perm, id, id_len) == 0)
				d = &T.dev[i];
		assert_non_null(d);
		d->handle = handle;
		if (T.silent)
			return;
		memset(rand_n, T.round, sizeof rand_n);
		int n = doa_net_m2(T.be, &d->n, pdu, len, rand_n, out);
		assert_int_equal(n, AIOT_NAS_DOA_M2_LEN);
		if (T.drop_m2) {
			T.drop_m2 = 0;
			out[n - 1] ^= 1; /* MAC_N wrong: dropped, the device keeps waiting */
			downlink(handle, out, (size_t)n);
			out[n - 1] ^= 1;
		}
		downlink(handle, out, (size_t)n);
		return;
	}
	net_dev *d = by_handle(handle);
	assert_non_null(d);
	if (type == AIOT_NAS_DOA_AUTH_RESPONSE) {
		assert_int_equal(doa_net_m3(T.be, &d->n, pdu, len, &data, &dlen), AIOT_OK);
		check_data(d, data, dlen);
		int n = doa_net_m4(T.be, &d->n, out, sizeof out);
		assert_true(n > 0);
		downlink(handle, out, (size_t)n);
		d->registered++;
	} else {
		assert_int_equal(type, AIOT_NAS_UPLINK_DATA);
		assert_int_equal(doa_net_uplink(T.be, &d->n, pdu, len, &data, &dlen), AIOT_OK);
		check_data(d, data, dlen);
	}
}

/* The D2R frames of a round as the reader sees them. */
static void on_d2r(void *arg, const uint8_t *frame, size_t len)
{
	air_frame f;
	(void)arg;
	assert_int_equal(air_decode(frame, len, &f), AIOT_OK);
	assert_int_equal(f.session, T.session);
	if (f.type == AIR_ROUND_END) {
		assert_int_equal(f.u.round_end.round, T.round);
		T.rx_end++;
		return;
	}
	assert_int_equal(f.type, AIR_DOA_SLOT);
	if (f.u.slot.outcome == AIR_SLOT_COLLISION) {
		T.rx_collision++;
		return;
	}
	T.rx_single++;
	assert_true(T.nack < 64);
	T.ack[T.nack++] = f.u.slot.handle;
	network(f.u.slot.handle, f.u.slot.nas, f.u.slot.nas_len);
}

/* One access round of 2^q slots, its ACKs after it. */
static void round_(uint8_t q)
{
	air_frame f = {.type = AIR_DOA_OPEN, .session = T.session};
	f.u.doa_open.round = ++T.round;
	f.u.doa_open.q = q;
	T.nack = 0;
	send_frame(&f, on_d2r, NULL);
	if (T.nack == 0)
		return;
	air_frame a = {.type = AIR_ACK, .session = T.session};
	a.u.ack.handles = T.ack;
	a.u.ack.n = (uint16_t)T.nack;
	send_frame(&a, ignore, NULL);
}

static int setup(void **state)
{
	char err[256];
	(void)state;
	memset(&T, 0, sizeof T);
	snprintf(T.path, sizeof T.path, "/tmp/test_sim_doa_%d.jsonl", (int)getpid());
	FILE *f = fopen(T.path, "w");
	assert_non_null(f);
	fputs(devices, f);
	fclose(f);
	assert_int_equal(sim_load(&T.s, T.path, 0, 7, err, sizeof err), 0);
	assert_int_equal(sim_doa_setup(&T.s, NDEV, PERIOD_MS, TIMEOUT_MS, err, sizeof err), 0);
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
		memcpy(d->n.key, l.key, l.key_len);
		d->n.key_len = l.key_len;
		d->n.suite = l.suite;
		d->n.res_bits = l.res_bits;
		memcpy(d->perm, l.perm_id, l.perm_id_len);
		d->perm_len = l.perm_id_len;
		d->line = (uint32_t)i + 1;
		d->handle = SIM_NONE;
		p = nl + 1;
	}
	T.session = 0xD0A1;
	T.s.now_us = 1000000;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sim_free(&T.s);
	for (int i = 0; i < NDEV; i++)
		doa_net_clear(&T.dev[i].n);
	aiot_backend_openssl_free(T.be);
	unlink(T.path);
	return 0;
}

/* One slot for three devices: they collide, back off and retry until all register; then each
 * reports its data every period. */
static void test_register_and_report(void **state)
{
	(void)state;
	round_(0);
	assert_int_equal(T.rx_collision, 1);
	assert_int_equal(T.rx_single, 0);
	assert_int_equal(T.s.st.doa_starts, NDEV);
	for (int i = 0; i < 10; i++)
		round_(0);
	/* One slot: only the back-off lets a device through alone. */
	assert_true(T.rx_single >= 1);
	for (int i = 0; i < 40 && sim_doa_registered(&T.s) < NDEV; i++)
		round_(2);
	assert_int_equal(sim_doa_registered(&T.s), NDEV);
	assert_int_equal(T.s.st.doa_registrations, NDEV);
	assert_true(T.s.st.doa_collisions >= 1);
	assert_true(T.s.st.doa_retries >= 2); /* at least two of the first three tried again */
	for (int i = 0; i < NDEV; i++) {
		assert_int_equal(T.dev[i].registered, 1);
		assert_int_equal(T.dev[i].data, 1); /* the first data, in M3 */
	}
	round_(4); /* nothing due yet */
	assert_int_equal(T.nack, 0);
	for (int k = 1; k <= 3; k++) {
		T.s.now_us += PERIOD_MS * 1000u;
		for (int i = 0; i < 20 && T.s.st.doa_uplink_sent < (uint64_t)k * NDEV; i++)
			round_(4);
		assert_int_equal(T.s.st.doa_uplink_sent, (uint64_t)k * NDEV);
	}
	for (int i = 0; i < NDEV; i++)
		assert_int_equal(T.dev[i].data, 4);
	assert_int_equal(T.s.st.doa_timeouts, 0);
	assert_int_equal(sim_doa_m2_dropped(&T.s), 0);
}

/* A wrong MAC_N is dropped and counted; the device still takes the genuine M2. */
static void test_wrong_m2(void **state)
{
	(void)state;
	T.drop_m2 = 1;
	for (int i = 0; i < 40 && sim_doa_registered(&T.s) < NDEV; i++)
		round_(4);
	assert_int_equal(sim_doa_registered(&T.s), NDEV);
	assert_int_equal(sim_doa_m2_dropped(&T.s), 1);
	assert_int_equal(T.s.st.doa_unexpected, 0);
}

/* No answer: timeout-ms after the reader took its M1, a device sends a new M1 (new RAND_d). */
static void test_timeout(void **state)
{
	(void)state;
	T.silent = 1;
	for (int i = 0; i < 40 && T.s.st.doa_uplink_sent + T.rx_single < NDEV; i++)
		round_(4);
	assert_int_equal(T.rx_single, NDEV);
	round_(4);
	assert_int_equal(T.nack, 0); /* waiting */
	T.s.now_us += TIMEOUT_MS * 1000u;
	T.silent = 0;
	for (int i = 0; i < 40 && sim_doa_registered(&T.s) < NDEV; i++)
		round_(4);
	assert_int_equal(T.s.st.doa_timeouts, NDEV);
	assert_int_equal(sim_doa_registered(&T.s), NDEV);
}

/* A DOA_OPEN of another session: fresh handles, every device registers again; a downlink
 * to an old handle under the old session reaches nobody. */
static void test_new_session(void **state)
{
	(void)state;
	for (int i = 0; i < 40 && sim_doa_registered(&T.s) < NDEV; i++)
		round_(4);
	assert_int_equal(sim_doa_registered(&T.s), NDEV);
	uint32_t old_session = T.session, old_handle = T.dev[0].handle;
	T.session++;
	T.round = 0;
	for (int i = 0; i < 40 && T.s.st.doa_registrations < 2 * NDEV; i++)
		round_(4);
	assert_int_equal(T.s.st.doa_registrations, 2 * NDEV);
	assert_int_equal(T.s.st.doa_starts, 2 * NDEV);
	int moved = 0;
	for (int i = 0; i < NDEV; i++)
		moved += T.dev[i].handle != old_handle;
	assert_true(moved >= NDEV - 1); /* handles are fresh per session */
	air_frame f = {.type = AIR_DOA_DOWNLINK, .session = old_session};
	uint8_t nas[2] = {0x05, 0};
	f.u.cmd.handle = old_handle;
	f.u.cmd.nas = nas;
	f.u.cmd.nas_len = 2;
	send_frame(&f, ignore, NULL);
	assert_int_equal(T.s.st.doa_unexpected, 0);
	assert_int_equal(sim_doa_m2_dropped(&T.s), 0);
}

/* A lost SINGLE (--loss) is not ACKed: the device sends the same PDU again after a back-off,
 * and every device still registers and reports. */
static void test_loss(void **state)
{
	(void)state;
	T.s.loss = 0.5;
	for (int i = 0; i < 200 && sim_doa_registered(&T.s) < NDEV; i++)
		round_(4);
	assert_int_equal(sim_doa_registered(&T.s), NDEV);
	assert_true(T.s.st.lost >= 1);
	assert_true(T.s.st.doa_retries >= T.s.st.lost);
	T.s.now_us += PERIOD_MS * 1000u;
	for (int i = 0; i < 200 && T.s.st.doa_uplink_sent < NDEV; i++)
		round_(4);
	assert_int_equal(T.s.st.doa_uplink_sent, NDEV);
}

/* A medium without DO-A devices still ends each DO-A round (all slots empty). */
static void test_no_doa_devices(void **state)
{
	(void)state;
	sim_doa_free(&T.s);
	round_(2);
	round_(0);
	assert_int_equal(T.rx_single + T.rx_collision, 0);
	assert_int_equal(T.rx_end, 2);
	assert_int_equal(T.s.st.doa_opens, 2);
	assert_int_equal(T.s.st.doa_starts, 0);
}

/* --doa beyond the population is refused. */
static void test_setup_bounds(void **state)
{
	char err[128];
	(void)state;
	sim_doa_free(&T.s);
	assert_int_equal(sim_doa_setup(&T.s, NDEV + 1, 1, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "only 3 devices"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_register_and_report, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_m2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_new_session, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_loss, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_doa_devices, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_setup_bounds, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
