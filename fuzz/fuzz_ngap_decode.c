/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz ngap_decode: any input either fails cleanly or is the one canonical encoding of the
 * message it decodes to (docs/protocol.md §4), and the message frees cleanly. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "ngap/ngap_aiot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ngap_msg *m = NULL;
	uint8_t *out;
	size_t n;

	if (ngap_decode(data, size, &m) != AIOT_OK) {
		if (m != NULL)
			__builtin_trap();
		return 0;
	}
	n = ngap_encoded_size(m);
	if (n != size)
		__builtin_trap();
	out = malloc(n);
	if (out == NULL)
		__builtin_trap();
	if (ngap_encode(m, out, n) != (int)n || memcmp(out, data, n) != 0)
		__builtin_trap();
	if (ngap_encode(m, out, n - 1) != AIOT_ERR_NOSPACE)
		__builtin_trap();
	free(out);
	ngap_free(m);
	return 0;
}
