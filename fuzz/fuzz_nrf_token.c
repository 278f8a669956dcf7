/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NRF's AccessTokenReq form parser and token policy (src/nrf/nrf_token_req.c) on
 * arbitrary input: the body of POST /oauth2/token as a peer sends it. A parsed request must
 * hold what the parser promises (NUL-terminated fields, a UUID, a scope of the pattern).
 */
#include <stdlib.h>
#include <string.h>

#include "nrf/nrf_token.h"
#include "oauth/jws.h"
#include "svc/nf_id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static nrf_token_policy pol;
	static int init;
	nrf_token_req r;
	nrf_token_err e;
	if (!init) {
		init = 1;
		if (nrf_token_policy_add(&pol, "AIOTF", "nadm-sec nadm-dm") != 0 ||
		    nrf_token_policy_add(&pol, "AF", "naiotf-aiot") != 0)
			abort(); /* local invariant of the harness, not peer data */
	}
	if (nrf_token_req_parse(data, size, &r, &e) != 0) {
		if (e.error == NULL)
			abort();
		return 0;
	}
	if (!aiot_uuid_valid(r.nf_instance_id) || !aiot_jwt_scope_valid(r.scope) ||
	    (r.target_nf_type[0] == '\0' && r.target_nf_instance_id[0] == '\0'))
		abort(); /* the parser broke its promise */
	(void)nrf_token_policy_check(&pol, r.nf_type[0] ? r.nf_type : "AIOTF", r.scope, &e);
	return 0;
}
