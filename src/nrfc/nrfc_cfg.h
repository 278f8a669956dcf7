/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration every NF reads for the NRF (src/nrfc): the keys
 *   nrf.url (--nrf URL)  the NRF's apiRoot; absent: no NRF, nothing changes
 *   nrf.ca, nrf.cert, nrf.key   TLS to an https:// NRF
 *   nrf.heartbeat-s      heartbeat period; absent: the NRF's heartBeatTimer
 *   nf-instance-id (--nf-instance-id UUID), nf-instance-id-file
 * and the NF's own address for its profile.
 */
#ifndef AIOT_NRFC_CFG_H
#define AIOT_NRFC_CFG_H
#include <stddef.h>

#include "nrfc.h"

struct cfg;

/* 1 with *out filled (its strings point into c) when nrf.url is set, 0 when not, -1 with
 * err on a malformed value. */
int nrfc_cfg_from(const struct cfg *c, nrfc_cfg *out, char *err, size_t errlen);

/* The NF instance ID: nf-instance-id, else the UUID kept in nf-instance-id-file, else in
 * def_file (NULL: one of the two keys is required). Lowercase. 0, or -1 with err. */
int nrfc_instance_id(const struct cfg *c, const char *def_file, char id[37], char *err,
                     size_t errlen);

/* The host of a listen address "ADDR:PORT" / "[V6]:PORT" for an NFProfile; a wildcard
 * (0.0.0.0, ::) gives the host name. 0 or -1. */
int nrfc_listen_host(const char *listen, char *host, size_t cap);

#endif
