/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz air_decode: any input either fails cleanly or is the one canonical encoding of the
 * frame it decodes to (docs/protocol.md §5). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "air/air.h"
#include "common/aiot_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	air_frame f;
	uint8_t out[AIR_MAX_FRAME];
	uint32_t handles[AIR_MAX_ACK];

	if (air_decode(data, size, &f) != AIOT_OK)
		return 0;
	if (f.type == AIR_ACK) {
		for (size_t i = 0; i < f.u.ack.n; i++)
			handles[i] = air_ack_handle(&f, i);
		f.u.ack.handles = handles;
	}
	int n = air_encode(&f, out, sizeof out);
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		__builtin_trap();
	if (air_encode(&f, out, size - 1) != AIOT_ERR_NOSPACE)
		__builtin_trap();
	return 0;
}
