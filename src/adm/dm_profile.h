/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The writable part of AiotDevProfileData (TS 29.369 Nadm_DM): lastKnownAiotfInfo and
 * tidHandlingInformation, checked member by member against the schema (TS29369_Nadm_DM.yaml
 * and the TS 29.571 types it references), and changed by merge patch (RFC 7396) or by
 * PatchItem operations (RFC 6902). aiotDevPermId and the T-IDs are the ADM's own.
 */
#ifndef AIOT_DM_PROFILE_H
#define AIOT_DM_PROFILE_H
#include <cjson/cJSON.h>

#include "store/store.h"

/* A refusal: status, TS 29.500 cause and the offending member as a JSON pointer. */
typedef struct dm_err {
	int status;
	const char *cause;
	char param[160], reason[160];
} dm_err;

/* The document {lastKnownAiotfInfo, tidHandlingInformation} of a device from its stored
 * text (NULL: none; a stored value that does not validate is served as "not known"). */
cJSON *dm_doc_load(const char *stored, aiot_tid_type type);
/* 0 if doc is valid for a device whose T-ID type is type, else -1 with e. */
int dm_doc_check(const cJSON *doc, aiot_tid_type type, dm_err *e);
/* The text to store for a valid doc (tidType is the record's: not stored). NULL on OOM. */
char *dm_doc_text(const cJSON *doc);
/* RFC 7396: applies patch (a Nadm_DM merge-patch body) to doc. id: the resource's device. */
int dm_merge(cJSON *doc, const cJSON *patch, const uint8_t *id, size_t idlen, dm_err *e);
/* RFC 6902: applies one PatchItem operation whose path (and from) were resolved to ptr (and
 * from_ptr) inside doc. where names the item in errors. */
int dm_patch_op(cJSON *doc, const cJSON *item, const char *ptr, const char *from_ptr,
                const char *where, dm_err *e);

#endif
