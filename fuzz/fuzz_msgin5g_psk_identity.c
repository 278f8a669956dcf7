/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the AKMA PSK identity decoders (src/msgin5g/psk_identity.c): the pre_shared_key
 * extension of a ClientHello, then the identity found in it; the input as an identity too.
 * Any input fails cleanly; a found identity lies inside the input and an A-KID has the
 * prefix removed; so has a SEAL KM key id (SEAL-KM || 32 hex digits). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/aiot_err.h"
#include "msgin5g/psk_identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *id;
	size_t id_len;
	char akid[MSGIN5G_AKID_MAX + 1];
	if (msgin5g_psk_akid(data, size, akid) == AIOT_OK &&
	    (strlen(akid) + 9 != size || memcmp(akid, data + 9, size - 9) != 0))
		__builtin_trap();
	if (msgin5g_psk_seal_key_id(data, size, akid) == AIOT_OK &&
	    (size != 7 + 32 || strlen(akid) != 32 || memcmp(akid, data + 7, 32) != 0))
		__builtin_trap();
	if (msgin5g_psk_find_identity(data, size, &id, &id_len) != AIOT_OK)
		return 0;
	if (id < data || id + id_len > data + size ||
	    !((id_len >= 9 && memcmp(id, MSGIN5G_PSK_PREFIX, 9) == 0) ||
	      (id_len >= 7 && memcmp(id, MSGIN5G_SEAL_PREFIX, 7) == 0)))
		__builtin_trap();
	msgin5g_psk_akid(id, id_len, akid);
	msgin5g_psk_seal_key_id(id, id_len, akid);
	return 0;
}
