/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz aiot_nas_decode_command: any input either fails cleanly or is the one canonical
 * encoding of what it decodes to (docs/protocol.md §3.3). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/aiot_err.h"
#include "nas/nas.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aiot_nas_command c;
	uint8_t out[AIOT_NAS_MAX_PAYLOAD];

	if (aiot_nas_decode_command(data, size, &c) != AIOT_OK)
		return 0;
	int n = aiot_nas_encode_command(&c, out, sizeof out);
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		__builtin_trap();
	if (aiot_nas_encode_command(&c, out, size - 1) != AIOT_ERR_NOSPACE)
		__builtin_trap();
	return 0;
}
