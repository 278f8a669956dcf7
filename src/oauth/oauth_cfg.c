/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A producer's oauth2.* configuration (oauth_guard.h) into its guard: one reading of the
 * keys for every NF, so that the ADM and the AIOTF accept the same file and flags.
 */
#include <stdio.h>
#include <string.h>

#include "oauth/oauth_guard.h"
#include "svc/config.h"
#include "svc/nf_id.h"

/* true|false; def when absent. 0 or -1. */
static int get_bool(const cfg *c, const char *key, int def, int *out, char *err, size_t errlen)
{
	const char *v = cfg_get(c, key);
	if (v == NULL)
		*out = def;
	else if (strcmp(v, "true") == 0)
		*out = 1;
	else if (strcmp(v, "false") == 0)
		*out = 0;
	else {
		snprintf(err, errlen, "%s: expected true or false, not '%s'", key, v);
		return -1;
	}
	return 0;
}

int aiot_oauth_guard_from_cfg(const cfg *c, const char *nf_type, const char *nf_instance,
                              const aiot_oauth_service *services, const char *const *op_scopes,
                              int workers, aiot_oauth_guard **out, char *err, size_t errlen)
{
	int required, opscopes;
	unsigned long long leeway;
	const char *pub = cfg_get(c, "oauth2.nrf-public-key"), *iss = cfg_get(c, "oauth2.issuer");
	size_t nops = 0;

	*out = NULL;
	if (get_bool(c, "oauth2.required", 0, &required, err, errlen) != 0 ||
	    get_bool(c, "oauth2.operation-scopes", 0, &opscopes, err, errlen) != 0 ||
	    cfg_get_uint(c, "oauth2.leeway-s", AIOT_JWT_MAX_LEEWAY, 0, AIOT_JWT_MAX_LEEWAY, &leeway,
	                 err, errlen) != 0)
		return -1;
	if (!required)
		return 0;
	if (pub == NULL || iss == NULL || !aiot_uuid_valid(iss)) {
		snprintf(err, errlen,
		         "oauth2.required needs oauth2.nrf-public-key and oauth2.issuer (the NRF's "
		         "NF instance ID, a UUID)");
		return -1;
	}
	while (op_scopes != NULL && op_scopes[nops] != NULL)
		nops++;
	aiot_oauth_cfg oc = {
	    .nrf_key = aiot_jws_pubkey_load(pub, err, errlen),
	    .policy = {.issuer = iss,
	               .nf_type = nf_type,
	               .nf_instance = nf_instance,
	               .leeway_s = (int)leeway},
	    .services = services,
	    .op_scopes = op_scopes,
	    .nops = nops,
	    .operation_scopes = opscopes,
	    .workers = workers,
	};
	if (oc.nrf_key == NULL)
		return -1;
	return (*out = aiot_oauth_guard_new(&oc, err, errlen)) != NULL ? 0 : -1;
}
