/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `aiot ue`, the test UE (README "The test UE (aiot ue)"): cmd_ue.c owns the command line,
 * the software USIM (its state file: src/ue/usim_state.h), 5G AKA + AKMA (src/ue/ue_aka.h) and
 * the `aka` and `kaf` modes; ue_card.c the USIM on a card (--usim pcsc); cmd_ue_msg.c the
 * MSGin5G client modes
 * (`msg`, `listen`) and `handshake`.
 */
#ifndef AIOT_CLI_UE_H
#define AIOT_CLI_UE_H
#include <stddef.h>
#include <stdint.h>

#include "pcsc/pcsc.h"
#include "pcsc/usim_uicc.h"
#include "ue/ue_aka.h"
#include "ue/usim.h"
#include "ue/usim_state.h" /* --state: the USIM's SQN array, bound to the SUPI */

typedef struct ue_args {
	const char *mode, *supi, *state, *af_fqdn, *server, *service_id, *to, *text;
	const char *usim_spec; /* --usim: "soft" (NULL) or "pcsc[:READER]" */
	aiot_ue_net net;
	int show_keys, pause, count, wait_ms;
	aiot_usim usim;      /* soft */
	aiot_pcsc *pcsc;     /* pcsc: the card's reader */
	aiot_usim_uicc card; /* pcsc: its USIM */
	aiot_ue_usim ops;    /* the one of the two the ME asks */
	char imsi_supi[32];  /* "imsi-" + the card's EF_IMSI, when --supi is not given */
} ue_args;

/* --usim pcsc[:READER] (ue_card.c): connect to the card in READER (any reader holding one if
 * empty), select its USIM, take the SUPI from EF_IMSI unless a->supi is set, and point a->ops
 * at the card. 0, or -1 with err. ue_card_close releases the reader. */
int ue_card_open(ue_args *a, const char *reader, char *err, size_t errlen);
void ue_card_close(ue_args *a);

/* 5G AKA + AKMA, then K_AF for a->af_fqdn (TS 33.535 A.4); exits 1 on a failure. */
void ue_akma_kaf(ue_args *a, aiot_ue_akma *k, uint8_t kaf[32]);

/* The modes of cmd_ue_msg.c; the exit code. */
int ue_msg(ue_args *a);
int ue_listen(ue_args *a);
int ue_handshake(ue_args *a);

#endif
