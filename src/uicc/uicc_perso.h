/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The card's personalisation file (README "Credentials on a UICC"): one JSON object,
 *   {"usim": {"imsi": DIGITS, "k": HEX32, "opc": HEX32 | "op": HEX32,
 *             ["sqn": HEX12], ["amf": HEX4]},
 *    "aiot": {"aiotDevPermId": BASE64, "key": HEX, "suite": "3gpp"|"aes"}}
 * at least one application; "aiot" takes exactly the credential members of a devices.jsonl
 * line (src/devfile, the same value rules). Strict: unknown or duplicate members, wrong
 * types and bad values are errors. The file holds keys: it must be a private file
 * (store/private_file.h: the owner's, no group or other access); its text and the parsed
 * tree are wiped before return.
 */
#ifndef AIOT_UICC_PERSO_H
#define AIOT_UICC_PERSO_H
#include <stddef.h>

#include "uicc/uicc_card.h"

#define UICC_PERSO_MAX_BYTES 8192

/* 0 and *p filled (the caller wipes it), or -1 with a one-line reason in err. */
int uicc_perso_load(const char *path, uicc_perso *p, char *err, size_t errlen);
/* The same rules over text in memory (the fuzz target and unit tests use it). */
int uicc_perso_parse(const char *text, size_t len, uicc_perso *p, char *err, size_t errlen);

#endif
