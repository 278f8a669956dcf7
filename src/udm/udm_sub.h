/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A UDM subscriber: what the ARPF holds for 5G AKA (TS 33.501 6.1.3.2) and AKMA (TS 33.535
 * 6.1). In the sealed record store (src/store/kvs.h, table "subscribers", id = the SUPI) the
 * public part is the record's JSON text and K || OPc is its sealed secret:
 *   meta   {"sqn":"<12 hex: the last SQN_HE issued>","amf":"<4 hex>","akmaInd":BOOL,
 *           "routingId":"<1..4 digits>"}
 *   secret K (16 octets) || OPc (16 octets)
 * The provisioning file (aiot provision-ue --import) has one subscriber per line:
 *   {"supi":"imsi-...","k":"<32 hex>","opc":"<32 hex>" | "op":"<32 hex>",
 *    "sqn":"<12 hex>","amf":"<4 hex>","akmaInd":BOOL,"routingId":"<digits>"}
 * (sqn, amf, akmaInd, routingId optional: 000000000000, 8000, false, "0").
 * Pure functions: this file owns the two encodings, nothing else.
 */
#ifndef AIOT_UDM_SUB_H
#define AIOT_UDM_SUB_H
#include <stddef.h>
#include <stdint.h>

#include "ueau.h"

#define UDM_SECRET_LEN 32 /* K || OPc */
#define UDM_TABLE "subscribers"

typedef struct udm_sub {
	char supi[UEAU_SUPI_MAX + 1];
	uint8_t k[16], opc[16];
	uint8_t sqn[6]; /* SQN_HE = SEQ || IND (TS 33.102 C.1.1, IND 5 bits): the last one issued */
	uint8_t amf[2];
	int akma;    /* AKMA subscribed (TS 33.535 6.1: akmaInd towards the AUSF) */
	char rid[5]; /* routing indicator (TS 23.003 2.2B), 1..4 digits */
} udm_sub;

/* The public part as JSON text (malloc'd), NULL when out of memory. */
char *udm_sub_meta(const udm_sub *s);
/* A stored record back into *s (supi given); AIOT_OK or AIOT_ERR_MALFORMED with err. */
int udm_sub_load(udm_sub *s, const char *supi, const char *meta, const uint8_t *secret,
                 size_t secret_len, char *err, size_t errlen);
/* The secret part into out[UDM_SECRET_LEN]. */
void udm_sub_secret(const udm_sub *s, uint8_t out[UDM_SECRET_LEN]);
/* One provisioning line (JSON object) into *s; "op" is turned into OPc (TS 35.206 4.1).
 * AIOT_OK or AIOT_ERR_MALFORMED with err. */
int udm_sub_from_line(udm_sub *s, const char *line, size_t len, char *err, size_t errlen);

#endif
