/* SPDX-License-Identifier: Apache-2.0 */
#include "common/uuid.h"

int aiot_uuid_ok(const char *s, size_t n)
{
	if (n != AIOT_UUID_LEN)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int hex =
		    (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		if (i == 8 || i == 13 || i == 18 || i == 23 ? c != '-' : !hex)
			return 0;
	}
	return 1;
}
