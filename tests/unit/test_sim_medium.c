/* SPDX-License-Identifier: Apache-2.0 */
/* The device population and the radio medium of aiot-devsim (src/sim, docs/protocol.md
 * §5.4, §5.6): strict devices.jsonl parsing, slots and collisions, ACK silence, identification
 * kinds, T-ID presentation, commands (genuine accepted, clone rejected), RELEASE. */
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
#include "crypto/aiot_fc.h"
#include "crypto/kdf.h"
#include "nas/nas.h"
#include "nas/nas_security.h"
#include "sim/sim.h"

/* Permanent IDs: base64 of 12 octets; the first two share the group code 01020304. */
#define ID0 "AQIDBAAAAAAAAAAB" /* 01 02 03 04 00.. 01 */
#define ID1 "AQIDBAAAAAAAAAAC"
#define ID2 "BQYHCAAAAAAAAAAD" /* 05 06 07 08 ... */
#define ID3 "CQoLDAAAAAAAAAAE"
#define KEY0 "000102030405060708090a0b0c0d0e0f"
#define TID3 "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"

static const char good[] =
    "{\"aiotDevPermId\":\"" ID0 "\",\"key\":\"" KEY0
    "\",\"suite\":\"3gpp\",\"resBits\":64,\"group\":\"g\"}\n"
    "{\"aiotDevPermId\":\"" ID1 "\",\"key\":\"101112131415161718191a1b1c1d1e1f\",\"suite\":"
    "\"3gpp\",\"resBits\":64,\"group\":\"g\"}\n"
    "\n"
    "{\"aiotDevPermId\":\"" ID2 "\",\"key\":\"202122232425262728292a2b2c2d2e2f\",\"suite\":\"aes\","
    "\"resBits\":32,\"group\":\"h\"}\n"
    "{\"aiotDevPermId\":\"" ID3
    "\",\"key\":\"303132333435363738393a3b3c3d3e3f\",\"suite\":\"3gpp\",\"resBits\":128,\"group\":"
    "\"p\",\"privacy\":true,\"tid\":\"" TID3 "\"}\n";

typedef struct frames {
	air_frame f[64];
	uint8_t buf[64][AIR_MAX_FRAME];
	int n;
} frames;

static void collect(void *arg, const uint8_t *frame, size_t len)
{
	frames *fr = arg;
	assert_true(fr->n < 64);
	memcpy(fr->buf[fr->n], frame, len);
	assert_int_equal(air_decode(fr->buf[fr->n], len, &fr->f[fr->n]), AIOT_OK);
	fr->n++;
}

static char path[64];

static void write_file(const char *text)
{
	snprintf(path, sizeof path, "/tmp/test_sim_%d.jsonl", (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const uint8_t rand_n[16] = {0x11, 0x22, 0x33};

static void page(sim *s, frames *fr, uint32_t session, uint16_t round, uint8_t q, uint8_t kind,
                 const uint8_t *ident, uint16_t bits)
{
	air_frame p = {.type = AIR_PAGING, .session = session};
	uint8_t buf[AIR_MAX_FRAME];
	p.u.paging.round = round;
	p.u.paging.q = q;
	p.u.paging.kind = kind;
	p.u.paging.ident = ident;
	p.u.paging.ident_bits = bits;
	memcpy(p.u.paging.rand_n, rand_n, 16);
	int n = air_encode(&p, buf, sizeof buf);
	assert_true(n > 0);
	fr->n = 0;
	assert_int_equal(sim_medium_input(s, buf, (size_t)n, collect, fr), AIOT_OK);
	assert_true(fr->n >= 1);
	assert_int_equal(fr->f[fr->n - 1].type, AIR_ROUND_END); /* always last */
}

static void test_load_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "{\"aiotDevPermId\":\"" ID0 "\",\"key\":\"" KEY0 "\",\"suite\":\"3gpp\",\"x\":1}\n",
	    "{\"aiotDevPermId\":\"" ID0 "\",\"key\":\"0001\",\"suite\":\"3gpp\"}\n",
	    "{\"aiotDevPermId\":\"" ID0 "\",\"key\":\"" KEY0 KEY0 "\",\"suite\":\"aes\"}\n",
	    "{\"aiotDevPermId\":\"" ID0 "\",\"key\":\"" KEY0
	    "\",\"suite\":\"3gpp\",\"privacy\":true}\n",
	    "{\"aiotDevPermId\":\"" ID0 "\",\"key\":\"" KEY0 "\",\"suite\":\"3gpp\",\"tid\":\"" TID3
	    "\"}\n",
	    "{\"aiotDevPermId\":\"" ID0 "\",\"key\":\"" KEY0
	    "\",\"suite\":\"3gpp\",\"resBits\":48}\n",
	    "{\"aiotDevPermId\":\"!!\",\"key\":\"" KEY0 "\",\"suite\":\"3gpp\"}\n",
	    "[1,2]\n",
	    "{\"aiotDevPermId\":\"" ID0 "\",\"key\":\"" KEY0 "\",\"suite\":\"3gpp\"",
	};
	char err[256], text[1024];
	sim s;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text,
		         "{\"aiotDevPermId\":\"" ID1 "\",\"key\":\"" KEY0
		         "\",\"suite\":\"3gpp\"}\n%s",
		         bad[i]);
		write_file(text);
		assert_int_equal(sim_load(&s, path, 0, 1, err, sizeof err), -1);
		assert_non_null(strstr(err, ":2: ")); /* the line number */
	}
	write_file("");
	assert_int_equal(sim_load(&s, path, 0, 1, err, sizeof err), -1);
	write_file(good);
	assert_int_equal(sim_load(&s, path, 5, 1, err, sizeof err), -1); /* 5 clones of 4 */
	unlink(path);
}

static sim S;
static frames F;

static int setup(void **state)
{
	char err[256];
	(void)state;
	write_file(good);
	assert_int_equal(sim_load(&S, path, 1, 42, err, sizeof err), 0);
	unlink(path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sim_free(&S);
	return 0;
}

static void test_slots_ack_release(void **state)
{
	(void)state;
	assert_int_equal(S.ndev, 5);
	assert_int_equal(S.nclones, 1);
	assert_true(S.devs[4].clone);
	assert_memory_equal(S.devs[4].cfg.perm_id, S.devs[0].cfg.perm_id, 12);
	/* One slot: all five collide. */
	page(&S, &F, 7, 1, 0, AIR_IDENT_ALL, NULL, 0);
	assert_int_equal(F.n, 2);
	assert_int_equal(F.f[0].u.slot.outcome, AIR_SLOT_COLLISION);
	assert_int_equal(F.f[0].u.slot.ncolliding, 5);
	assert_int_equal(F.f[1].u.round_end.collided, 1);
	/* 32768 slots: (with this seed) five singles, in slot order. */
	page(&S, &F, 7, 2, 15, AIR_IDENT_ALL, NULL, 0);
	assert_int_equal(F.n, 6);
	assert_int_equal(F.f[5].u.round_end.single, 5);
	uint32_t h[5];
	int tids = 0;
	for (int i = 0; i < 5; i++) {
		aiot_nas_inventory_response m;
		assert_int_equal(F.f[i].u.slot.outcome, AIR_SLOT_SINGLE);
		if (i > 0)
			assert_true(F.f[i].u.slot.slot > F.f[i - 1].u.slot.slot);
		h[i] = F.f[i].u.slot.handle;
		assert_int_equal(aiot_nas_decode_inventory_response(F.f[i].u.slot.nas,
		                                                    F.f[i].u.slot.nas_len, &m),
		                 AIOT_OK);
		tids += m.id_type == AIOT_NAS_ID_TID;
	}
	assert_int_equal(tids, 1); /* the privacy device shows its T-ID */
	/* ACK four: only the fifth answers again; ACK it: the round is silent. */
	air_frame a = {.type = AIR_ACK, .session = 7};
	uint8_t buf[AIR_MAX_FRAME];
	a.u.ack.handles = h;
	a.u.ack.n = 4;
	int n = air_encode(&a, buf, sizeof buf);
	assert_int_equal(sim_medium_input(&S, buf, (size_t)n, collect, &F), AIOT_OK);
	page(&S, &F, 7, 3, 15, AIR_IDENT_ALL, NULL, 0);
	assert_int_equal(F.n, 2);
	a.u.ack.handles = &F.f[0].u.slot.handle;
	a.u.ack.n = 1;
	n = air_encode(&a, buf, sizeof buf);
	assert_int_equal(sim_medium_input(&S, buf, (size_t)n, collect, &F), AIOT_OK);
	page(&S, &F, 7, 4, 3, AIR_IDENT_ALL, NULL, 0);
	assert_int_equal(F.n, 1);
	assert_int_equal(F.f[0].u.round_end.empty, 8);
	/* Another session with the same handles knows nothing of them (fresh per session). */
	page(&S, &F, 8, 1, 15, AIR_IDENT_ALL, NULL, 0);
	assert_int_equal(F.n, 6);
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++)
			assert_int_not_equal(F.f[i].u.slot.handle, h[j]);
	/* RELEASE; a later PAGING with that id is a new session. */
	air_frame r = {.type = AIR_RELEASE, .session = 8};
	n = air_encode(&r, buf, sizeof buf);
	assert_int_equal(sim_medium_input(&S, buf, (size_t)n, collect, &F), AIOT_OK);
	/* A D2R frame or garbage sent to the medium is dropped and counted. */
	uint64_t bad = S.st.bad_frames;
	assert_int_not_equal(sim_medium_input(&S, buf, 3, collect, &F), AIOT_OK);
	assert_int_equal(S.st.bad_frames, bad + 1);
}

static void test_identification(void **state)
{
	(void)state;
	static const uint8_t group[4] = {1, 2, 3, 4}, short_group[1] = {0x00}; /* 0000000. */
	uint8_t tid[16], id2[12];
	for (int i = 0; i < 16; i++)
		tid[i] = (uint8_t)(0xA0 + i);
	memcpy(id2, S.devs[2].cfg.perm_id, 12);
	uint64_t r0 = S.st.responses;
	page(&S, &F, 20, 1, 15, AIR_IDENT_GROUP, group, 32); /* two devices + the clone of one */
	assert_int_equal(S.st.responses - r0, 3);
	r0 = S.st.responses;
	page(&S, &F, 21, 1, 15, AIR_IDENT_GROUP, short_group, 7); /* IDs 00.. and 01.. */
	assert_int_equal(S.st.responses - r0, 3);
	r0 = S.st.responses;
	page(&S, &F, 25, 1, 15, AIR_IDENT_GROUP, short_group, 8); /* IDs 00..: nobody */
	assert_int_equal(S.st.responses - r0, 0);
	page(&S, &F, 22, 1, 4, AIR_IDENT_SINGLE, id2, 96);
	assert_int_equal(F.n, 2);
	aiot_nas_inventory_response m;
	assert_int_equal(
	    aiot_nas_decode_inventory_response(F.f[0].u.slot.nas, F.f[0].u.slot.nas_len, &m),
	    AIOT_OK);
	assert_int_equal(m.id_type, AIOT_NAS_ID_NONE);
	assert_int_equal(m.res_len, 4);                     /* aes suite, 32-bit RES */
	page(&S, &F, 23, 1, 4, AIR_IDENT_SINGLE, tid, 128); /* by T-ID */
	assert_int_equal(F.n, 2);
	assert_int_equal(
	    aiot_nas_decode_inventory_response(F.f[0].u.slot.nas, F.f[0].u.slot.nas_len, &m),
	    AIOT_OK);
	assert_int_equal(m.res_len, 16);
	tid[0] ^= 1;
	page(&S, &F, 24, 1, 4, AIR_IDENT_SINGLE, tid, 128); /* nobody */
	assert_int_equal(F.n, 1);
}

/* A Command Request protected as the AIOTF would, from device 0's key and its RAND_d. */
static int command_for(const air_frame *slot, uint32_t session, uint8_t *frame)
{
	aiot_nas_inventory_response m;
	uint8_t key[16], kaiotf[16], kint[16], kenc[16], plain[8], pdu[64];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i; /* KEY0 */
	assert_int_equal(
	    aiot_nas_decode_inventory_response(slot->u.slot.nas, slot->u.slot.nas_len, &m),
	    AIOT_OK);
	aiot_derive_kaiotf(&aiot_backend_ref, AIOT_SUITE_3GPP, key, 16, rand_n, m.rand_d, kaiotf);
	aiot_derive_algkey(&aiot_backend_ref, AIOT_SUITE_3GPP, kaiotf, AIOT_ALG_TYPE_INT,
	                   AIOT_ALG_ID_NIA2, kint);
	aiot_derive_algkey(&aiot_backend_ref, AIOT_SUITE_3GPP, kaiotf, AIOT_ALG_TYPE_ENC,
	                   AIOT_ALG_ID_NEA2, kenc);
	aiot_nas_command c = {.cmd = AIOT_CMD_READ, .offset = 0, .length = 4};
	int pl = aiot_nas_encode_command(&c, plain, sizeof plain);
	int n = aiot_nas_protect(&aiot_backend_ref, kint, kenc, AIOT_NAS_COMMAND_REQUEST, 0,
	                         AIOT_DIR_DOWNLINK, plain, (size_t)pl, pdu, sizeof pdu);
	assert_true(n > 0);
	air_frame f = {.type = AIR_COMMAND, .session = session};
	f.u.cmd.handle = slot->u.slot.handle;
	f.u.cmd.nas = pdu;
	f.u.cmd.nas_len = (uint16_t)n;
	return air_encode(&f, frame, AIR_MAX_FRAME);
}

static void test_commands_genuine_and_clone(void **state)
{
	(void)state;
	static const uint8_t id0[12] = {1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 1};
	uint8_t buf[AIR_MAX_FRAME];
	frames out;
	page(&S, &F, 30, 1, 15, AIR_IDENT_SINGLE, id0, 96); /* device 0 and its clone */
	assert_int_equal(F.n, 3);
	uint64_t acc = S.st.commands_accepted, rej = S.st.commands_rejected;
	int responses = 0;
	for (int i = 0; i < 2; i++) {
		int n = command_for(&F.f[i], 30, buf);
		out.n = 0;
		assert_int_equal(sim_medium_input(&S, buf, (size_t)n, collect, &out), AIOT_OK);
		if (out.n == 1) {
			assert_int_equal(out.f[0].type, AIR_COMMAND_RESP);
			assert_int_equal(out.f[0].u.cmd.handle, F.f[i].u.slot.handle);
			responses++;
		}
		/* The same command again: a replay, rejected by the device library. */
		out.n = 0;
		assert_int_equal(sim_medium_input(&S, buf, (size_t)n, collect, &out), AIOT_OK);
		assert_int_equal(out.n, 0);
	}
	assert_int_equal(responses, 1);
	assert_int_equal(S.st.commands_accepted, acc + 1);
	assert_int_equal(S.st.commands_rejected, rej + 3);
	assert_int_equal(S.st.clone_commands_accepted, 0);
	/* After RELEASE the session's devices forget it: no command reaches them. */
	air_frame r = {.type = AIR_RELEASE, .session = 30};
	int n = air_encode(&r, buf, sizeof buf);
	assert_int_equal(sim_medium_input(&S, buf, (size_t)n, collect, &out), AIOT_OK);
	n = command_for(&F.f[0], 30, buf);
	out.n = 0;
	assert_int_equal(sim_medium_input(&S, buf, (size_t)n, collect, &out), AIOT_OK);
	assert_int_equal(out.n, 0);
}

/* Within a session a device computes one answer (RAND_AIOT_d, RES, K_AIOTF) and sends that
 * same Inventory Response in every round until it is acknowledged; a paging of another
 * session in between makes it answer anew. Frames up to Q = AIR_MAX_Q (long slot numbers). */
static void test_answer_kept_until_ack(void **state)
{
	(void)state;
	uint8_t nas[5][AIR_MAX_NAS];
	uint16_t len[5];
	uint32_t h[5];
	uint64_t r0 = S.st.responses, p0 = S.st.repeats;
	page(&S, &F, 40, 1, 0, AIR_IDENT_ALL, NULL, 0); /* one slot: all collide */
	assert_int_equal(S.st.responses - r0, 5);
	page(&S, &F, 40, 2, AIR_MAX_Q, AIR_IDENT_ALL, NULL, 0);
	assert_int_equal(S.st.responses - r0, 5); /* no new device session */
	assert_int_equal(S.st.repeats - p0, 5);
	assert_int_equal(F.n, 6);
	const air_frame *end = &F.f[5];
	assert_int_equal(end->u.round_end.q, AIR_MAX_Q);
	assert_int_equal(end->u.round_end.single, 5);
	assert_int_equal(end->u.round_end.empty, (1u << AIR_MAX_Q) - 5);
	for (int i = 0; i < 5; i++) {
		h[i] = F.f[i].u.slot.handle;
		len[i] = F.f[i].u.slot.nas_len;
		memcpy(nas[i], F.f[i].u.slot.nas, len[i]);
	}
	/* Not acknowledged: the same answers again, byte for byte. */
	page(&S, &F, 40, 3, AIR_MAX_Q, AIR_IDENT_ALL, NULL, 0);
	assert_int_equal(F.n, 6);
	assert_int_equal(S.st.responses - r0, 5);
	int same = 0;
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++)
			if (F.f[i].u.slot.handle == h[j] && F.f[i].u.slot.nas_len == len[j] &&
			    memcmp(F.f[i].u.slot.nas, nas[j], len[j]) == 0)
				same++;
	assert_int_equal(same, 5);
	/* Session 41 pages them: new device sessions; back in session 40 they answer anew. */
	page(&S, &F, 41, 1, 10, AIR_IDENT_ALL, NULL, 0);
	assert_int_equal(S.st.responses - r0, 10);
	page(&S, &F, 40, 4, AIR_MAX_Q, AIR_IDENT_ALL, NULL, 0);
	assert_int_equal(S.st.responses - r0, 15);
	assert_int_equal(F.n, 6);
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++)
			if (F.f[i].u.slot.handle == h[j])
				assert_memory_not_equal(F.f[i].u.slot.nas, nas[j], len[j]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test_setup_teardown(test_slots_ack_release, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_identification, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commands_genuine_and_clone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_answer_kept_until_ack, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
