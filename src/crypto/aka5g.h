/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 5G AKA key derivations (TS 33.501 Annex A) and AKMA (TS 33.535 Annex A), all with the
 * generic KDF of TS 33.220 B.2 (kdf.h, reference primitives) and the FC values of aiot_fc.h.
 * Freestanding; key material on the stack is wiped before return. Every function returns
 * AIOT_OK or a negative AIOT_ERR_* (common/aiot_err.h); on error a text output is left empty
 * and a binary one unwritten.
 *
 * Text conventions (docs/akma.md):
 *   serving network name  "5G:mnc<MNC, 3 digits>.mcc<MCC>.3gppnetwork.org" (TS 24.501 9.12.1)
 *   SUPI                  as on the SBI, "imsi-<5 to 15 digits>"; the KDF takes the digits
 *   A-KID                 "<RID>.<lowercase hex A-TID>@5gc.mnc<MNC 3
 * digits>.mcc<MCC>.3gppnetwork.org" MCC: 3 digits; MNC: 2 or 3 digits (a 2-digit MNC is written
 * with a leading 0); RID (routing indicator, TS 23.003): 1 to 4 decimal digits.
 */
#ifndef AIOT_AKA5G_H
#define AIOT_AKA5G_H
#include <stddef.h>
#include <stdint.h>

#define AIOT_SNN_MAX 64      /* "5G:mnc001.mcc001.3gppnetwork.org", or with ":<NID>" (SNPN) */
#define AIOT_AKID_MAX 128    /* the longest A-KID text + NUL fits */
#define AIOT_AF_FQDN_MAX 253 /* RFC 1035 */
#define AIOT_RES_MIN 4       /* RES: 32 to 128 bits (TS 33.102 6.3.2) */
#define AIOT_RES_MAX 16

/* The serving network name into out (cap bytes, NUL-terminated). */
int aiot_5g_snn(const char *mcc, const char *mnc, char *out, size_t cap);

/* K_AUSF = KDF(CK || IK, 0x6A, SNN, SQN xor AK) (TS 33.501 A.2). */
int aiot_5g_kausf(const uint8_t ck[16], const uint8_t ik[16], const char *snn,
                  const uint8_t sqn_xor_ak[6], uint8_t kausf[32]);

/* RES* / XRES* = the last 16 octets of KDF(CK || IK, 0x6B, SNN, RAND, RES) (A.4);
 * res_len in [AIOT_RES_MIN, AIOT_RES_MAX]. */
int aiot_5g_res_star(const uint8_t ck[16], const uint8_t ik[16], const char *snn,
                     const uint8_t rand[16], const uint8_t *res, size_t res_len,
                     uint8_t res_star[16]);

/* HXRES* / HRES* = the last 16 octets of SHA-256(RAND || XRES*) (A.5). */
void aiot_5g_hxres_star(const uint8_t rand[16], const uint8_t xres_star[16],
                        uint8_t hxres_star[16]);

/* SUPI as on the SBI ("imsi-<digits>") -> the KDF's parameter (the digits, pointing into
 * supi); AIOT_ERR_INVAL for anything else (other SUPI types are not supported). */
int aiot_supi_kdf_param(const char *supi, const char **p1, size_t *p1_len);

/* K_AKMA = KDF(K_AUSF, 0x80, "AKMA", SUPI) (TS 33.535 A.2). */
int aiot_akma_kakma(const uint8_t kausf[32], const char *supi, uint8_t kakma[32]);
/* A-TID = KDF(K_AUSF, 0x81, "A-TID", SUPI) (TS 33.535 A.3). */
int aiot_akma_atid(const uint8_t kausf[32], const char *supi, uint8_t atid[32]);

/* The A-KID text (TS 33.535 6.1: username = RID and A-TID, realm = home network) into out. */
int aiot_akma_akid(const uint8_t atid[32], const char *rid, const char *mcc, const char *mnc,
                   char *out, size_t cap);
/* ...and its strict parser (peer data): fills rid (1..4 digits + NUL), atid, mcc and mnc
 * (3 digits + NUL each). AIOT_ERR_MALFORMED on anything but the exact form above. */
int aiot_akma_akid_parse(const char *akid, char rid[5], uint8_t atid[32], char mcc[4], char mnc[4]);

/* Ua* security protocol identifier of TLS 1.3 with a shared key (TS 33.220 H.3). */
#define AIOT_UA_TLS13_PSK                                                                          \
	{                                                                                          \
		0x01, 0x00, 0x00, 0x00, 0x07                                                       \
	}

/* K_AF = KDF(K_AKMA, 0x82, AF_ID) with AF_ID = AF FQDN || Ua* id (5 octets) (TS 33.535
 * A.4); af_fqdn: 1 to AIOT_AF_FQDN_MAX printable octets (UTF-8 allowed, no spaces). */
int aiot_akma_kaf(const uint8_t kakma[32], const char *af_fqdn, const uint8_t ua_id[5],
                  uint8_t kaf[32]);

#endif
