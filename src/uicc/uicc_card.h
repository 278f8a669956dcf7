/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtual AIoT-UICC's card engine, sans I/O (the vpcd transport and the daemon own the
 * socket, the perso file and the state file): one C-APDU in, one R-APDU out.
 *   - uicc_card.c owns the ISO/IEC 7816 side: the short-APDU cases, SELECT (by AID with a
 *     prefix match, by file identifier), READ BINARY, GET RESPONSE and the T=0 rule (a
 *     command that has data to return but came without Le is answered '61xx' and the data
 *     wait for GET RESPONSE; with Le they come at once), the ATR.
 *   - uicc_auth.c owns the two AUTHENTICATE commands: the USIM's (TS 31.102 7.1.2, over
 *     aiot_usim: MILENAGE and the SQN array of TS 33.102 Annex C) and the AIoT
 *     application's (docs/protocol.md §7, over the derivations of crypto/kdf.h).
 * Every status word and code point comes from uicc_apdu.h. Malformed commands get a status
 * word, never a crash; every check runs before any state changes. No key is ever part of an
 * answer. Freestanding (no libc I/O, no allocation); uicc_card_clear() wipes the keys.
 */
#ifndef AIOT_UICC_CARD_H
#define AIOT_UICC_CARD_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/kdf.h"
#include "ue/usim.h"
#include "uicc/uicc_apdu.h"

#define UICC_IMSI_MAX 15 /* digits (TS 23.003 2.2) */
#define UICC_IMSI_MIN 6
#define UICC_RAPDU_MAX 258 /* 256 data octets + SW1 SW2 */
#define UICC_ATR_MAX 16

#define UICC_HAS_USIM 1u
#define UICC_HAS_AIOT 2u

/* What the perso file gives (uicc_perso.h reads it). Holds keys: wipe it after init. */
typedef struct uicc_perso {
	uint8_t apps;                 /* UICC_HAS_*: the applications the card carries */
	char imsi[UICC_IMSI_MAX + 1]; /* digits, NUL-terminated */
	uint8_t k[16], opc[16];       /* USIM: MILENAGE K and OPc */
	uint8_t sqn[6];               /* SQN_MS at personalisation: the highest SQN accepted */
	uint8_t amf[2];               /* the home network's AMF (not checked by the card) */
	uint8_t aiot_key[32];         /* K_AIOT_root */
	uint8_t aiot_key_len;         /* 16 or 32, as the suite takes */
	aiot_suite suite;
	uint8_t perm_id[AIOT_DOA_ID_MAX]; /* aiotDevPermId */
	uint8_t perm_id_len;              /* 1..128 */
} uicc_perso;

/* Called after an AUTHENTICATE changed the SQN array and before its answer is built: the
 * daemon writes its state file here. Non-zero: the change is undone and the card answers
 * '6F00' (no RES leaves a card that could not record its SQN). */
typedef int (*uicc_persist_fn)(void *user, const aiot_usim *u);

enum { UICC_APP_NONE = 0, UICC_APP_USIM = 1, UICC_APP_AIOT = 2 };

typedef struct uicc_card {
	uint8_t apps; /* UICC_HAS_* */
	aiot_usim usim;
	uint8_t aiot_key[32];
	uint8_t aiot_key_len;
	aiot_suite suite;
	uint8_t ef_imsi[UICC_EF_IMSI_LEN];
	uint8_t perm_id[AIOT_DOA_ID_MAX];
	uint8_t perm_id_len;
	uint8_t app;      /* UICC_APP_* selected */
	uint16_t ef;      /* selected EF, 0 for none */
	uint16_t pending; /* octets waiting for GET RESPONSE */
	uint8_t out[256]; /* their data */
	uicc_persist_fn persist;
	void *persist_user;
} uicc_card;

/* AIOT_OK, or AIOT_ERR_INVAL when p breaks a rule (no application; for the USIM the IMSI's
 * digits; for AIoT the key length for the suite, the permanent ID's length); c then holds
 * nothing. The card starts reset. */
int uicc_card_init(uicc_card *c, const uicc_perso *p);
/* Power on / warm reset (vpcd 0x01, 0x02): the MF selected, nothing pending. */
void uicc_card_reset(uicc_card *c);
void uicc_card_clear(uicc_card *c);

/* The ATR: T=0 (t0 != 0) and/or T=1 (t1 != 0) offered; the historical bytes carry the AIoT
 * application's AID. Its length (at most UICC_ATR_MAX), or 0 if neither protocol. */
size_t uicc_card_atr(int t0, int t1, uint8_t out[UICC_ATR_MAX]);

/* One command. rapdu gets the answer's data then SW1 SW2 (*rlen >= 2). AIOT_OK whatever the
 * status word; AIOT_ERR_INVAL only for NULL arguments or cap < UICC_RAPDU_MAX. */
int uicc_card_apdu(uicc_card *c, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap,
                   size_t *rlen);

#endif
