/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz aiot_nas_decode_inventory_response: any input either fails cleanly or is the one
 * canonical encoding of what it decodes to (docs/protocol.md §3.2). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/aiot_err.h"
#include "nas/nas.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aiot_nas_inventory_response m;
	uint8_t out[AIOT_NAS_INV_RESP_MAX_LEN];

	if (aiot_nas_decode_inventory_response(data, size, &m) != AIOT_OK)
		return 0;
	if (aiot_nas_peek_type(data, size) != AIOT_NAS_INVENTORY_RESPONSE)
		__builtin_trap();
	int n = aiot_nas_encode_inventory_response(&m, out, sizeof out);
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		__builtin_trap();
	if (aiot_nas_encode_inventory_response(&m, out, size - 1) != AIOT_ERR_NOSPACE)
		__builtin_trap();
	/* The NOTE 2 filter agrees with the decoder on the RAND tag. */
	uint8_t rand_n[16] = {0};
	memcpy(rand_n, m.rand_tag, sizeof m.rand_tag);
	if (!aiot_nas_inv_answers(data, size, rand_n))
		__builtin_trap();
	rand_n[0] ^= 1;
	if (aiot_nas_inv_answers(data, size, rand_n))
		__builtin_trap();
	return 0;
}
