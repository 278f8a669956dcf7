/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz msgin5g_decode (MSGin5G-1 JSON, src/msgin5g/msg.c): any input fails cleanly, or
 * what it decodes to encodes and decodes back to the same message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "msgin5g/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static msgin5g_msg m, d;
	if (msgin5g_decode((const char *)data, size, &m) != AIOT_OK)
		return 0;
	char *j = msgin5g_encode(&m);
	if (j == NULL || msgin5g_decode(j, strlen(j), &d) != AIOT_OK ||
	    memcmp(&m, &d, sizeof m) != 0)
		__builtin_trap();
	free(j);
	return 0;
}
