/* SPDX-License-Identifier: Apache-2.0 */
/*
 * devices.jsonl (docs/protocol.md §5.6): the device credentials `aiot provision` writes, one
 * JSON object per line. This module is the one reader of the format; its two users are
 * `aiot provision --import` (into the ADM's store) and aiot-devsim (the device population),
 * and the one writer (`aiot provision --out`): what it writes, the parser takes back.
 * It owns the line rules (length, blank lines, strict JSON: no unknown, duplicate or trailing
 * data) and the value rules of every member; each user keeps only what is its own (the
 * store's identifier limit, the simulator's rule that a privacy device needs a T-ID).
 * Lines carry keys: a parsed line is the caller's to zeroise (aiot_zeroize), and a refused
 * one is zeroised here.
 */
#ifndef AIOT_DEVICES_JSONL_H
#define AIOT_DEVICES_JSONL_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/kdf.h"

#define AIOT_DEVLINE_MAX_LEN 4096 /* bytes of one line, newline included */
#define AIOT_DEVLINE_ID_MAX 128   /* octets of aiotDevPermId (1..1024 bits, as in NGAP) */
#define AIOT_DEVLINE_GROUP_MAX 63 /* characters of a group name */

/* Flags of aiot_devline_parse. */
#define AIOT_DEVLINE_ALL 1u /* resBits and group are required too (as provision writes) */

typedef struct aiot_devline {
	uint8_t perm_id[AIOT_DEVLINE_ID_MAX];
	uint8_t perm_id_len;
	aiot_suite suite;
	uint8_t key[32];                        /* K_AIOT_root */
	uint8_t key_len;                        /* 16 or 32, as the suite allows */
	uint8_t res_bits;                       /* AIOT_RES_BITS_DEFAULT when absent */
	char group[AIOT_DEVLINE_GROUP_MAX + 1]; /* "" when absent */
	uint8_t privacy;                        /* the device presents T-IDs */
	uint8_t has_tid;                        /* only with privacy */
	uint8_t tid[16];
} aiot_devline;

/* Parses one line of len bytes (as getline returns it). Without AIOT_DEVLINE_ALL only
 * aiotDevPermId, key and suite are required. id_max: the largest permanent ID the caller
 * takes (<= AIOT_DEVLINE_ID_MAX). Returns 0 (a device in *out), 1 (a blank line: no device),
 * or -1 with the reason in msg (no line number: the caller adds it). */
int aiot_devline_parse(const char *line, size_t len, unsigned flags, size_t id_max,
                       aiot_devline *out, char *msg, size_t mlen);

/* Writes d as one line, newline included, in the member order of the format: every member
 * (resBits, group; privacy and tid only when set). Returns the line's length, or -1 when it
 * does not fit in cap or d breaks a value rule (no device then). The line carries the key:
 * buf is the caller's to zeroise. */
int aiot_devline_format(const aiot_devline *d, char *buf, size_t cap);

#endif
