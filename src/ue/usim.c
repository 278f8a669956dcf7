/* SPDX-License-Identifier: Apache-2.0 */
/* Software USIM: MAC-A check, SQN freshness (TS 33.102 Annex C.2) and AUTS (6.3.3). */
#include "usim.h"

#include <string.h>

#include "crypto/ct.h"

static uint64_t get48(const uint8_t p[6])
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 6; i++)
		v = v << 8 | p[i];
	return v;
}

static void put48(uint8_t p[6], uint64_t v)
{
	for (unsigned i = 0; i < 6; i++)
		p[i] = (uint8_t)(v >> (40 - 8 * i));
}

void aiot_usim_init(aiot_usim *u, const uint8_t k[16], const uint8_t opc[16])
{
	memset(u, 0, sizeof *u);
	memcpy(u->k, k, 16);
	memcpy(u->opc, opc, 16);
	u->delta = AIOT_USIM_DELTA_DEFAULT;
}

void aiot_usim_clear(aiot_usim *u)
{
	aiot_zeroize(u, sizeof *u);
}

/* The index of the highest SEQ_MS (the lowest index among equals). */
static unsigned highest(const aiot_usim *u)
{
	unsigned best = 0;
	for (unsigned i = 1; i < AIOT_USIM_NIND; i++)
		if (u->seq_ms[i] > u->seq_ms[best])
			best = i;
	return best;
}

void aiot_usim_sqn_ms(const aiot_usim *u, uint8_t sqn_ms[6])
{
	unsigned i = highest(u);
	put48(sqn_ms, u->seq_ms[i] << AIOT_USIM_IND_BITS | i);
}

/* Annex C.2.2: SEQ > SEQ_MS(IND) and SEQ - SEQ_MS <= delta (SEQ_MS the highest). */
static int fresh(const aiot_usim *u, uint64_t sqn)
{
	uint64_t seq = sqn >> AIOT_USIM_IND_BITS, top = u->seq_ms[highest(u)];
	unsigned ind = (unsigned)(sqn & (AIOT_USIM_NIND - 1));
	return seq > u->seq_ms[ind] && (seq <= top || seq - top <= u->delta);
}

/* AUTS = SQN_MS xor AK* || MAC-S, with AMF* = 0000 (TS 33.102 6.3.3). */
static void make_auts(const aiot_usim *u, const uint8_t rand[16], uint8_t auts[14])
{
	static const uint8_t amf0[2] = {0, 0};
	aiot_milenage_out o;
	uint8_t sqn_ms[6];

	aiot_usim_sqn_ms(u, sqn_ms);
	aiot_milenage(u->k, u->opc, rand, sqn_ms, amf0, &o);
	for (unsigned i = 0; i < 6; i++)
		auts[i] = sqn_ms[i] ^ o.ak_star[i];
	memcpy(auts + 6, o.mac_s, 8);
	aiot_zeroize(&o, sizeof o);
}

int aiot_usim_authenticate(aiot_usim *u, const uint8_t rand[16], const uint8_t autn[16],
                           aiot_usim_result *r)
{
	static const uint8_t zero6[6] = {0};
	aiot_milenage_out o;
	uint8_t sqn[6];
	int rc;

	if (u == NULL || rand == NULL || autn == NULL || r == NULL)
		return AIOT_ERR_INVAL;
	memset(r, 0, sizeof *r);
	/* AK = f5(RAND) does not depend on SQN: a first pass recovers SQN, a second gives
	 * f1 over it (the cost of one AES block more than needed, for one MILENAGE API). */
	aiot_milenage(u->k, u->opc, rand, zero6, autn + 6, &o);
	for (unsigned i = 0; i < 6; i++)
		sqn[i] = autn[i] ^ o.ak[i];
	aiot_milenage(u->k, u->opc, rand, sqn, autn + 6, &o);
	if (!aiot_ct_eq(o.mac_a, autn + 8, 8)) {
		rc = AIOT_ERR_MAC;
	} else if (!fresh(u, get48(sqn))) {
		make_auts(u, rand, r->auts);
		rc = AIOT_USIM_SYNC_FAILURE;
	} else {
		uint64_t s = get48(sqn);
		u->seq_ms[s & (AIOT_USIM_NIND - 1)] = s >> AIOT_USIM_IND_BITS;
		memcpy(r->res, o.res, 8);
		memcpy(r->ck, o.ck, 16);
		memcpy(r->ik, o.ik, 16);
		rc = AIOT_OK;
	}
	aiot_zeroize(&o, sizeof o);
	aiot_zeroize(sqn, sizeof sqn);
	return rc;
}
