/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The UE (and, for the test, its serving network) in 5G AKA towards the AUSF (TS 33.501
 * 6.1.3.2, Nausf_UEAuthentication TS 29.509), then AKMA (TS 33.535 6.1): blocking, each
 * request bounded by timeout_ms, over the tree's SBI client (sbi_fetch). The SEAF's part is
 * played here: the UE never talks to the AUSF in a real network. The USIM (the soft one of
 * usim.h, or a card's behind aiot_ue_usim) owns K, OPc and the SQN state; this module owns the SBI
 * exchange and the ME's derivations (K_AUSF, K_SEAF check, K_AKMA, A-TID, A-KID). Keys on the stack
 * are wiped.
 */
#ifndef AIOT_UE_AKA_H
#define AIOT_UE_AKA_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/aka5g.h"
#include "ue/usim.h"

typedef struct aiot_ue_net {
	const char *ausf;      /* the AUSF's apiRoot, http://HOST:PORT or https:// */
	const char *mcc, *mnc; /* the serving network (its SNN), = the home network here */
	const char *rid;       /* routing indicator, 1-4 digits (the A-KID's username prefix) */
	const char *ca, *cert, *key; /* optional TLS towards the AUSF (as sbi_fetch takes them) */
	const char *bearer;          /* optional OAuth 2.0 access token for the AUSF, or NULL */
	int timeout_ms;              /* per request; 0 = 5000 */
	/* The serving network name the SEAF claims to the AUSF; NULL = the SNN of mcc/mnc (an
	 * honest network). Another one models a serving network lying about its identity: the
	 * UE's RES* binds the SNN it sees, so the AUSF must refuse (TS 33.501 6.1.1.3). */
	const char *seaf_snn;
} aiot_ue_net;

typedef struct aiot_ue_akma {
	uint8_t kausf[32], kakma[32];
	char akid[AIOT_AKID_MAX]; /* A-KID text (aka5g.h) */
	int resynced;             /* 1 if a sync failure (AUTS) round happened */
} aiot_ue_akma;

/* Outcomes besides AIOT_OK (err says which and why):
 *   AIOT_ERR_MAC      the USIM's MAC failure: the network is not authentic (or K/OPc differ)
 *   AIOT_ERR_REPLAY   a sync failure again after one resynchronisation round
 *   AIOT_ERR_STATE    the AUSF refused (status + cause, or AUTHENTICATION_FAILURE)
 *   AIOT_ERR_MALFORMED an answer that is not what TS 29.509 says, or AMF without the
 *                     5G separation bit
 *   AIOT_ERR_TIMEOUT  transport failure or timeout
 *   AIOT_ERR_INVAL    a bad argument (SUPI, MCC/MNC, RID, URL) */
#define AIOT_UE_ERR_REFUSED AIOT_ERR_STATE
#define AIOT_UE_ERR_TRANSPORT AIOT_ERR_TIMEOUT

/* The USIM the ME asks: AUTHENTICATE with RAND and AUTN, answered as
 * aiot_usim_authenticate answers (AIOT_OK with RES, CK, IK; AIOT_ERR_MAC; AIOT_USIM_SYNC_FAILURE
 * with AUTS; another AIOT_ERR_* when the USIM could not answer). The soft USIM (usim.h) or a
 * card's (src/pcsc/usim_uicc.h). */
typedef struct aiot_ue_usim {
	int (*authenticate)(void *user, const uint8_t rand[16], const uint8_t autn[AIOT_AUTN_LEN],
	                    aiot_usim_result *r);
	void *user;
} aiot_ue_usim;

/* POST ue-authentications (supi), the USIM on RAND/AUTN, PUT 5g-aka-confirmation with
 * RES*; on a USIM sync failure one more round with resynchronizationInfo (RAND, AUTS).
 * K_AUSF from CK, IK, SNN, SQN xor AK; K_AKMA, A-TID -> A-KID (aka5g.h). The USIM's state
 * changes as usim.h says (persist it after the call, whatever it returns). */
int aiot_ue_5g_aka_usim(const aiot_ue_usim *usim, const char *supi, const aiot_ue_net *net,
                        aiot_ue_akma *out, char *err, size_t errlen);
/* The same with the soft USIM. */
int aiot_ue_5g_aka(aiot_usim *usim, const char *supi, const aiot_ue_net *net, aiot_ue_akma *out,
                   char *err, size_t errlen);
void aiot_ue_akma_clear(aiot_ue_akma *k); /* wipe */

#endif
