/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON Patch (RFC 6902) on a cJSON document, as Nnrf_NFManagement's UpdateNFInstance takes it
 * (TS 29.510 5.2.2.3, application/json-patch+json; TS 29.571 PatchItem). Sans-I/O: the
 * document is patched on a copy, so a failing operation leaves it untouched (RFC 6902 5:
 * the whole patch or nothing). Operations: add, remove, replace, move, copy, test; paths are
 * JSON Pointers (RFC 6901, "~0" and "~1" escapes; "-" appends to an array for add).
 */
#ifndef AIOT_NRF_JSON_PATCH_H
#define AIOT_NRF_JSON_PATCH_H
#include <cjson/cJSON.h>

#include "sbi/sbi_json.h"

/* Apply patch (a JSON array of PatchItem) to doc. Returns the patched copy (the caller owns
 * it; doc is not modified), or NULL with e set: 400 MANDATORY_IE_INCORRECT for a malformed
 * patch or a path that does not resolve, 409 for a failed "test" (RFC 5789 2.2: conflicting
 * state), 500 SYSTEM_FAILURE out of memory. */
cJSON *json_patch_apply(const cJSON *doc, const cJSON *patch, sbi_err *e);

#endif
