/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the reader's procedures (src/reader/reader_proc.h): the input is a script of events —
 * Inventory, Command and Release requests from the AIOTF, D2R frames (raw bytes, or SLOT,
 * ROUND_END and COMMAND_RESP frames for a live session's current round), DO-A slots and round
 * ends for the DO-A session, DO-A downlinks (reader_doa.c), timer expiries, the loss of the
 * NG link, the clock. The fakes check what comes out: every NG message encodes,
 * every air frame decodes, never more sessions than max-sessions, never a freed timer armed
 * (ASan), and every timer freed with the procedures.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "air/air.h"
#include "common/aiot_err.h"
#include "ngap/ngap_aiot.h"
#include "reader/reader_proc.h"
#include "../tests/unit/reader_fake_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NSESS 4 /* air sessions the script can name */

static struct {
	uint32_t next_session;
	/* The last PAGING of each air session (1..NSESS): its round and Q. */
	uint16_t round[NSESS + 1];
	uint8_t q[NSESS + 1];
	/* The last DOA_OPEN: the DO-A session, its round and Q. */
	uint32_t doa_session;
	uint16_t doa_round;
	uint8_t doa_q;
} F;

static int f_random(void *arg, void *out, size_t len)
{
	(void)arg;
	uint32_t v = ++F.next_session; /* 1, 2, ...: the script names them */
	if (len != sizeof v)
		__builtin_trap();
	memcpy(out, &v, len);
	return 0;
}

static int f_ng_send(void *arg, const ngap_msg *m)
{
	static uint8_t buf[1 << 20];
	(void)arg;
	if (ngap_encode(m, buf, sizeof buf) <= 0)
		__builtin_trap();
	return 0;
}

static void f_air_send(void *arg, const uint8_t *frame, size_t len)
{
	air_frame f;
	(void)arg;
	if (air_decode(frame, len, &f) != AIOT_OK)
		__builtin_trap();
	if (f.type == AIR_PAGING && f.session <= NSESS) {
		F.round[f.session] = f.u.paging.round;
		F.q[f.session] = f.u.paging.q;
	}
	if (f.type == AIR_DOA_OPEN) {
		F.doa_session = f.session;
		F.doa_round = f.u.doa_open.round;
		F.doa_q = f.u.doa_open.q;
	}
}

static const reader_io fuzz_io = {fake_now,          f_random,       f_ng_send,
                                  f_air_send,        fake_timer_new, fake_timer_arm,
                                  fake_timer_cancel, fake_timer_free};

/* The script's reader of octets: 0 once the input is used up. */
typedef struct script {
	const uint8_t *p;
	size_t n;
} script;

static uint8_t take(script *s)
{
	if (s->n == 0)
		return 0;
	s->n--;
	return *s->p++;
}

static void ng_request(reader_proc *rp, script *s, uint8_t op)
{
	static const uint8_t rand_n[16] = {0x5a, 0x17};
	uint8_t nas[8];
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.correlation_id = take(s) & 3;
	if (op == 0) {
		m.type = NGAP_INVENTORY_REQUEST;
		m.u.inv_req.ident_kind = (ngap_ident_kind)(take(s) % 3);
		m.u.inv_req.ident_bits =
		    m.u.inv_req.ident_kind == NGAP_IDENT_ALL ? 0 : take(s) % 40;
		m.u.inv_req.approx_devices = take(s);
		m.u.inv_req.followon_command = take(s) & 1;
		m.u.inv_req.time_interval = take(s) & 1;
		memcpy(m.u.inv_req.rand_n, rand_n, 16);
	} else if (op == 1) {
		m.type = NGAP_COMMAND_REQUEST;
		m.u.cmd.ran_device_id = take(s) & 7;
		m.u.cmd.nas_len = 1 + take(s) % sizeof nas;
		memset(nas, take(s), sizeof nas);
		m.u.cmd.nas_pdu = nas;
	} else {
		m.type = NGAP_SESSION_RELEASE_COMMAND;
	}
	reader_proc_on_ng(rp, &m);
}

static void air_in(reader_proc *rp, const air_frame *f)
{
	uint8_t buf[AIR_MAX_FRAME];
	int n = air_encode(f, buf, sizeof buf);
	if (n > 0)
		reader_proc_on_air(rp, buf, (size_t)n);
}

/* A D2R frame of a live session's current round (what the medium would send). */
static void air_event(reader_proc *rp, script *s, uint8_t op)
{
	uint8_t nas[40] = {0x01, 0x50, 0x5a, 0x17};
	uint32_t sess = 1 + take(s) % NSESS;
	air_frame f = {.session = sess};
	if (op == 0) {
		f.type = AIR_SLOT;
		f.u.slot.round = F.round[sess];
		f.u.slot.outcome = (take(s) & 1) ? AIR_SLOT_COLLISION : AIR_SLOT_SINGLE;
		f.u.slot.ncolliding = 2;
		f.u.slot.handle = take(s) & 15;
		nas[3] ^= take(s) & 1; /* foreign when set */
		f.u.slot.nas = nas;
		f.u.slot.nas_len = sizeof nas;
	} else if (op == 1) {
		uint32_t slots = 1u << F.q[sess];
		f.type = AIR_ROUND_END;
		f.u.round_end.round = F.round[sess];
		f.u.round_end.q = F.q[sess];
		f.u.round_end.single = take(s) % (slots + 1);
		f.u.round_end.collided = take(s) % (slots - f.u.round_end.single + 1);
		f.u.round_end.empty = slots - f.u.round_end.single - f.u.round_end.collided;
	} else {
		f.type = AIR_COMMAND_RESP;
		f.u.cmd.handle = take(s) & 15;
		f.u.cmd.nas = nas;
		f.u.cmd.nas_len = 2;
	}
	air_in(rp, &f);
}

/* A DO-A slot or round end of the DO-A session (op 0, 1), or a DO-A downlink (op 2) to one
 * of the first RAN IDs the reader can give (entry i of generation g: (g << 20) | i). */
static void doa_event(reader_proc *rp, script *s, uint8_t op)
{
	uint8_t nas[8] = {0x10, 0x01};
	air_frame f = {.session = F.doa_session};
	if (op == 2) {
		ngap_msg m;
		memset(&m, 0, sizeof m);
		m.type = NGAP_DOA_DOWNLINK_NAS;
		m.u.doa.ran_device_id = ((uint32_t)(take(s) & 15) << 20) | (take(s) & 7);
		m.u.doa.end = take(s) & 1;
		m.u.doa.nas_pdu = nas;
		m.u.doa.nas_len = 1 + take(s) % sizeof nas;
		reader_proc_on_ng(rp, &m);
		return;
	}
	if (op == 0) {
		f.type = AIR_DOA_SLOT;
		f.u.slot.round = F.doa_round;
		f.u.slot.outcome = (take(s) & 1) ? AIR_SLOT_COLLISION : AIR_SLOT_SINGLE;
		f.u.slot.ncolliding = 2;
		f.u.slot.handle = take(s) & 15;
		f.u.slot.nas = nas;
		f.u.slot.nas_len = sizeof nas;
	} else {
		uint32_t slots = 1u << F.doa_q;
		f.type = AIR_ROUND_END;
		f.u.round_end.round = F.doa_round;
		f.u.round_end.q = F.doa_q;
		f.u.round_end.single = take(s) % (slots + 1);
		f.u.round_end.collided = take(s) % (slots - f.u.round_end.single + 1);
		f.u.round_end.empty = slots - f.u.round_end.single - f.u.round_end.collided;
	}
	air_in(rp, &f);
}

static void fire(script *s)
{
	size_t k = take(s), seen = 0;
	for (size_t i = 0; i < FAKE_TIMERS; i++)
		if (fake_timers[i] != NULL && fake_timers[i]->armed &&
		    seen++ == k % (fake_ntimers + 1)) {
			fake_timer_fire(fake_timers[i]);
			return;
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	reader_cfg cfg = {.gnb_id = 1,
	                  .reader_index = 1,
	                  .max_rounds = 8,
	                  .round_timeout_ms = 100,
	                  .command_timeout_ms = 50,
	                  .report_batch = 4,
	                  .max_sessions = 3,
	                  .doa_interval_ms = 30,
	                  .doa_session_s = 1,
	                  .doa_max_devices = 4};
	script s = {data, size};
	memset(&F, 0, sizeof F);
	fake_io_reset();
	reader_proc *rp = reader_proc_new(&cfg, &fuzz_io, NULL);
	if (rp == NULL)
		return 0;
	while (s.n > 0) {
		uint8_t op = take(&s);
		switch (op % 10) {
		case 0:
		case 1:
		case 2:
			ng_request(rp, &s, op % 8);
			break;
		case 3:
		case 4:
		case 5:
			air_event(rp, &s, op % 8 - 3);
			reader_proc_air_batch_end(rp);
			break;
		case 6: {
			uint8_t len = take(&s); /* raw bytes, as received */
			len = len < s.n ? len : (uint8_t)s.n;
			reader_proc_on_air(rp, s.p, len);
			s.p += len;
			s.n -= len;
			break;
		}
		case 8:
		case 9:
			doa_event(rp, &s, op % 10 == 8 ? take(&s) % 3 : 0);
			break;
		default:
			if (op & 0x80)
				reader_proc_link_lost(rp);
			else if (op & 0x40)
				fake_clock_us += 700000;
			else
				fire(&s);
			break;
		}
		if (reader_proc_sessions(rp) > cfg.max_sessions)
			__builtin_trap();
	}
	reader_proc_free(rp);
	if (fake_ntimers != 0) /* a session or command outlived the procedures */
		__builtin_trap();
	return 0;
}
