/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ARPF's arithmetic, pure (no store, no I/O): the SQN_HE scheme of TS 33.102 Annex C
 * (SQN = SEQ || IND, IND 5 bits) and 5G HE AKA vectors (TS 33.501 6.1.3.2, Annex A). The
 * AUTS of a re-synchronisation is checked by aiot_milenage_auts() (crypto/milenage.h).
 */
#ifndef AIOT_UDM_AV_H
#define AIOT_UDM_AV_H
#include <stdint.h>

#include "udm_sub.h"

#define UDM_IND_BITS 5

typedef struct udm_av {
	uint8_t rand[16], autn[16], xres_star[16], kausf[32];
} udm_av;

/* The SQN_HE after last (C.3.2): SEQ + 1, IND the next of 32 in turn, so that vectors used
 * out of order by different serving networks stay acceptable to the USIM's array (C.2.2).
 * AIOT_OK, or AIOT_ERR_STATE when SEQ would wrap (43 bits used up). */
int udm_sqn_next(const uint8_t last[6], uint8_t next[6]);
/* Re-synchronisation (C.3.4 / 6.3.5): SEQ_HE becomes max(SEQ_HE, SEQ_MS), IND kept; the
 * next udm_sqn_next() is then acceptable to the USIM. */
void udm_sqn_resync(uint8_t sqn_he[6], const uint8_t sqn_ms[6]);

/* A 5G HE AKA vector for SQN sqn and serving network name snn with the given RAND:
 * AUTN = SQN xor AK || AMF (separation bit set, TS 33.501 6.1.3.2 step 2) || MAC-A,
 * XRES* (A.4), K_AUSF (A.2). AIOT_OK or a negative AIOT_ERR_*. */
int udm_av_make(const udm_sub *s, const uint8_t sqn[6], const char *snn, const uint8_t rand[16],
                udm_av *av);

#endif
