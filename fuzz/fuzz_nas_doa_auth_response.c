/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz aiot_nas_decode_doa_auth_response (DO-A M3, docs/protocol.md §3.10.3): any input
 * either fails cleanly or is the one canonical encoding of what it decodes to; its first
 * data block, when present, frames as an Uplink Data PDU with COUNT 0. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/aiot_err.h"
#include "nas/nas_doa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aiot_nas_doa_auth_response m;
	aiot_nas_protected p;
	uint8_t out[AIOT_NAS_MAX_PDU];

	if (aiot_nas_decode_doa_auth_response(data, size, &m) != AIOT_OK)
		return 0;
	if (aiot_nas_peek_type(data, size) != AIOT_NAS_DOA_AUTH_RESPONSE)
		__builtin_trap();
	if (m.data != NULL && (m.data != data + AIOT_NAS_DOA_M3_RES_OFF + m.res_len ||
	                       aiot_nas_decode_protected(m.data, m.data_len, &p) != AIOT_OK ||
	                       p.type != AIOT_NAS_UPLINK_DATA || p.count != 0))
		__builtin_trap();
	int n = aiot_nas_encode_doa_auth_response(&m, out, sizeof out);
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		__builtin_trap();
	if (aiot_nas_encode_doa_auth_response(&m, out, size - 1) != AIOT_ERR_NOSPACE)
		__builtin_trap();
	return 0;
}
