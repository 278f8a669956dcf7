/* SPDX-License-Identifier: Apache-2.0 */
/* SQN_HE, 5G HE AKA vectors and AUTS (udm_av.h). */
#include <string.h>

#include "udm_av.h"
#include "common/aiot_err.h"
#include "crypto/aka5g.h"
#include "crypto/ct.h"
#include "crypto/milenage.h"

#define SEQ_MAX ((1ull << (48 - UDM_IND_BITS)) - 1)
#define IND_MASK ((1u << UDM_IND_BITS) - 1)

static uint64_t be48(const uint8_t b[6])
{
	uint64_t v = 0;
	for (int i = 0; i < 6; i++)
		v = v << 8 | b[i];
	return v;
}

static void put48(uint8_t b[6], uint64_t v)
{
	for (int i = 5; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

int udm_sqn_next(const uint8_t last[6], uint8_t next[6])
{
	uint64_t v = be48(last), seq = v >> UDM_IND_BITS, ind = v & IND_MASK;
	if (seq >= SEQ_MAX)
		return AIOT_ERR_STATE;
	put48(next, (seq + 1) << UDM_IND_BITS | ((ind + 1) & IND_MASK));
	return AIOT_OK;
}

void udm_sqn_resync(uint8_t sqn_he[6], const uint8_t sqn_ms[6])
{
	uint64_t he = be48(sqn_he), ms = be48(sqn_ms);
	if (ms >> UDM_IND_BITS > he >> UDM_IND_BITS)
		put48(sqn_he, (ms >> UDM_IND_BITS) << UDM_IND_BITS | (he & IND_MASK));
}

int udm_av_make(const udm_sub *s, const uint8_t sqn[6], const char *snn, const uint8_t rand[16],
                udm_av *av)
{
	aiot_milenage_out m;
	uint8_t amf[2] = {s->amf[0] | 0x80, s->amf[1]}, sqn_ak[6];
	int rc;
	aiot_milenage(s->k, s->opc, rand, sqn, amf, &m);
	for (int i = 0; i < 6; i++)
		sqn_ak[i] = sqn[i] ^ m.ak[i];
	memcpy(av->rand, rand, 16);
	memcpy(av->autn, sqn_ak, 6);
	memcpy(av->autn + 6, amf, 2);
	memcpy(av->autn + 8, m.mac_a, 8);
	rc = aiot_5g_res_star(m.ck, m.ik, snn, rand, m.res, sizeof m.res, av->xres_star);
	if (rc == AIOT_OK)
		rc = aiot_5g_kausf(m.ck, m.ik, snn, sqn_ak, av->kausf);
	aiot_zeroize(&m, sizeof m);
	if (rc != AIOT_OK)
		aiot_zeroize(av, sizeof *av);
	return rc;
}
