/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TLS 1.3 external PSK identity of AKMA (TS 33.535 Annex B, TS 24.109 K.3):
 * "3GPP-AKMA" || A-KID, read from a ClientHello's pre_shared_key extension (RFC 8446
 * 4.2.11) before OpenSSL looks for the key, so that the server can fetch K_AF first.
 * Also the identity "SEAL-KM" || key id of the optional, non-normative SEAL key management
 * (solution #5, src/sealkm/sealkm.h). Sans-I/O decoders of peer data: every error is returned
 * (fuzz/fuzz_msgin5g_psk_identity.c).
 */
#ifndef AIOT_MSGIN5G_PSK_IDENTITY_H
#define AIOT_MSGIN5G_PSK_IDENTITY_H
#include <stddef.h>
#include <stdint.h>

#define MSGIN5G_PSK_PREFIX "3GPP-AKMA"
#define MSGIN5G_SEAL_PREFIX "SEAL-KM"
#define MSGIN5G_AKID_MAX 255   /* TS 29.522 AKId: an NAI, well below this */
#define MSGIN5G_SEAL_KEY_ID 32 /* the KM's key ids: 32 lowercase hex digits */

/* The body of a pre_shared_key extension (OfferedPsks): checks the whole structure
 * (identities<7..2^16-1>, binders<33..2^16-1>, nothing after) and returns the first identity
 * that starts with MSGIN5G_PSK_PREFIX or MSGIN5G_SEAL_PREFIX (pointer into ext). AIOT_OK,
 * AIOT_ERR_MALFORMED, or AIOT_ERR_UNKNOWN when no identity has the prefix. */
int msgin5g_psk_find_identity(const uint8_t *ext, size_t len, const uint8_t **id, size_t *id_len);

/* "3GPP-AKMA" || A-KID -> the A-KID (NUL-terminated into akid[MSGIN5G_AKID_MAX + 1]) when
 * aiot_akma_akid_parse (crypto/aka5g.h) takes it: "<RID 1-4 digits>.<64 lowercase hex
 * digits>@5gc.mnc<3 digits>.mcc<3 digits>.3gppnetwork.org" (docs/protocol.md §6.1).
 * AIOT_OK, AIOT_ERR_UNKNOWN (another prefix) or AIOT_ERR_MALFORMED. */
int msgin5g_psk_akid(const uint8_t *id, size_t len, char akid[MSGIN5G_AKID_MAX + 1]);

/* "SEAL-KM" || key id -> the key id (NUL-terminated into key_id[MSGIN5G_AKID_MAX + 1]) when
 * it is MSGIN5G_SEAL_KEY_ID lowercase hex digits. AIOT_OK, AIOT_ERR_UNKNOWN (another prefix)
 * or AIOT_ERR_MALFORMED. */
int msgin5g_psk_seal_key_id(const uint8_t *id, size_t len, char key_id[MSGIN5G_AKID_MAX + 1]);

#endif
