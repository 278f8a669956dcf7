/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DO-A subscriptions (openapi/Naiotf_DoA.yaml, a local extension of Naiotf_AIoT): AFs that
 * subscribed to the registrations and uplink data of device-originated access devices, and
 * the delivery to them. doa_subs.c owns the subscriptions (in memory, loop thread only: they
 * do not survive a restart of the AIOTF) and each one's aiotf_req (afId, notifUri and its
 * destination, the filter); the SBI thread only parses and queues requests (aiotf.c).
 */
#ifndef AIOT_AIOTF_DOA_SUBS_H
#define AIOT_AIOTF_DOA_SUBS_H
#include <stddef.h>
#include <stdint.h>

#include "naiotf.h"
#include "sbi/sbi_server.h"

typedef struct aiotf aiotf;
typedef struct doa_subs doa_subs;

#define DOA_SUBS_PATH "doa-subscriptions" /* under /naiotf-aiot/v1/ */
#define DOA_SUB_ID_LEN 32                 /* hex characters of a subscriptionId (128 bits) */
#define DOA_BATCH_ITEMS 64                /* devicesRepData items in one AIoTNotif at most */
#define DOA_BATCH_MS 5                    /* a delivery waits this long for others to join */

/* SBI thread: a fresh, unguessable subscriptionId for r (r->trans_id). 0 or -1. */
int doa_sub_new_id(aiotf_req *r);
/* SBI thread: GET / DELETE /naiotf-aiot/v1/doa-subscriptions/{id}: 405 / 404 in resp, or
 * queued for the loop thread (doa_subs_op), which owns the subscriptions. */
void doa_subs_handle_id(aiotf *a, const sbi_request *req, const char *id, sbi_response *resp);
/* Loop thread: an authorized POST (the AF's data allowed it): create the subscription
 * within doa.max-subscriptions and its share per AF, answer 201 (or 503), take r. */
void doa_subs_create(aiotf *a, aiotf_req *r);
/* Loop thread: GET / DELETE of the subscription r->trans_id; answers, frees r. */
void doa_subs_op(aiotf *a, aiotf_req *r);
/* Loop thread: a DO-A device's verified uplink data (data NULL: its registration, told only
 * to subscriptions with regInd), to every subscription whose filter selects perm. Items of
 * one subscription arriving within DOA_BATCH_MS share one AIoTNotif. */
void doa_subs_deliver(aiotf *a, const aiotf_id *perm, const uint8_t *data, size_t len);
/* Teardown (loop stopped): every subscription and its queued items freed. */
void doa_subs_free_all(aiotf *a);

#endif
