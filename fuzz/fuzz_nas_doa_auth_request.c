/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz aiot_nas_decode_doa_auth_request (DO-A M2, docs/protocol.md §3.10.2): any input either
 * fails cleanly or is the one canonical encoding of what it decodes to. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/aiot_err.h"
#include "nas/nas_doa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aiot_nas_doa_auth_request m;
	uint8_t out[AIOT_NAS_DOA_M2_LEN];

	if (aiot_nas_decode_doa_auth_request(data, size, &m) != AIOT_OK)
		return 0;
	if (size != AIOT_NAS_DOA_M2_LEN ||
	    aiot_nas_peek_type(data, size) != AIOT_NAS_DOA_AUTH_REQUEST)
		__builtin_trap();
	int n = aiot_nas_encode_doa_auth_request(&m, out, sizeof out);
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		__builtin_trap();
	if (aiot_nas_encode_doa_auth_request(&m, out, size - 1) != AIOT_ERR_NOSPACE)
		__builtin_trap();
	return 0;
}
