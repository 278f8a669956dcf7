/* SPDX-License-Identifier: Apache-2.0 */
/* Wiping free and grow (wipe.h). */
#include "wipe.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

void aiot_free_wipe(void *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

void *aiot_realloc_wipe(void *p, size_t old, size_t n)
{
	void *q = malloc(n ? n : 1);
	if (q == NULL)
		return NULL;
	if (p != NULL) {
		memcpy(q, p, old < n ? old : n);
		aiot_free_wipe(p);
	}
	return q;
}

void *aiot_realloc_wipe_any(void *p, size_t n)
{
	return aiot_realloc_wipe(p, p ? malloc_usable_size(p) : 0, n);
}
