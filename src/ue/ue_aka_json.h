/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON of Nausf_UEAuthentication (TS 29.509, spec/openapi/TS29509_Nausf_UEAuthentication
 * .yaml) as the UE's serving network speaks it (ue_aka.h), sans I/O: the two requests it
 * writes (AuthenticationInfo, ConfirmationData) and strict decoders of what the AUSF answers
 * (UEAuthenticationCtx, ConfirmationDataResponse, ProblemDetails). Each decoder takes peer
 * bytes with their length and fails with a reason, never aborts (fuzz/fuzz_ue_aka_answer.c).
 */
#ifndef AIOT_UE_AKA_JSON_H
#define AIOT_UE_AKA_JSON_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/milenage.h"

#define UE_HREF_MAX 512
#define UE_SUPI_MAX 32

/* UEAuthenticationCtx of 5G AKA: 5gAuthData (Av5gAka) and the _links "5g-aka" href. */
typedef struct ue_challenge {
	uint8_t rand[16], autn[16], hxres_star[16];
	char href[UE_HREF_MAX];
} ue_challenge;

/* ConfirmationDataResponse: authResult; supi and kseaf when present. */
typedef struct ue_confirmation {
	int success; /* authResult AUTHENTICATION_SUCCESS */
	char supi[UE_SUPI_MAX + 1];
	uint8_t kseaf[32];
	int has_kseaf;
} ue_confirmation;

/* AuthenticationInfo: supiOrSuci, servingNetworkName and, with auts, resynchronizationInfo
 * (RAND of the refused challenge, AUTS). A malloc'd text, or NULL. */
char *ue_authinfo_json(const char *supi, const char *snn, const uint8_t rand[16],
                       const uint8_t auts[AIOT_AUTS_LEN]);
/* ConfirmationData: resStar. A malloc'd text (wipe it), or NULL. */
char *ue_confirm_json(const uint8_t res_star[16]);

/* 0, or -1 with why. */
int ue_challenge_parse(const char *body, size_t len, ue_challenge *c, char *why, size_t cap);
int ue_confirmation_parse(const char *body, size_t len, ue_confirmation *c, char *why, size_t cap);
/* "STATUS CAUSE (detail)" of a ProblemDetails body (or "STATUS" alone), with anything not
 * printable ASCII replaced by '?': it ends up on a terminal. */
void ue_problem_text(const char *body, size_t len, int status, char *out, size_t cap);

#endif
