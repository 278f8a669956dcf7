/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AIOTF's ADM instances from an NRF's discovery answer: a SearchResult as the NRF sends
 * it (TS 29.510 6.2.6.2.2) read into "URL,URL,..." (nrfc_search_result_all), then that list
 * kept as the AIOTF keeps a discovered list (aiotf_adm_urls_discovered: what fits), which must
 * then pass the operator's strict check (adm_urls_parse) whole. Either step may refuse; what
 * they accept must hold what they promise.
 */
#include <stdlib.h>
#include <string.h>

#include "aiotf/aiotf_internal.h"
#include "nrfc/nrfc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static adm_inst inst[AIOTF_MAX_ADM];
	char urls[4096], err[256];
	int oauth2 = -1, tls = -1;
	if (nrfc_search_result_all((const char *)data, size, "nadm-sec", AIOTF_MAX_ADM, urls,
	                           sizeof urls, &oauth2) != 0)
		return 0;
	if (urls[0] == '\0' || strlen(urls) >= sizeof urls || (oauth2 != 0 && oauth2 != 1))
		abort();
	/* as the AIOTF takes a discovered list: what fits, then the strict check takes it all */
	static char kept[8192];
	int k = aiotf_adm_urls_discovered(urls, kept, sizeof kept, err, sizeof err);
	if (k < 0)
		return 0;
	if (k == 0 || k > AIOTF_MAX_ADM)
		abort();
	memset(inst, 0, sizeof inst);
	int n = adm_urls_parse(kept, inst, AIOTF_MAX_ADM, &tls, err, sizeof err);
	if (n != k || (tls != 0 && tls != 1))
		abort(); /* what discovery keeps, the operator's check accepts */
	for (int i = 0; i < n; i++)
		if (strchr(inst[i].url, ',') != NULL || inst[i].port < 1 || inst[i].port > 65535)
			abort();
	return 0;
}
