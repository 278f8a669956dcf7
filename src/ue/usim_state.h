/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A USIM's state file: the SEQ_MS array of TS 33.102 C.2, so that the next run accepts only
 * fresher SQNs, as a card would. Text, one "ind I SEQ" line per IND after a "supi SUPI" line
 * that binds the file to one subscriber; written to FILE.tmp, fsync'd, then renamed, mode
 * 0600. Users: the test UE's software USIM (`aiot ue --state`) and the virtual UICC
 * (`aiot-uicc --state`). Not freestanding (stdio, files).
 */
#ifndef AIOT_USIM_STATE_H
#define AIOT_USIM_STATE_H
#include <stddef.h>

#include "ue/usim.h"

/* Loads the array into u; a missing file is a fresh card (0, u unchanged). -1 with a
 * reason in err for a file that is not private, not this format, or another subscriber's. */
int aiot_usim_state_load(const char *path, const char *supi, aiot_usim *u, char *err,
                         size_t errlen);
/* Writes u's array back atomically. 0, or -1 with a reason in err. */
int aiot_usim_state_save(const char *path, const char *supi, const aiot_usim *u, char *err,
                         size_t errlen);

#endif
