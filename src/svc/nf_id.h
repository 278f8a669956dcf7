/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NF instance IDs (TS 29.571 NfInstanceId: a UUID, RFC 4122 string form). Every NF of this
 * tree (aiot-adm, aiot-aiotf, aiot-nrf) has one: the `nf-instance-id` configuration key, or
 * else one made at random at first start and kept in a file (beside its store, or the
 * `nf-instance-id-file` key), so that a restart keeps it. The NRF registers NFs under it
 * and OAuth 2.0 names them by it (sub, aud; the NRF's own is the tokens' iss).
 * Host only (files, getrandom): here in src/svc, not in src/common, which is also built
 * freestanding for the tag (cmake/device-m0.sh).
 */
#ifndef AIOT_SVC_NF_ID_H
#define AIOT_SVC_NF_ID_H

/* 1 if s is a UUID in RFC 4122 string form (either case). */
int aiot_uuid_valid(const char *s);
/* A new random UUID (RFC 4122 4.4: version 4, variant 10), lowercase. 0, or -1 (no
 * randomness). */
int aiot_uuid_random(char out[37]);

/* out: the UUID held by path, lowercased; when path does not exist, a new random one
 * (version 4, getrandom) written there first (mode 0644, atomically). 0, or -1 with errno
 * (EINVAL: the file does not hold a UUID). */
int aiot_nf_instance_id_load_or_create(const char *path, char out[37]);

#endif
