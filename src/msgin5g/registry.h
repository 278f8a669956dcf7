/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MSGin5G server's UE service IDs: the binding of each to a SUPI (TS 33.501 Y.2: the
 * server authorizes a registration against the SUPI the AAnF returned), the connection it is
 * registered on, and its queue of messages waiting for delivery (store and forward, bounded
 * per UE and in total). Owns the queued messages; the connections are the server's.
 * One event loop thread.
 */
#ifndef AIOT_MSGIN5G_REGISTRY_H
#define AIOT_MSGIN5G_REGISTRY_H
#include <stddef.h>

#include "msg.h"

typedef struct registry registry;

/* bindings: a JSON file {"<UE service ID>": "imsi-<digits>", ...} (NULL: none). NULL with
 * err. */
registry *registry_load(const char *bindings, size_t max_per_ue, size_t max_total, char *err,
                        size_t errlen);
void registry_free(registry *r);
size_t registry_count(const registry *r);

/* The SUPI bound to ue, or NULL when ue is not bound. */
const char *registry_supi(const registry *r, const char *ue);
/* The connection ue is registered on (NULL: none); set NULL to deregister. */
void *registry_conn(const registry *r, const char *ue);
void registry_set_conn(registry *r, const char *ue, void *conn);

/* Queue a copy of m for ue (at the head: a message that went back unacknowledged).
 * 0, -1 when ue is not bound or its queue (or the total) is full; a message put back at
 * the head was counted before and is not refused for room. */
int registry_push(registry *r, const char *ue, const msgin5g_msg *m, int head);
/* The oldest message for ue (malloc'd: free it), or NULL. */
msgin5g_msg *registry_pop(registry *r, const char *ue);
size_t registry_queued(const registry *r); /* over every UE */

#endif
