/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AIOTF and the NRF (issue 14 item 5; the client is src/nrfc): with nrf.url, the AIOTF
 * registers its NFProfile (nfType AIOTF, service naiotf-aiot, aiotfInfoList) and
 * heartbeats, and, when adm.url is not given, finds the ADM instances by Nnrf_NFDiscovery
 * (target-nf-type ADM, requester-nf-type AIOTF, service nadm-sec) at start: every endpoint of
 * every instance returned (up to AIOTF_MAX_ADM) becomes adm.url's list, which the AIOTF
 * spreads its requests over (adm_client.c); there is no re-discovery later. When the ADM
 * requires OAuth 2.0 (its NFService oauth2Required, or adm.oauth2: true), every request to it
 * carries an access token from the NRF (src/nrfc/nrfc_token.h, used by adm_client.c).
 */
#ifndef AIOT_AIOTF_NRF_LINK_H
#define AIOT_AIOTF_NRF_LINK_H
#include "nrfc/nrfc.h"

struct cfg;

/* Before the AIOTF is made: with nrf.url, the NF instance ID into id (nf-instance-id or
 * nf-instance-id-file required), and adm.url (every ADM instance) from discovery when it is
 * absent. 1 when an
 * NRF is configured, 0 when not, -1 after logging the failure. */
int aiotf_nrf_prepare(struct cfg *c, char id[37]);

/* adm.oauth2 (true: tokens for the ADM from the NRF): 1 with *nc the NRF, 0 when off, -1
 * after logging (not a boolean, or no NRF). After aiotf_nrf_prepare. */
int aiotf_nrf_adm_tokens(const struct cfg *c, nrfc_cfg *nc);

/* Once the SBI server listens on port: start registering. 0, or -1 after logging. */
int aiotf_nrf_register(const struct cfg *c, const char *id, int tls, int port, nrfc **out);

#endif
