/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz aiot_nas_decode_protected (security header framing, docs/protocol.md §3.5): any
 * input either fails cleanly or is the one canonical encoding of what it decodes to. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/aiot_err.h"
#include "nas/nas.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aiot_nas_protected p;
	uint8_t out[AIOT_NAS_MAX_PDU];

	int t = aiot_nas_peek_type(data, size);
	if (aiot_nas_decode_protected(data, size, &p) != AIOT_OK)
		return 0;
	if (t != p.type || p.payload != data + AIOT_NAS_SEC_HDR_LEN)
		__builtin_trap();
	int n = aiot_nas_encode_protected(&p, out, sizeof out);
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		__builtin_trap();
	if (aiot_nas_encode_protected(&p, out, size - 1) != AIOT_ERR_NOSPACE)
		__builtin_trap();
	return 0;
}
