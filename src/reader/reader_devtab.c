/* SPDX-License-Identifier: Apache-2.0 */
/* The devices of an inventory session (reader_devtab.h). */
#include "reader_devtab.h"

#include <stdlib.h>

static size_t hslot(uint32_t handle, size_t cap)
{
	return (size_t)((handle * 2654435761u) ^ (handle >> 16)) & (cap - 1);
}

size_t devtab_by_handle(const devtab *t, uint32_t handle)
{
	if (t->hcap == 0)
		return SIZE_MAX;
	for (size_t i = hslot(handle, t->hcap);; i = (i + 1) & (t->hcap - 1)) {
		uint32_t v = t->hidx[i];
		if (v == 0)
			return SIZE_MAX;
		if (t->devs[v - 1].handle == handle)
			return v - 1;
	}
}

static int hash_insert(devtab *t, size_t idx)
{
	if (2 * (t->n + 1) > t->hcap) { /* keep the load under 1/2 */
		size_t nc = t->hcap ? t->hcap * 2 : 1024;
		uint32_t *nh = calloc(nc, sizeof *nh);
		if (nh == NULL)
			return -1;
		for (size_t i = 0; i < t->hcap; i++)
			if (t->hidx[i] != 0) {
				size_t j = hslot(t->devs[t->hidx[i] - 1].handle, nc);
				while (nh[j] != 0)
					j = (j + 1) & (nc - 1);
				nh[j] = t->hidx[i];
			}
		free(t->hidx);
		t->hidx = nh;
		t->hcap = nc;
	}
	size_t j = hslot(t->devs[idx].handle, t->hcap);
	while (t->hidx[j] != 0)
		j = (j + 1) & (t->hcap - 1);
	t->hidx[j] = (uint32_t)idx + 1;
	return 0;
}

/* IDs grow within a session (modulo 2^32): a binary search on the offset from the first. */
size_t devtab_by_ran(const devtab *t, uint32_t ran)
{
	if (t->n == 0)
		return SIZE_MAX;
	uint32_t base = t->devs[0].ran_id, off = ran - base;
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t m = t->devs[mid].ran_id - base;
		if (m == off)
			return mid;
		if (m < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

size_t devtab_add(devtab *t, uint32_t ran_id, uint32_t handle)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 256;
		rdev *nd = realloc(t->devs, nc * sizeof *nd);
		if (nd == NULL)
			return SIZE_MAX;
		t->devs = nd;
		t->cap = nc;
	}
	size_t idx = t->n;
	t->devs[idx] = (rdev){.ran_id = ran_id, .handle = handle};
	if (hash_insert(t, idx) != 0)
		return SIZE_MAX;
	t->n++;
	return idx;
}

void devtab_free(devtab *t)
{
	free(t->devs);
	free(t->hidx);
	*t = (devtab){0};
}
