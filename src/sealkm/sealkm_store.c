/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KM's keys at rest (sealkm.h). One kvs record per key:
 *   id     = the key id (sealed into the record's AAD by the kvs store)
 *   meta   = {"owner": IDENTITY, "expiry": UNIX-SECONDS} (public)
 *   secret = PSK (32) || SHA-256(meta) (32), AES-256-GCM under the KEK: neither the owner
 *            (the UE ID an MSGin5G server authorizes) nor the expiry can be changed at rest.
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/aiot_err.h"
#include "common/hex.h"
#include "crypto/ct.h"
#include "crypto/sha256.h"
#include "sealkm_internal.h"

#define SECRET_LEN (SEALKM_PSK_LEN + 32)

static char *meta_text(const sealkm_key *key)
{
	cJSON *m = cJSON_CreateObject();
	char *txt = NULL;
	if (m != NULL && cJSON_AddStringToObject(m, "owner", key->owner) != NULL &&
	    cJSON_AddNumberToObject(m, "expiry", (double)key->expiry) != NULL)
		txt = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	return txt;
}

int sealkm_store_issue(sealkm *k, sealkm_key *key, char key_id[SEALKM_KEY_ID_LEN + 1])
{
	uint8_t id[SEALKM_KEY_ID_LEN / 2], secret[SECRET_LEN];
	char *meta = meta_text(key);
	int rc = AIOT_ERR_CRYPTO;
	if (meta == NULL) {
		rc = AIOT_ERR_NOSPACE;
		goto out;
	}
	if (RAND_bytes(id, sizeof id) != 1 || RAND_bytes(key->psk, sizeof key->psk) != 1)
		goto out;
	aiot_hex_encode(id, sizeof id, key_id);
	memcpy(secret, key->psk, SEALKM_PSK_LEN);
	aiot_sha256((const uint8_t *)meta, strlen(meta), secret + SEALKM_PSK_LEN);
	pthread_mutex_lock(&k->lock);
	rc = aiot_kvs_put(k->kvs, key_id, meta, secret, sizeof secret);
	pthread_mutex_unlock(&k->lock);
out:
	aiot_zeroize(secret, sizeof secret);
	free(meta);
	return rc;
}

/* meta -> key's owner and expiry. 0 or -1. */
static int meta_parse(const char *meta, sealkm_key *key)
{
	cJSON *j = cJSON_Parse(meta ? meta : "");
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, "owner");
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "expiry");
	int rc = -1;
	if (cJSON_IsString(o) && strlen(o->valuestring) > 0 &&
	    strlen(o->valuestring) <= SEALKM_OWNER_MAX && cJSON_IsNumber(e) && e->valuedouble > 0 &&
	    e->valuedouble < 1e12) {
		snprintf(key->owner, sizeof key->owner, "%s", o->valuestring);
		key->expiry = (time_t)e->valuedouble;
		rc = 0;
	}
	cJSON_Delete(j);
	return rc;
}

int sealkm_store_find(sealkm *k, const char *key_id, time_t now, sealkm_key *key)
{
	uint8_t secret[AIOT_KVS_SECRET_MAX], digest[32];
	size_t len = 0;
	char *meta = NULL;
	pthread_mutex_lock(&k->lock);
	int rc = aiot_kvs_get(k->kvs, key_id, &meta, secret, &len);
	if (rc == AIOT_OK && (len != SECRET_LEN || meta == NULL || meta_parse(meta, key) != 0))
		rc = AIOT_ERR_MAC;
	if (rc == AIOT_OK) {
		aiot_sha256((const uint8_t *)meta, strlen(meta), digest);
		if (!aiot_ct_eq(digest, secret + SEALKM_PSK_LEN, 32))
			rc = AIOT_ERR_MAC;
	}
	if (rc == AIOT_OK && key->expiry <= now) {
		(void)aiot_kvs_delete(k->kvs, key_id); /* an expired key is never given again */
		rc = AIOT_ERR_NOTFOUND;
	}
	pthread_mutex_unlock(&k->lock);
	if (rc == AIOT_OK)
		memcpy(key->psk, secret, SEALKM_PSK_LEN);
	aiot_zeroize(secret, sizeof secret);
	free(meta);
	return rc;
}
