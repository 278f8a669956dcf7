/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `aiot ue`, the test UE (README "The test UE (aiot ue)"): cmd_ue.c owns the command line,
 * the software USIM (its state file: src/ue/usim_state.h), 5G AKA + AKMA (src/ue/ue_aka.h) and the
 * `aka` and `kaf` modes; cmd_ue_msg.c the MSGin5G client modes
 * (`msg`, `listen`) and `handshake`.
 */
#ifndef AIOT_CLI_UE_H
#define AIOT_CLI_UE_H
#include <stddef.h>
#include <stdint.h>

#include "ue/ue_aka.h"
#include "ue/usim.h"
#include "ue/usim_state.h" /* --state: the USIM's SQN array, bound to the SUPI */

typedef struct ue_args {
	const char *mode, *supi, *state, *af_fqdn, *server, *service_id, *to, *text;
	aiot_ue_net net;
	int show_keys, pause, count, wait_ms;
	aiot_usim usim;
} ue_args;

/* 5G AKA + AKMA, then K_AF for a->af_fqdn (TS 33.535 A.4); exits 1 on a failure. */
void ue_akma_kaf(ue_args *a, aiot_ue_akma *k, uint8_t kaf[32]);

/* The modes of cmd_ue_msg.c; the exit code. */
int ue_msg(ue_args *a);
int ue_listen(ue_args *a);
int ue_handshake(ue_args *a);

#endif
