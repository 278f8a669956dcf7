/* SPDX-License-Identifier: Apache-2.0 */
/* The strict JSON parser (src/sbi/sbi_json_strict.c), the SBI JSON field validators
 * (src/sbi/sbi_json.c) and the percent decoder on arbitrary bodies, as every Nadm/Naiotf
 * handler applies them to a request. */
#include <stdint.h>
#include <string.h>

#include "sbi/sbi_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sbi_err e = {0};
	uint8_t rand_n[16], id[64];
	size_t idlen, n;
	int b;
	const cJSON *arr;
	char dec[512];

	(void)sbi_pct_decode((const char *)data, size < 400 ? size : 400, dec, sizeof dec);
	cJSON *j = sbi_json_parse_object(data, size, &e);
	if (j == NULL)
		return 0;
	(void)sbi_json_hex(j, "randN", 1, rand_n, sizeof rand_n, &e);
	(void)sbi_json_b64(j, "aiotDevPermId", 0, id, sizeof id, &idlen, &e);
	(void)sbi_json_b64(j, "filteringInfo", 0, id, sizeof id, &idlen, &e);
	(void)sbi_json_bool(j, "resyncInd", 0, &b, &e);
	if (sbi_json_array(j, "randDlist", 1, 64, &arr, &n, &e) == 1) {
		const cJSON *it;
		cJSON_ArrayForEach(it, arr)
		{
			cJSON *w = cJSON_CreateObject();
			cJSON_AddItemReferenceToObject(w, "x", (cJSON *)it);
			(void)sbi_json_hex(w, "x", 1, rand_n, sizeof rand_n, &e);
			cJSON_Delete(w);
		}
	}
	cJSON_Delete(j);
	return 0;
}
