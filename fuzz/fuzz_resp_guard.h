/* SPDX-License-Identifier: Apache-2.0 */
#ifndef AIOT_FUZZ_RESP_GUARD_H
#define AIOT_FUZZ_RESP_GUARD_H
#include <stddef.h>
#include <stdint.h>

/* hiredis 0.14 (Debian) allocates an aggregate's element array as announced, with no limit of
 * its own (hiredis 1.0 added maxelements): an input announcing 10^9 elements is an allocation in
 * hiredis, not in our code, and trips libFuzzer's malloc limit. Such inputs are skipped: any
 * '*' or '$' header above 1 MiB. */
static inline int fuzz_resp_announces_huge(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (d[i] != '*' && d[i] != '$' && d[i] != '%' && d[i] != '~' && d[i] != '>')
			continue;
		unsigned long long v = 0;
		size_t j = i + 1;
		while (j < n && d[j] >= '0' && d[j] <= '9' && v <= (1u << 20))
			v = v * 10 + (unsigned)(d[j++] - '0');
		if (v > (1u << 20))
			return 1;
	}
	return 0;
}

#endif
