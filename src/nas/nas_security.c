/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AIoT NAS integrity protection and ciphering (docs/protocol.md §3.5-3.6; modelled on
 * TS 33.501 6.4.3 and TS 24.501 4.4.3 since TS 33.369 5.3.2 could not be read).
 * Encrypt-then-MAC: the MAC covers octets 0-1 and the payload as sent.
 *
 * No copy and no scratch buffer: octets 8-9 (the last two MAC octets) sit right before the
 * payload, so octets 0-1 are placed there for the NIA2 call, which then sees
 * "type || flags || payload" contiguously. protect() then writes the real header;
 * unprotect() keeps the received MAC aside and restores octets 8-9 before returning.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../common/aiot_err.h"
#include "../crypto/aiot_fc.h"
#include "../crypto/ct.h"
#include "../crypto/nxa2.h"
#include "nas_security.h"

#define MAC_OFF 6                             /* MAC: octets 6-9 */
#define MAC_IN_OFF (AIOT_NAS_SEC_HDR_LEN - 2) /* where octets 0-1 go for the NIA2 call */

_Static_assert(AIOT_NIA2_MAC_LEN == 4, "security header carries a 32-bit MAC");
_Static_assert(MAC_OFF + AIOT_NIA2_MAC_LEN == AIOT_NAS_SEC_HDR_LEN, "MAC ends the header");

/* MAC over octets 0-1 || payload of the message at msg (payload_len octets of payload).
 * Overwrites msg[8..9]; the caller restores or replaces them. */
static int nas_mac(const aiot_backend *be, const uint8_t k_int[16], uint32_t count,
                   uint8_t direction, uint8_t *msg, size_t payload_len, uint8_t mac[4])
{
	msg[MAC_IN_OFF] = msg[0];
	msg[MAC_IN_OFF + 1] = msg[1];
	return aiot_nia2(be, k_int, count, AIOT_NAS_BEARER, direction, msg + MAC_IN_OFF,
	                 (2 + payload_len) * 8, mac);
}

int aiot_nas_protect(const aiot_backend *be, const uint8_t k_int[16], const uint8_t *k_enc,
                     uint8_t type, uint32_t count, uint8_t direction, const uint8_t *plain,
                     size_t plain_len, uint8_t *out, size_t cap)
{
	aiot_nas_protected p;
	uint8_t mac[AIOT_NIA2_MAC_LEN];
	int n, rc;

	if (k_int == NULL || direction > AIOT_DIR_DOWNLINK)
		return AIOT_ERR_INVAL;
	memset(&p, 0, sizeof p);
	p.type = type;
	p.ciphered = k_enc != NULL;
	p.count = count;
	p.payload = plain;
	p.payload_len = plain_len;
	n = aiot_nas_encode_protected(&p, out, cap); /* checks type, lengths, cap */
	if (n < 0)
		return n;

	if (k_enc != NULL) {
		rc = aiot_nea2(be, k_enc, count, AIOT_NAS_BEARER, direction,
		               out + AIOT_NAS_SEC_HDR_LEN, plain_len * 8,
		               out + AIOT_NAS_SEC_HDR_LEN);
		if (rc != AIOT_OK)
			goto fail;
	}
	rc = nas_mac(be, k_int, count, direction, out, plain_len, mac);
	if (rc != AIOT_OK)
		goto fail;
	memcpy(out + MAC_OFF, mac, sizeof mac);
	return n;
fail:
	aiot_zeroize(out, (size_t)n); /* never leave plain text behind a failed protect */
	return rc;
}

int aiot_nas_unprotect(const aiot_backend *be, const uint8_t k_int[16], const uint8_t *k_enc,
                       uint8_t direction, uint8_t *buf, size_t len, aiot_nas_protected *p)
{
	aiot_nas_protected m;
	uint8_t mac[AIOT_NIA2_MAC_LEN], rx_mac[AIOT_NIA2_MAC_LEN];
	int rc, ok;

	if (k_int == NULL || p == NULL || direction > AIOT_DIR_DOWNLINK)
		return AIOT_ERR_INVAL;
	memset(p, 0, sizeof *p);
	rc = aiot_nas_decode_protected(buf, len, &m);
	if (rc != AIOT_OK)
		return rc;

	/* Verify before touching the payload (TS 33.501 6.4.3.1 / TS 24.501 4.4.4). */
	memcpy(rx_mac, buf + MAC_OFF, sizeof rx_mac);
	rc = nas_mac(be, k_int, m.count, direction, buf, m.payload_len, mac);
	memcpy(buf + MAC_OFF, rx_mac, sizeof rx_mac); /* restore octets 8-9 */
	if (rc != AIOT_OK)
		return rc;
	ok = aiot_ct_eq(mac, rx_mac, sizeof mac);
	aiot_zeroize(mac, sizeof mac);
	if (!ok)
		return AIOT_ERR_MAC;

	if (m.ciphered) {
		if (k_enc == NULL)
			return AIOT_ERR_STATE;
		rc = aiot_nea2(be, k_enc, m.count, AIOT_NAS_BEARER, direction,
		               buf + AIOT_NAS_SEC_HDR_LEN, m.payload_len * 8,
		               buf + AIOT_NAS_SEC_HDR_LEN);
		if (rc != AIOT_OK)
			return rc;
	}
	*p = m;
	return AIOT_OK;
}
