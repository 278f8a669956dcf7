/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Nausf_UEAuthentication (TS 29.509 5.2.2, spec/openapi/TS29509_Nausf_UEAuthentication.yaml)
 * and the AUSF's Naanf_AKMA request (TS 29.535 AkmaKeyInfo), sans-I/O: routing of the two
 * resources, the decoders of what the SEAF sends (every check before anything is returned,
 * errors as sbi_err) and the encoders of what the AUSF sends. Owns the JSON of both APIs.
 */
#ifndef AIOT_AUSF_JSON_H
#define AIOT_AUSF_JSON_H
#include <stddef.h>
#include <stdint.h>

#include "udm/ueau.h"

#define AUSF_API "/nausf-auth/v1/ue-authentications"
#define AUSF_CONFIRM "/5g-aka-confirmation"
#define AUSF_CTX_ID_LEN 32 /* authCtxId: 128 random bits, hex */
#define AUSF_ID_MAX 200    /* a supiOrSuci the AUSF forwards */

enum { AUSF_R_NONE = -1, AUSF_R_CREATE = 0, AUSF_R_CONFIRM = 1 };
/* The resource of path: AUSF_R_CREATE, AUSF_R_CONFIRM (id filled: the authCtxId segment,
 * any text up to AUSF_CTX_ID_LEN characters; longer ones are unknown anyway: id ""), or
 * AUSF_R_NONE. */
int ausf_route(const char *path, char id[AUSF_CTX_ID_LEN + 1]);

typedef struct ausf_authinfo {
	char supi_or_suci[AUSF_ID_MAX + 1]; /* as received: the UDM resolves a SUCI */
	char snn[UEAU_SNN_MAX + 1];
	ueau_resync resync;
} ausf_authinfo;

/* AuthenticationInfo. A SUPI type or protection scheme the home network does not serve is
 * refused here already (404 / 501, as the UDM would). */
int ausf_authinfo_parse(const uint8_t *body, size_t len, ausf_authinfo *a, sbi_err *e);
/* ConfirmationData: resStar (16 octets). */
int ausf_confirm_parse(const uint8_t *body, size_t len, uint8_t res_star[16], sbi_err *e);

/* UEAuthenticationCtx: authType 5G_AKA, 5gAuthData Av5gAka, _links {"5g-aka": {href}}. */
char *ausf_ctx_json(const uint8_t rand[16], const uint8_t autn[16], const uint8_t hxres_star[16],
                    const char *href, const char *snn);
/* ConfirmationDataResponse: with success, supi and kseaf; otherwise authResult alone. */
char *ausf_confirm_json(int success, const char *supi, const uint8_t kseaf[32]);
/* AkmaKeyInfo for register-anchorkey: supi, aKId, kAkma (hex). */
char *ausf_akma_json(const char *supi, const char *akid, const uint8_t kakma[32]);

#endif
