/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ADM with its keys in a PKCS#11 token (docs/pkcs11.md): the workers' backends become
 * sessions of the token, whose key arguments are references (p11.h), so Nadm_Sec's
 * derivations run unchanged. A store is either token-backed (every record holds a reference)
 * or not (every record holds a key): checked here at start, where a mismatch is an error.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "adm_internal.h"
#include "common/base64.h"
#include "crypto/backend_openssl.h"
#include "p11/p11.h"
#include "svc/log.h"

#define NAMED_MAX 3 /* devices a start-up message names */

typedef struct key_scan {
	const aiot_p11_refs *refs; /* NULL: only classify */
	size_t n, refs_n, missing;
	char first_key[AIOT_B64_LEN(AIOT_PERM_ID_MAX) + 1]; /* a device holding a key */
	char first_ref[AIOT_B64_LEN(AIOT_PERM_ID_MAX) + 1]; /* one holding a reference */
	char missing_ids[NAMED_MAX * (AIOT_B64_LEN(AIOT_PERM_ID_MAX) + 2) + 1];
} key_scan;

static void scan_one(void *arg, const aiot_dev_record *r)
{
	key_scan *k = arg;
	char id[AIOT_B64_LEN(AIOT_PERM_ID_MAX) + 1];
	k->n++;
	aiot_b64_encode(r->perm_id, r->perm_id_len, id);
	if (!aiot_p11_is_ref(r->key, r->key_len)) {
		if (k->first_key[0] == '\0')
			memcpy(k->first_key, id, sizeof id);
		return;
	}
	if (k->refs_n++ == 0)
		memcpy(k->first_ref, id, sizeof id);
	if (k->refs != NULL && !aiot_p11_refs_has(k->refs, r->key) && k->missing++ < NAMED_MAX) {
		size_t l = strlen(k->missing_ids);
		snprintf(k->missing_ids + l, sizeof k->missing_ids - l, "%s%s", l ? ", " : "", id);
	}
}

int adm_check_plain_keys(adm *a, char *err, size_t errlen)
{
	key_scan k = {0};
	/* Provisioning keeps a store all-or-none (aiot provision refuses to mix), so the first
	 * device says what the store is. */
	aiot_store_match_prefix(a->store, NULL, 0, 1, scan_one, &k);
	if (k.refs_n == 0)
		return 0;
	snprintf(err, errlen,
	         "the store's keys are in a PKCS#11 token (device %s holds a reference to a token "
	         "object, not a key): start aiot-adm with --pkcs11-module, --pkcs11-token and "
	         "--pkcs11-pin-file (docs/pkcs11.md)",
	         k.first_ref);
	return -1;
}

int adm_use_pkcs11(adm *a, aiot_p11 *tok, const char *label, char *err, size_t errlen)
{
	aiot_p11_refs refs;
	key_scan k = {.refs = &refs};
	aiot_backend **be = NULL, *be_store = NULL;
	int n = 0;

	if (aiot_p11_list(tok, &refs, err, errlen) != AIOT_OK)
		return -1;
	aiot_store_match_prefix(a->store, NULL, 0, SIZE_MAX, scan_one, &k);
	aiot_p11_refs_free(&refs);
	if (k.first_key[0] != '\0') {
		snprintf(
		    err, errlen,
		    "the store is not token-backed: device %s holds a key, not a reference to "
		    "an object of PKCS#11 token '%s' (%zu of %zu devices do); a store is either "
		    "provisioned with --pkcs11-module or without (docs/pkcs11.md)",
		    k.first_key, label, k.n - k.refs_n, k.n);
		return -1;
	}
	if (k.missing > 0)
		log_warn("%zu of %zu devices have no key object in PKCS#11 token '%s' (%s%s): "
		         "requests for them fail with 500",
		         k.missing, k.n, label, k.missing_ids,
		         k.missing > NAMED_MAX ? ", ..." : "");
	if ((be = calloc((size_t)a->workers, sizeof *be)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (n = 0; n < a->workers; n++)
		if ((be[n] = aiot_p11_backend_new(tok, err, errlen)) == NULL)
			goto fail;
	if ((be_store = aiot_p11_backend_new(tok, err, errlen)) == NULL)
		goto fail;
	for (int i = 0; i < a->workers; i++)
		aiot_backend_openssl_free(a->be[i]);
	aiot_backend_openssl_free(a->be_store);
	free(a->be);
	a->be = be;
	a->be_store = be_store;
	a->be_p11 = 1;
	log_info("keys: PKCS#11 token '%s', %zu devices, derivations by C_Sign in %d sessions",
	         label, k.n, a->workers + 1);
	return 0;
fail:
	while (n-- > 0)
		aiot_p11_backend_free(be[n]);
	free(be);
	return -1;
}

void adm_key_failed(sbi_response *resp, const uint8_t *id, size_t len, int rc, const char *what)
{
	char b64[AIOT_B64_LEN(AIOT_PERM_ID_MAX) + 1];
	aiot_b64_encode(id, len < AIOT_PERM_ID_MAX ? len : AIOT_PERM_ID_MAX, b64);
	if (rc == AIOT_ERR_NOTFOUND)
		sbi_problem(resp, 500, "SYSTEM_FAILURE",
		            "%s: the PKCS#11 token holds no key object for aiotDevPermId %s", what,
		            b64);
	else
		sbi_problem(resp, 500, "SYSTEM_FAILURE",
		            "%s derivation failed for aiotDevPermId %s", what, b64);
}
