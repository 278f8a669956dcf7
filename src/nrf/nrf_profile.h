/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NFProfile checks (TS 29.510 6.1.6.2.2, TS29510_Nnrf_NFManagement.yaml): what the NRF
 * requires of a profile before it stores it, registered by PUT or produced by a PATCH.
 * Sans-I/O; owned by the NRF's management service (nrf_nfm.c) and its registry.
 */
#ifndef AIOT_NRF_PROFILE_H
#define AIOT_NRF_PROFILE_H
#include <cjson/cJSON.h>

#include "sbi/sbi_json.h"

/* p is an NFProfile whose nfInstanceId is id: required nfInstanceId, nfType, nfStatus (strings),
 * one of fqdn / ipv4Addresses / ipv6Addresses, heartBeatTimer >= 1 when present, and each
 * NFService of nfServiceList / nfServices with its required members. 0, or -1 with e (400
 * MANDATORY_IE_INCORRECT / MANDATORY_IE_MISSING). */
int nrf_profile_check(const cJSON *p, const char *id, sbi_err *e);

/* 1 if the profile offers a service named one of names[0..n-1] (nfServiceList or the
 * deprecated nfServices). */
int nrf_profile_has_service(const cJSON *p, const char *const *names, size_t n);

#endif
