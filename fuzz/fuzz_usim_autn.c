/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the software USIM (src/ue/usim.c) over (RAND, AUTN): the input is a sequence of
 * 33-octet challenges RAND (16) || AUTN (16) || flags (1) run against one card. Flags bit 0:
 * replace MAC-A by the right one (so that the SQN logic of TS 33.102 Annex C.2 is reached
 * with the fuzzer's SQNs, not only MAC failures); bit 1: a small delta. Checked after each:
 * the result is one of OK / MAC failure / sync failure; OK stores exactly SEQ at IND and
 * matches the network's RES, CK, IK; a sync failure leaves the state alone and its AUTS
 * verifies at the network, which recovers the card's SQN_MS.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/aiot_err.h"
#include "crypto/milenage.h"
#include "ue/usim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t K[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                              0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
static const uint8_t OPC[16] = {0x62, 0xe7, 0x5b, 0x8d, 0x6f, 0xa5, 0xbf, 0x46,
                                0xec, 0x87, 0xa9, 0x27, 0x6f, 0x9d, 0xf5, 0x4d};

static uint64_t get48(const uint8_t p[6])
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 6; i++)
		v = v << 8 | p[i];
	return v;
}

static void one(aiot_usim *u, const uint8_t *rand, const uint8_t *autn_in, uint8_t flags)
{
	uint8_t autn[16], sqn[6], sqn_ms[6], back[6];
	aiot_milenage_out o;
	aiot_usim_result r;
	aiot_usim before = *u;

	memcpy(autn, autn_in, 16);
	aiot_milenage(K, OPC, rand, autn, autn + 6, &o); /* AK only */
	for (int i = 0; i < 6; i++)
		sqn[i] = autn[i] ^ o.ak[i];
	aiot_milenage(K, OPC, rand, sqn, autn + 6, &o);
	if (flags & 1)
		memcpy(autn + 8, o.mac_a, 8);
	int mac_ok = memcmp(autn + 8, o.mac_a, 8) == 0;
	aiot_usim_sqn_ms(u, sqn_ms);
	uint64_t s = get48(sqn), seq = s >> 5, top = get48(sqn_ms) >> 5;
	int fresh = seq > u->seq_ms[s & 31] && (seq <= top || seq - top <= u->delta);
	int rc = aiot_usim_authenticate(u, rand, autn, &r);
	if (rc == AIOT_OK) {
		if (!mac_ok || !fresh || u->seq_ms[s & 31] != seq || memcmp(r.res, o.res, 8) != 0 ||
		    memcmp(r.ck, o.ck, 16) != 0 || memcmp(r.ik, o.ik, 16) != 0)
			__builtin_trap();
		before.seq_ms[s & 31] = seq;
	} else if (rc == AIOT_USIM_SYNC_FAILURE) {
		if (!mac_ok || fresh || aiot_milenage_auts(K, OPC, rand, r.auts, back) != AIOT_OK ||
		    memcmp(back, sqn_ms, 6) != 0)
			__builtin_trap();
	} else if (rc != AIOT_ERR_MAC || mac_ok) {
		__builtin_trap();
	}
	if (memcmp(&before, u, sizeof *u) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aiot_usim u;
	aiot_usim_init(&u, K, OPC);
	for (; size >= 33; data += 33, size -= 33) {
		u.delta = (data[32] & 2) ? 64 : AIOT_USIM_DELTA_DEFAULT;
		one(&u, data, data + 16, data[32]);
	}
	aiot_usim_clear(&u);
	return 0;
}
