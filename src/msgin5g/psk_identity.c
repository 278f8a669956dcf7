/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 8446 4.2.11 OfferedPsks and the AKMA PSK identity (psk_identity.h). */
#include <string.h>

#include "common/aiot_err.h"
#include "common/bytes.h"
#include "crypto/aka5g.h"
#include "psk_identity.h"

#define PREFIX_LEN (sizeof MSGIN5G_PSK_PREFIX - 1)
#define SEAL_LEN (sizeof MSGIN5G_SEAL_PREFIX - 1)

/* 1 when id[0..n) starts with one of the prefixes this server takes. */
static int ours(const uint8_t *id, size_t n)
{
	return (n >= PREFIX_LEN && memcmp(id, MSGIN5G_PSK_PREFIX, PREFIX_LEN) == 0) ||
	       (n >= SEAL_LEN && memcmp(id, MSGIN5G_SEAL_PREFIX, SEAL_LEN) == 0);
}

int msgin5g_psk_find_identity(const uint8_t *ext, size_t len, const uint8_t **id, size_t *id_len)
{
	const uint8_t *first = NULL;
	size_t first_len = 0;
	if (len < 2)
		return AIOT_ERR_MALFORMED;
	size_t ids = aiot_get_be16(ext);
	if (ids < 7 || ids > len - 2)
		return AIOT_ERR_MALFORMED;
	const uint8_t *p = ext + 2, *end = p + ids;
	while (p < end) { /* PskIdentity: identity<1..2^16-1>, obfuscated_ticket_age (4) */
		if (end - p < 2)
			return AIOT_ERR_MALFORMED;
		size_t n = aiot_get_be16(p);
		if (n < 1 || (size_t)(end - p) < 2 + n + 4)
			return AIOT_ERR_MALFORMED;
		if (first == NULL && ours(p + 2, n)) {
			first = p + 2;
			first_len = n;
		}
		p += 2 + n + 4;
	}
	if ((size_t)(ext + len - end) < 2)
		return AIOT_ERR_MALFORMED;
	size_t bl = aiot_get_be16(end);
	p = end + 2;
	if (bl < 33 || bl != (size_t)(ext + len - p))
		return AIOT_ERR_MALFORMED;
	end = p + bl;
	while (p < end) { /* PskBinderEntry<32..255> */
		size_t n = *p;
		if (n < 32 || (size_t)(end - p) < 1 + n)
			return AIOT_ERR_MALFORMED;
		p += 1 + n;
	}
	if (first == NULL)
		return AIOT_ERR_UNKNOWN;
	*id = first;
	*id_len = first_len;
	return AIOT_OK;
}

int msgin5g_psk_akid(const uint8_t *id, size_t len, char akid[MSGIN5G_AKID_MAX + 1])
{
	char rid[5], mcc[4], mnc[4];
	uint8_t atid[32];
	if (len < PREFIX_LEN || memcmp(id, MSGIN5G_PSK_PREFIX, PREFIX_LEN) != 0)
		return AIOT_ERR_UNKNOWN;
	size_t n = len - PREFIX_LEN;
	if (n > MSGIN5G_AKID_MAX || memchr(id + PREFIX_LEN, '\0', n) != NULL)
		return AIOT_ERR_MALFORMED;
	memcpy(akid, id + PREFIX_LEN, n);
	akid[n] = '\0';
	int rc = aiot_akma_akid_parse(akid, rid, atid, mcc, mnc); /* the A-KID's one parser */
	return rc == AIOT_OK ? AIOT_OK : AIOT_ERR_MALFORMED;
}

int msgin5g_psk_seal_key_id(const uint8_t *id, size_t len, char key_id[MSGIN5G_AKID_MAX + 1])
{
	if (len < SEAL_LEN || memcmp(id, MSGIN5G_SEAL_PREFIX, SEAL_LEN) != 0)
		return AIOT_ERR_UNKNOWN;
	if (len - SEAL_LEN != MSGIN5G_SEAL_KEY_ID)
		return AIOT_ERR_MALFORMED;
	for (size_t i = SEAL_LEN; i < len; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return AIOT_ERR_MALFORMED;
	memcpy(key_id, id + SEAL_LEN, MSGIN5G_SEAL_KEY_ID);
	key_id[MSGIN5G_SEAL_KEY_ID] = '\0';
	return AIOT_OK;
}
