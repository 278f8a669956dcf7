/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz coap_tcp_decode (RFC 8323 3.2): any input fails cleanly, or its first frame is the
 * one canonical encoding of the message it decodes to. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coap/coap_tcp.h"
#include "common/aiot_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	coap_msg m;
	size_t used, n;
	int rc = coap_tcp_decode(data, size, 1 << 20, &m, &used);
	if (rc != AIOT_OK) {
		if (rc != AIOT_ERR_TRUNC && rc != AIOT_ERR_MALFORMED && rc != AIOT_ERR_NOSPACE)
			__builtin_trap();
		return 0;
	}
	if (used > size)
		__builtin_trap();
	uint8_t *out = malloc(used);
	if (out == NULL)
		return 0;
	if (coap_tcp_encode(&m, out, used, &n) != AIOT_OK || n != used ||
	    memcmp(out, data, used) != 0)
		__builtin_trap();
	if (coap_tcp_encode(&m, out, used - 1, &n) != AIOT_ERR_NOSPACE)
		__builtin_trap();
	free(out);
	return 0;
}
