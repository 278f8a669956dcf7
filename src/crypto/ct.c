/* SPDX-License-Identifier: Apache-2.0 */
#include "ct.h"

int aiot_ct_eq(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint32_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (uint32_t)(x[i] ^ y[i]);
	/* CT: map d != 0 to 0 and d == 0 to 1 without a branch. */
	return (int)(1 & ((d - 1) >> 8));
}

void aiot_zeroize(void *p, size_t n)
{
	volatile uint8_t *v = p;
	while (n--)
		*v++ = 0;
}
