/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The devices one inventory session has read (reader_proc.c): in RAN-AIOT-Device-NGAP-ID
 * order (the IDs grow within a session, modulo 2^32), with an index by air handle (open
 * addressing). Pure data structure: no I/O. The table owns devs and hidx; the pending command
 * of a device is reader_proc's (the table only holds the pointer).
 */
#ifndef AIOT_READER_DEVTAB_H
#define AIOT_READER_DEVTAB_H
#include <stddef.h>
#include <stdint.h>

struct cmd;

typedef struct rdev {
	uint32_t ran_id; /* RAN-AIOT-Device-NGAP-ID, assigned by this reader */
	uint32_t handle; /* the air handle of this session */
	struct cmd *pending;
} rdev;

typedef struct devtab {
	rdev *devs;
	size_t n, cap;
	uint32_t *hidx; /* handle -> index + 1, 0: free */
	size_t hcap;
} devtab;

/* Device index by air handle, or SIZE_MAX. */
size_t devtab_by_handle(const devtab *t, uint32_t handle);
/* Device index by RAN-AIOT-Device-NGAP-ID, or SIZE_MAX. */
size_t devtab_by_ran(const devtab *t, uint32_t ran);
/* Appends a device (ran_id above every one in the table); its index, or SIZE_MAX when out of
 * memory (nothing added). */
size_t devtab_add(devtab *t, uint32_t ran_id, uint32_t handle);
void devtab_free(devtab *t);

#endif
