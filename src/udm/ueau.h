/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Nudm_UEAU generate-auth-data (TS 29.503 6.3, spec/openapi/TS29503_Nudm_UEAU.yaml), both
 * sides, sans-I/O: the request the AUSF writes and the UDM reads, the answer the UDM writes
 * and the AUSF reads. This file owns the JSON of the operation (and the data types the
 * Nausf_UEAuthentication request shares with it: ServingNetworkName, ResynchronizationInfo,
 * SupiOrSuci); every check happens before anything is returned; every error is a sbi_err
 * ready for a ProblemDetails.
 */
#ifndef AIOT_UEAU_H
#define AIOT_UEAU_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "sbi/sbi_json.h"

#define UEAU_API "/nudm-ueau/v1/"
#define UEAU_OP "/security-information/generate-auth-data"
#define UEAU_SUPI_MAX 20 /* "imsi-" + 15 digits */
#define UEAU_SNN_MAX 64  /* "5G:mnc001.mcc001.3gppnetwork.org:" + 11 */

/* "imsi-" and 5..15 digits (TS 29.571 Supi, the only SUPI type served here). */
int ueau_supi_valid(const char *s);
/* 1..4 decimal digits (TS 23.003 2.2B routing indicator; routingId). */
int ueau_rid_valid(const char *s);
/* TS 29.503 ServingNetworkName: 5G:mncXXX.mccXXX.3gppnetwork.org[:NID of 11 hex]. */
int ueau_snn_valid(const char *s);
/* SupiOrSuci (TS 29.571, TS 23.003 2.2B) to the SUPI: an IMSI SUPI as it is; a SUCI of the
 * null scheme (protection scheme 0) mapped to imsi-<MCC><MNC><MSIN>. Any other scheme: 501
 * UNSUPPORTED_PROTECTION_SCHEME; another SUPI type: 404 USER_NOT_FOUND; malformed: 400.
 * 0 or -1 with e. */
int ueau_supi_from(const char *id, char supi[UEAU_SUPI_MAX + 1], sbi_err *e);

typedef struct ueau_resync {
	int present;
	uint8_t rand[16], auts[14];
} ueau_resync;

/* servingNetworkName (required) and resynchronizationInfo (optional) of a JSON object:
 * the members AuthenticationInfoRequest and the AUSF's AuthenticationInfo share. */
int ueau_get_snn_resync(const cJSON *o, char snn[UEAU_SNN_MAX + 1], ueau_resync *r, sbi_err *e);

typedef struct ueau_request {
	char supi[UEAU_SUPI_MAX + 1];
	char snn[UEAU_SNN_MAX + 1];
	ueau_resync resync;
	char ausf_id[37];
} ueau_request;

/* The UDM's side: the path's {supiOrSuci} segment (still percent-encoded) and the body. */
int ueau_request_parse(const char *seg, size_t seg_len, const uint8_t *body, size_t len,
                       ueau_request *r, sbi_err *e);
/* The AUSF's side: the AuthenticationInfoRequest body (malloc'd), NULL out of memory. */
char *ueau_request_json(const ueau_request *r);

typedef struct ueau_result {
	char supi[UEAU_SUPI_MAX + 1];
	uint8_t rand[16], autn[16], xres_star[16], kausf[32];
	int akma;
	char rid[5]; /* "" when the UDM sent none */
} ueau_result;

/* The UDM's side: AuthenticationInfoResult, 5G_AKA with an AV5G_HE_AKA (malloc'd; holds
 * K_AUSF: the caller marks the answer sensitive). */
char *ueau_result_json(const ueau_result *r);
/* The AUSF's side: parse and check a UDM's 200 answer (K_AUSF wiped from the parse tree). */
int ueau_result_parse(const uint8_t *body, size_t len, ueau_result *r, sbi_err *e);

#endif
